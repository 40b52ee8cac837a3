"""What the overview's JSON API promises, in OpenAPI terms."""

from cacheadmin.web.openapi import answers, json_answer, nullable

PROBLEM = {
    "type": "object",
    "required": ["kind", "message"],
    "properties": {"kind": {"type": "string"}, "message": {"type": "string"}},
}


TIME = {"type": "string", "format": "date-time"}


def card(figures: dict) -> dict:
    """A service's card: its last known figures, and the problem of its last ask."""
    return {
        "type": "object",
        "required": [
            "ok",
            "figures",
            "problem",
            "as_of",
            "stale",
            "failing_since",
            "not_answering_since",
        ],
        "properties": {
            "ok": {
                "type": "boolean",
                "description": "The service answered its last ask and the figures are "
                "fresh (not stale): they are its own now.",
            },
            "figures": nullable(figures),
            "problem": nullable(PROBLEM),
            "as_of": nullable(TIME) | {"description": "When the figures were read (null: never)."},
            "stale": {
                "type": "boolean",
                "description": "The figures are not the service's state now: its last ask "
                "failed, or they are older than OVERVIEW_REFRESH_SECONDS.",
            },
            "failing_since": nullable(TIME)
            | {"description": "When the first of the failed asks since its last answer began."},
            "not_answering_since": nullable(TIME)
            | {
                "description": "failing_since, when the last ask failed for silence (a "
                "timeout, no connection) rather than a refusal or an error."
            },
            "sentinel": {
                "type": "object",
                "description": "A Sentinel instance's master, replicas and sentinels, "
                "or the problem that kept them away.",
            },
        },
    }


INTEGER = {"type": "integer"}
NUMBER_OR_NULL = {"type": ["number", "null"]}

REDIS = {
    "type": "object",
    "required": ["version", "role", "memory", "total_keys", "hits", "misses", "hit_rate"],
    "properties": {
        "version": {"type": "string"},
        "mode": {"type": "string"},
        "role": {"type": "string"},
        "uptime_seconds": INTEGER,
        "memory": {
            "type": "object",
            "properties": {
                "used": INTEGER,
                "peak": INTEGER,
                "max": INTEGER,
                "policy": {"type": ["string", "null"]},
            },
        },
        "clients": INTEGER,
        "ops_per_sec": INTEGER,
        "expired_keys": INTEGER,
        "evicted_keys": INTEGER,
        "keyspace": {"type": "array", "items": {"type": "object"}},
        "total_keys": INTEGER,
        "hits": INTEGER,
        "misses": INTEGER,
        "hit_rate": NUMBER_OR_NULL,
        "replication": {
            "type": "object",
            "description": "role master: replicas with lag_bytes and lag_seconds; role "
            "replica: its master, link and offset.",
            "properties": {"role": {"type": "string", "enum": ["master", "replica"]}},
        },
    },
}

RABBIT = {
    "type": "object",
    "properties": {
        "version": {"type": ["string", "null"]},
        "cluster_name": {"type": ["string", "null"]},
        "node": {"type": ["string", "null"]},
        "vhost": {
            "type": ["string", "null"],
            "description": "The virtual host the figures are for, when the instance's "
            "user has neither the administrator nor the monitoring tag (its AMQP URL's); "
            "null: the whole broker.",
        },
        **{
            name: {"type": ["integer", "null"]}
            for name in (
                "messages_ready",
                "messages_unacknowledged",
                "messages",
                "queues",
                "consumers",
                "connections",
                "channels",
            )
        },
        "publish_rate": NUMBER_OR_NULL,
        "deliver_rate": NUMBER_OR_NULL,
        "ack_rate": NUMBER_OR_NULL,
        "alarms": {"type": "array", "items": {"type": "string"}},
        "nodes_refused": {"type": "string", "description": "Why the nodes are not shown."},
        "nodes": {
            "type": ["array", "null"],
            "description": "The cluster's nodes: used and limit pairs of memory, disk "
            "free, file descriptors, sockets and Erlang processes; alarms; partitions.",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "running": {"type": "boolean"},
                    "memory_alarm": {"type": "boolean"},
                    "disk_alarm": {"type": "boolean"},
                    "partitions": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}

PATHS = {
    "/api/overview": {
        "get": {
            "summary": "The headline figures of an instance's Redis and RabbitMQ",
            "operationId": "getOverview",
            "tags": ["overview"],
            "description": "Each card from the service's last known state: a fresh "
            "ask is waited for OVERVIEW_WAIT_SECONDS at most, and a service whose last "
            "ask took longer (one that hangs) not at all. A service that fails is shown "
            "by its card's problem beside its last figures; the answer is still 200.",
            "responses": answers(
                {
                    200: json_answer(
                        "The cards of the instance's Redis and RabbitMQ (those it has).",
                        {
                            "type": "object",
                            "properties": {"redis": card(REDIS), "rabbit": card(RABBIT)},
                        },
                    )
                }
            ),
        }
    }
}
