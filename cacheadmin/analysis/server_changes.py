"""What an operator may change on one server from its diagnostics: empty its slow log,
or end one client's connection. Each is asked of the server the page showed, and
audited with what the server answered."""

import redis
from django.contrib.auth.models import AbstractBaseUser

from cacheadmin.analysis.diagnostics import on_node
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.problems import NOT_FOUND, Problem
from cacheadmin.gateways.service_calls import Outcome
from cacheadmin.web.audit import audit_outcome

CLIENT_GONE = "No such client on that server now (it had gone already): nothing was done."


def reset_slowlog(
    *, user: AbstractBaseUser, instance: Instance, node: str, seen_run_id: str
) -> Outcome:
    """SLOWLOG RESET on the server; how many entries it held."""

    def reset(client: redis.Redis) -> int:
        with client.pipeline(transaction=True) as pipe:  # the count is the one emptied
            pipe.execute_command("SLOWLOG", "LEN")
            pipe.execute_command("SLOWLOG", "RESET")
            held, _ = pipe.execute()
        return int(held)

    held, problem = on_node(instance=instance, node=node, seen_run_id=seen_run_id, change=reset)
    audit_outcome(
        user=user,
        instance=instance,
        action="diagnostics.slowlog_reset",
        target=f"the slow log of {_where(node)}",
        problem=problem,
        count=held,
    )
    return held, problem


def kill_client(
    *,
    user: AbstractBaseUser,
    instance: Instance,
    node: str,
    seen_run_id: str,
    client_id: int,
    addr: str,
) -> Outcome:
    """CLIENT KILL of the client with this id and address (both must match: an id alone
    could be another's after a restart) on the server."""

    def kill(client: redis.Redis) -> int:
        return int(client.execute_command("CLIENT", "KILL", "ID", client_id, "ADDR", addr))

    killed, problem = on_node(instance=instance, node=node, seen_run_id=seen_run_id, change=kill)
    if killed == 0 and not problem:
        problem = Problem(NOT_FOUND, CLIENT_GONE)
    audit_outcome(
        user=user,
        instance=instance,
        action="diagnostics.client_kill",
        target=f"client {client_id} ({addr}) of {_where(node)}",
        problem=problem,
        count=killed,
    )
    return killed, problem


def _where(node: str) -> str:
    return f"node {node}" if node else "the server"
