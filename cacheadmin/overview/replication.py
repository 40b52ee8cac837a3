"""Replication, from INFO replication: a master's replicas with their lag in bytes and
seconds, or a replica's link to its master; and a Sentinel service as its sentinels
see it."""

import redis


def replication(info: dict) -> dict:
    """The replication figures of an INFO answer (any sections that hold them)."""
    if info.get("role") == "master":
        offset = info.get("master_repl_offset", 0)
        replicas = [
            {
                "address": f"{replica.get('ip')}:{replica.get('port')}",
                "state": replica.get("state"),
                "offset": replica.get("offset", 0),
                "lag_bytes": max(0, offset - replica.get("offset", 0)),
                "lag_seconds": replica.get("lag"),
            }
            for name, replica in sorted(info.items())
            if name.startswith("slave") and name[5:].isdigit() and isinstance(replica, dict)
        ]
        return {"role": "master", "offset": offset, "replicas": replicas}
    return {
        "role": "replica",
        "master": f"{info.get('master_host')}:{info.get('master_port')}",
        "link": info.get("master_link_status"),
        "last_io_seconds": info.get("master_last_io_seconds_ago"),
        "offset": info.get("slave_repl_offset", 0),
        "syncing": bool(info.get("master_sync_in_progress")),
    }


def sentinel_view(sentinel, service: str) -> dict:
    """The master, its replicas and the sentinels, from the first sentinel that answers.
    Raises the last sentinel's error when none does."""
    error: redis.RedisError | None = None
    for asked in sentinel.sentinels:
        try:
            return _view_of(asked, service)
        except redis.RedisError as exc:
            error = exc
    raise error or redis.ConnectionError("no sentinel is configured")


def _view_of(asked: redis.Redis, service: str) -> dict:
    master = asked.sentinel_master(service)
    replicas = asked.sentinel_slaves(service)
    others = asked.sentinel_sentinels(service)
    kwargs = asked.connection_pool.connection_kwargs
    return {
        "service": service,
        "master": {
            "address": f"{master['ip']}:{master['port']}",
            "flags": master["flags"],
            "failover_in_progress": "failover_in_progress" in master["flags"],
        },
        "quorum": master.get("quorum"),
        # the epoch grows by one with each failover the sentinels agreed on
        "config_epoch": master.get("config-epoch"),
        # since when this sentinel has seen the master in its role: after a failover,
        # when it took over (the sentinels keep no other date of it)
        "master_for_seconds": (master.get("role-reported-time") or 0) // 1000,
        "replicas": [
            {
                "address": f"{replica['ip']}:{replica['port']}",
                "flags": replica["flags"],
                "link": replica.get("master-link-status"),
                "offset": replica.get("slave-repl-offset"),
            }
            for replica in replicas
        ],
        "sentinels": [
            {"address": f"{kwargs.get('host')}:{kwargs.get('port')}", "flags": "sentinel (asked)"},
            *(
                {"address": f"{other['ip']}:{other['port']}", "flags": other["flags"]}
                for other in others
            ),
        ],
    }
