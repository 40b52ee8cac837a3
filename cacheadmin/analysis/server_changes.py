"""What an operator may change on one server from its diagnostics: empty its slow log,
or end one client's connection. Each is asked of the server the page showed, and
audited with what the server answered."""

from collections.abc import Callable
from functools import partial

import redis
from django.contrib.auth.models import AbstractBaseUser

from cacheadmin.analysis.diagnostics import on_node
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.problems import NOT_FOUND, Problem, Refusal
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

    target = f"the slow log of {_where(node)}"
    change = partial(on_node, instance=instance, node=node, seen_run_id=seen_run_id, change=reset)
    return _audited(change, user=user, instance=instance, action="slowlog_reset", target=target)


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
        killed = int(client.execute_command("CLIENT", "KILL", "ID", client_id, "ADDR", addr))
        if not killed:
            raise Refusal(Problem(NOT_FOUND, CLIENT_GONE))
        return killed

    target = f"client {client_id} ({addr}) of {_where(node)}"
    change = partial(on_node, instance=instance, node=node, seen_run_id=seen_run_id, change=kill)
    return _audited(change, user=user, instance=instance, action="client_kill", target=target)


def _audited(
    change: Callable[[], Outcome],
    *,
    user: AbstractBaseUser,
    instance: Instance,
    action: str,
    target: str,
) -> Outcome:
    """The change made, and audited with the count the server answered or its problem."""
    count, problem = change()
    audit_outcome(
        user=user,
        instance=instance,
        action=f"diagnostics.{action}",
        target=target,
        problem=problem,
        count=count,
    )
    return count, problem


def _where(node: str) -> str:
    return f"node {node}" if node else "the server"
