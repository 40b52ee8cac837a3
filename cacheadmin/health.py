"""The state of the database, Redis and RabbitMQ for /healthz: no versions, no secrets."""

import redis
from django.db import DatabaseError, connection

from cacheadmin import connections
from cacheadmin.parallel import call_in_parallel
from cacheadmin.problems import ERROR, MISCONFIGURED
from cacheadmin.rabbit.management import ManagementError
from cacheadmin.redis.errors import explain


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return ERROR
    return None


def check_redis() -> str | None:
    try:
        client = connections.redis_client()
    except connections.ConfigError:
        return MISCONFIGURED
    try:
        client.ping()
    except redis.RedisError as exc:
        return explain(exc, client=client).kind
    return None


def check_rabbitmq() -> str | None:
    try:
        connections.rabbit_management().get("api/whoami")
    except connections.ConfigError:
        return MISCONFIGURED
    except ManagementError as exc:
        return exc.problem.kind
    return None


def health_report() -> dict:
    """ok: all up; degraded: the dashboard serves but a service is down; down: no database."""
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
