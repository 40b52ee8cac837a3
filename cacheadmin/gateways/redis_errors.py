"""Redis failures explained in plain words, without leaking passwords."""

import re

import redis
from redis.sentinel import MasterNotFoundError

from cacheadmin.gateways.problems import (
    BAD_REQUEST,
    ERROR,
    MISCONFIGURED,
    REFUSED,
    TIMEOUT,
    UNREACHABLE,
    Problem,
    reason_of,
)
from cacheadmin.gateways.redis_kinds.cluster_scan import PrimaryDown
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace, LayoutFailure


def explain(exc: redis.RedisError | LayoutFailure, *, space: Keyspace) -> Problem:
    where = space.address()
    if node := space.failed_node(exc):
        where = f"{node}, a node of {where}"  # not only the seeds of its URL
    if isinstance(exc, LayoutFailure):  # slots no node serves, nodes all down
        return Problem(UNREACHABLE, f"Part of {where} cannot be reached: {exc}")
    if isinstance(exc, redis.AuthenticationError) or "NOAUTH" in str(exc):
        return Problem(
            REFUSED,
            f"Redis at {where} refused the credentials: put the right user and "
            "password in the instance's URL (REDIS_URL, or its url in the instances "
            "file: redis://user:password@host:port/db).",
        )
    if isinstance(exc, redis.exceptions.NoPermissionError):
        return _not_permitted(exc, space=space, where=where)
    if SCRIPT_REFUSED in str(exc):
        return _script_refused(space=space, where=where)
    lost = MasterNotFoundError | redis.ConnectionError | redis.ReadOnlyError
    if space.service and isinstance(exc, lost):  # a Sentinel service's master
        return _changing_master(exc, space.service)
    if isinstance(exc, PrimaryDown):  # a cluster's node, not the seeds of its URL
        return Problem(
            UNREACHABLE, f"The primary {exc.node} of {where} did not answer ({exc.reason})."
        )
    if isinstance(exc, redis.TimeoutError):
        timeout = space.connection_kwargs.get("socket_timeout")
        return Problem(TIMEOUT, f"Redis at {where} did not answer within {timeout} s.")
    if isinstance(exc, redis.ConnectionError) and (tls := _tls_trouble(exc, where)):
        return tls
    if isinstance(exc, redis.ConnectionError):
        return Problem(
            UNREACHABLE, f"Redis is not running or not reachable at {where}: {reason_of(exc)}."
        )
    if "DB index is out of range" in str(exc):  # the caller asked for a database
        return Problem(BAD_REQUEST, f"Redis at {where} has no such database: {exc}")
    return Problem(ERROR, f"Redis at {where} answered with an error: {exc}")


def _changing_master(exc: redis.RedisError, service: str) -> Problem:
    """A Sentinel service whose master cannot be reached, or has just become a replica:
    most often a failover under way."""
    if isinstance(exc, MasterNotFoundError):
        said = f"The sentinels name no reachable master for {service} right now"
    else:
        said = f"The master of {service} is changing or cannot be reached ({reason_of(exc)})"
    return Problem(
        UNREACHABLE,
        f"{said}: a failover may be under way. The dashboard follows the new master by "
        "itself: try again in a moment.",
    )


NOPERM_COMMAND = re.compile(r"permissions to (?:run|access) the '([^']+)'")


# What an operator's changes run: keys' deletion and TTLs, statistics, keyspace events,
# and invalidations, whose batches are Lua scripts (one atomic step each) that run the
# rest. A script may run only the commands its user may.
SCRIPTS = ("evalsha", "eval", "script", "script|load")
OPERATOR_COMMANDS = (
    "+evalsha +script|load +scan +unlink +expire +persist +incrby "
    "+hget +hset +hdel +hkeys +sadd +srem +config|set +config|resetstat"
)
SCRIPT_REFUSED = "can't run this command or subcommand script"


def _not_permitted(exc: redis.RedisError, *, space: Keyspace, where: str) -> Problem:
    """NOPERM: which command the ACL user lacks, and how to grant it."""
    user = space.connection_kwargs.get("username") or "default"
    found = NOPERM_COMMAND.search(str(exc))
    if not found:
        return Problem(REFUSED, f"The Redis user {user} may not do this at {where}: {exc}.")
    command = found.group(1)
    if command in SCRIPTS:
        return Problem(
            REFUSED,
            f"The Redis user {user} may not run {command.upper()} at {where}: this change "
            "runs as a Lua script, and the script runs the commands of the change. Grant "
            f"the operator's commands with: ACL SETUSER {user} {OPERATOR_COMMANDS}.",
        )
    return Problem(
        REFUSED,
        f"The Redis user {user} may not run {command.upper()} at {where}, which this needs. "
        f"Grant it with: ACL SETUSER {user} +{command} (see the README for what a "
        "monitoring user needs).",
    )


def _script_refused(*, space: Keyspace, where: str) -> Problem:
    """A script the user may run, calling a command the user may not (Redis does not
    say which)."""
    user = space.connection_kwargs.get("username") or "default"
    return Problem(
        REFUSED,
        f"The Redis user {user} may run the dashboard's scripts at {where} but not every "
        "command this change runs in them (Redis does not say which). Grant the "
        f"operator's commands with: ACL SETUSER {user} {OPERATOR_COMMANDS}.",
    )


def _tls_trouble(exc: redis.ConnectionError, where: str) -> Problem | None:
    """A TLS handshake that failed on a certificate: the instance's files, not the
    network."""
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return Problem(
            MISCONFIGURED,
            f"Redis at {where} showed a TLS certificate that the instance's CA file does not "
            "vouch for (certificate verify failed): set ca_file to the CA that signed it.",
        )
    if "certificate required" in text or "CERTIFICATE_REQUIRED" in text:
        return Problem(
            MISCONFIGURED,
            f"Redis at {where} wants a client certificate: set cert_file and key_file.",
        )
    if "EOF occurred in violation of protocol" in text:  # TLS 1.3: refused after the handshake
        return Problem(
            MISCONFIGURED,
            f"Redis at {where} closed the TLS connection at once: it most likely wants a "
            "client certificate (set cert_file and key_file).",
        )
    if "WRONG_VERSION_NUMBER" in text or "record layer failure" in text:
        return Problem(
            MISCONFIGURED,
            f"Redis at {where} does not speak TLS on this port: use redis://, not rediss://.",
        )
    return None
