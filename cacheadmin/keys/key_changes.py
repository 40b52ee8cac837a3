"""An operator's changes to one key (delete, set or remove its TTL): refused where the
dashboard changes nothing, made on the master, and audited as they went."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.keycodec import display_key
from cacheadmin.gateways.own_data import mutation_refusal
from cacheadmin.gateways.problems import Problem
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.keys.one_key import remove_ttl, set_ttl, unlink_key
from cacheadmin.web.audit import audit_outcome, audit_unmade


@dataclass(frozen=True)
class KeyChange:
    action: str  # key.delete, key.set_ttl or key.remove_ttl
    key: bytes
    db: int | None  # None: the database the instance's URL names
    seconds: int | None = None  # key.set_ttl's TTL

    def audit_target(self) -> str:
        target = f"db {self.db if self.db is not None else 'default'}: {display_key(self.key)}"
        return target if self.seconds is None else f"{target} (TTL {self.seconds} s)"

    def run(self, space) -> bool:
        """The command; False when it changed nothing (the key gone, or had no TTL)."""
        client = space.client
        if self.action == "key.delete":
            return unlink_key(client, self.key)
        if self.action == "key.set_ttl":
            return set_ttl(client, self.key, self.seconds)
        return remove_ttl(client, self.key)


@dataclass(frozen=True)
class ChangeOutcome:
    changed: bool
    problem: Problem | None = None
    refused: bool = False  # refused before anything was sent to Redis


def change_refusal(*, instance: Instance, change: KeyChange) -> Problem | None:
    """Why the dashboard would not make this change, told before it is confirmed."""
    return mutation_refusal(instance=instance, key=change.key, db=change.db)


def change_key(*, user: AbstractBaseUser, instance: Instance, change: KeyChange) -> ChangeOutcome:
    """Make a confirmed change, and audit it: made, failed, or refused."""
    target = change.audit_target()
    refusal = change_refusal(instance=instance, change=change)
    if refusal:
        audit_unmade(
            user=user, instance=instance, action=change.action, target=target, problem=refusal
        )
        return ChangeOutcome(False, refusal, refused=True)
    changed, problem = call_redis(change.run, db=change.db, instance=instance, write=True)
    audit_outcome(
        user=user,
        instance=instance,
        action=change.action,
        target=target,
        problem=problem,
        count=int(changed or 0),
    )
    return ChangeOutcome(bool(changed), problem)
