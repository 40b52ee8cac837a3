"""The state of the database, Redis and RabbitMQ for /healthz: no versions, no secrets."""

from django.core.cache import cache
from django.db import DatabaseError, connection

from cacheadmin.gateways.parallel import call_in_parallel
from cacheadmin.gateways.problems import ERROR
from cacheadmin.gateways.service_calls import call_rabbit, call_redis

# /healthz is open to anyone: answer from a short-lived copy so that a flood of
# requests costs the services one check per interval.
CACHE_KEY = "cacheadmin:healthz"
CACHE_SECONDS = 2


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return ERROR
    return None


def check_redis() -> str | None:
    _, problem = call_redis(lambda space: space.client.ping())
    return problem.kind if problem else None


def check_rabbitmq() -> str | None:
    _, problem = call_rabbit(lambda client: client.get("api/whoami"))
    return problem.kind if problem else None


def health_report() -> dict:
    """ok: all up; degraded: the dashboard serves but a service is down; down: no database."""
    report = cache.get(CACHE_KEY)
    if report is None:
        report = fresh_report()
        cache.set(CACHE_KEY, report, CACHE_SECONDS)
    return report


def fresh_report() -> dict:
    problems = {
        "database": check_database(),
        **call_in_parallel(redis=check_redis, rabbitmq=check_rabbitmq),
    }
    if problems["database"]:
        status = "down"
    elif any(problems.values()):
        status = "degraded"
    else:
        status = "ok"
    checks = {
        name: {"ok": problem is None, **({"problem": problem} if problem else {})}
        for name, problem in problems.items()
    }
    return {"status": status, "checks": checks}
