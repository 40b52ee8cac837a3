"""Full namespace scans kept in the database between the steps a browser asks for."""

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from cacheadmin.gateways import connections
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.keycodec import decode_key, encode_key
from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.keys.namespaces import Tally, scan_step
from cacheadmin.models import NamespaceScan

STEP_SECONDS = 0.3


KEEP_FOR = timedelta(days=1)


def scan_start(
    *, user: AbstractBaseUser, instance: Instance, db: int | None, prefix: bytes, delimiter: bytes
) -> NamespaceScan:
    """A new scan; the user's running ones stop (one at a time each), old ones go."""
    NamespaceScan.objects.filter(user=user, status=NamespaceScan.Status.RUNNING).update(
        status=NamespaceScan.Status.STOPPED
    )
    NamespaceScan.objects.filter(updated_at__lt=timezone.now() - KEEP_FOR).delete()
    return NamespaceScan.objects.create(
        user=user, instance=instance.name, db=db, prefix=prefix, delimiter=delimiter
    )


def scan_advance(scan: NamespaceScan) -> NamespaceScan:
    """One step of about STEP_SECONDS; the scan's row holds where it got to.

    The row is written only while it is still running, so a stop that lands
    during a step wins.
    """
    if scan.status != NamespaceScan.Status.RUNNING:
        return scan
    tally = tally_of(scan)
    tally, problem = call_redis(
        lambda space: scan_step(space, tally, max_seconds=STEP_SECONDS),
        db=scan.db,
        instance=connections.instance(scan.instance),
    )
    if problem:
        changes = {"status": NamespaceScan.Status.FAILED, "error": problem.message}
    else:
        changes = {
            "cursor": cluster_scan.as_text(tally.cursor),
            "examined": tally.examined,
            "keys": tally.keys,
            "groups": {encode_key(group): counts for group, counts in tally.groups.items()},
        }
        if tally.done:
            changes["status"] = NamespaceScan.Status.DONE
    running = NamespaceScan.objects.filter(id=scan.id, status=NamespaceScan.Status.RUNNING)
    running.update(**changes, updated_at=timezone.now())
    scan.refresh_from_db()
    return scan


def scan_stop(scan: NamespaceScan) -> NamespaceScan:
    if scan.status == NamespaceScan.Status.RUNNING:
        scan.status = NamespaceScan.Status.STOPPED
        scan.save(update_fields=["status", "updated_at"])
    return scan


def tally_of(scan: NamespaceScan) -> Tally:
    return Tally(
        prefix=bytes(scan.prefix),
        delimiter=bytes(scan.delimiter),
        cursor=cluster_scan.cursor_from_text(scan.cursor),
        examined=scan.examined,
        keys=scan.keys,
        groups={decode_key(group): list(counts) for group, counts in scan.groups.items()},
        done=scan.status == NamespaceScan.Status.DONE,
    )
