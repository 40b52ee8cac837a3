"""What the overview's JSON API promises, in OpenAPI terms."""

from cacheadmin.web.openapi import answers, json_answer, nullable

PROBLEM = {
    "type": "object",
    "required": ["kind", "message"],
    "properties": {"kind": {"type": "string"}, "message": {"type": "string"}},
}


def card(figures: dict) -> dict:
    """A service's card: its figures, or the problem that kept them away."""
    return {
        "type": "object",
        "required": ["ok", "figures", "problem"],
        "properties": {
            "ok": {"type": "boolean"},
            "figures": nullable(figures),
            "problem": nullable(PROBLEM),
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
            "description": "A service that fails is shown by its card's problem; the "
            "answer itself is still 200.",
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
