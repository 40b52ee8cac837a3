"""What the server diagnostics' JSON API promises, in OpenAPI terms."""

from cacheadmin.analysis.forms import AnalysisForm
from cacheadmin.web.openapi import SERVICE_FAILURES, answers, json_answer

NODE = {
    "type": "string",
    "description": "The server it comes from: host:port of a cluster's node, '' otherwise.",
}
PROBLEMS = {
    "type": "array",
    "description": "The servers that could not be asked, with why; the others' items stand.",
    "items": {
        "type": "object",
        "properties": {"node": {"type": "string"}, "error": {"type": "string"}},
    },
}
SLOW_ENTRY = {
    "type": "object",
    "required": ["id", "at", "micros", "command", "args", "node"],
    "properties": {
        "id": {"type": "integer"},
        "at": {"type": "string", "format": "date-time"},
        "micros": {"type": "integer", "description": "How long it ran, in microseconds."},
        "command": {"type": "string"},
        "args": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Escaped as keys are, each cut to 120 characters; 12 at most.",
        },
        "more_args": {"type": "integer"},
        "client": {"type": "string"},
        "client_name": {"type": "string"},
        "node": NODE,
    },
}
CLIENT = {
    "type": "object",
    "required": ["id", "addr", "name", "age", "idle", "cmd", "own", "node"],
    "properties": {
        "id": {"type": "integer"},
        "addr": {"type": "string"},
        "name": {"type": "string"},
        "age": {"type": "integer", "description": "Seconds connected."},
        "idle": {"type": "integer", "description": "Seconds since its last command."},
        "db": {"type": "integer"},
        "cmd": {"type": "string", "description": "Its last command."},
        "flags": {"type": "string"},
        "user": {"type": "string"},
        "memory": {"type": "integer", "description": "Bytes it uses (tot-mem)."},
        "output_buffer": {"type": "integer", "description": "Bytes waiting to be sent (omem)."},
        "own": {"type": "boolean", "description": "One of this dashboard's connections."},
        "this": {"type": "boolean", "description": "The connection that asked."},
        "node": NODE,
    },
}
COMMAND = {
    "type": "object",
    "required": ["command", "calls", "usec", "usec_per_call", "node"],
    "properties": {
        "command": {"type": "string"},
        "calls": {"type": "integer"},
        "usec": {"type": "integer"},
        "usec_per_call": {"type": "number"},
        "rejected_calls": {"type": "integer"},
        "failed_calls": {"type": "integer"},
        "node": NODE,
    },
}


def _listing(summary: str, operation: str, item: dict, what: str) -> dict:
    schema = {
        "type": "object",
        "required": ["items", "problems"],
        "properties": {"items": {"type": "array", "items": item}, "problems": PROBLEMS},
    }
    return {
        "get": {
            "summary": summary,
            "operationId": operation,
            "tags": ["diagnostics"],
            "responses": answers({200: json_answer(what, schema)}, *SERVICE_FAILURES),
        }
    }


PATHS = {
    "/api/slowlog": _listing(
        "The slow log of every server of an instance (every node of a cluster)",
        "listSlowlog",
        SLOW_ENTRY,
        "Each server's newest 128 slow commands, newest first, each naming its node.",
    ),
    "/api/clients": _listing(
        "The clients connected to every server of an instance",
        "listClients",
        CLIENT,
        "CLIENT LIST of each server, the dashboard's own connections marked.",
    ),
    "/api/commandstats": _listing(
        "Each command's calls and time on every server of an instance",
        "listCommandstats",
        COMMAND,
        "INFO commandstats of each server, the costliest first.",
    ),
}


NAMESPACE = {
    "type": "object",
    "properties": {
        "prefix": {"type": "string", "description": "Escaped as keys are."},
        "prefix_b64": {"type": "string"},
        "keys": {"type": "integer"},
        "memory": {"type": "integer"},
        "share": {"type": "number", "description": "Of all the memory analysed, 0 to 1."},
        "types": {"type": "object", "additionalProperties": {"type": "integer"}},
        "no_ttl": {"type": "integer"},
        "nodes": {
            "type": "object",
            "additionalProperties": {"type": "integer"},
            "description": "On a cluster: its keys on each primary (host:port); empty otherwise.",
        },
        "ttl_spread": {
            "type": ["object", "null"],
            "description": "The shortest and longest TTL of its keys that have one, seconds.",
            "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}},
        },
        "avalanche": {
            "type": ["object", "null"],
            "description": "Its busiest minute when more than a fifth of its keys expire then.",
        },
    },
}
RANKED = {
    "type": "object",
    "properties": {
        "key": {"type": "string"},
        "key_b64": {"type": "string"},
        "type": {"type": "string"},
        "memory": {"type": "integer"},
        "length": {"type": "integer"},
        "freq": {"type": "integer", "description": "OBJECT FREQ (heat under LFU)."},
        "idle": {"type": "integer", "description": "OBJECT IDLETIME, seconds (under LRU)."},
    },
}
ANALYSIS = {
    "type": "object",
    "required": ["id", "status", "scanned", "total", "namespaces", "top_memory"],
    "properties": {
        "id": {"type": "integer"},
        "instance": {"type": "string"},
        "status": {"type": "string", "enum": ["queued", "running", "done", "failed", "stopped"]},
        "scanned": {"type": "integer", "description": "Keys analysed so far."},
        "total": {"type": "integer", "description": "Keys in the keyspace when it began."},
        "examined": {"type": "integer"},
        "namespaces": {"type": "array", "items": NAMESPACE},
        "top_memory": {"type": "array", "items": RANKED},
        "top_length": {"type": "array", "items": RANKED},
        "ttl_histogram": {"type": "array", "items": {"type": "object"}},
        "expiry_forecast": {
            "type": "array",
            "description": "Keys and memory expiring in each minute of the next 24 hours "
            "(from the analysis' start); minutes with none are left out.",
            "items": {
                "type": "object",
                "properties": {
                    "minute": {"type": "integer"},
                    "keys": {"type": "integer"},
                    "memory": {"type": "integer"},
                },
            },
        },
        "left_compact": {
            "type": "array",
            "description": "Collections past their compact encoding, per type, with the "
            "settings they passed and their values when the analysis began.",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "keys": {"type": "integer"},
                    "limits": {"type": "object"},
                },
            },
        },
        "uncounted": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Types whose encoding does not tell a small one on this server "
            "(lists and sets before Redis 7.2): not in left_compact.",
        },
        "eviction_policy": {"type": ["string", "null"]},
        "heat": {
            "type": ["object", "null"],
            "description": "Under an LFU policy the hottest keys of a sample (figure "
            '"freq"), under an LRU one the idlest ("idle"); null under other policies.',
            "properties": {
                "figure": {"type": "string", "enum": ["freq", "idle"]},
                "sampled": {"type": "integer"},
                "keys": {"type": "array", "items": RANKED},
            },
        },
        "error": {"type": ["string", "null"]},
    },
}
ANALYSIS_REQUEST = {
    "type": "object",
    "properties": {
        **{name: {"type": "string"} for name in ("prefix", "delimiter", "instance")},
        **{name: {"type": "integer"} for name in ("db", "depth")},
    },
    "description": AnalysisForm.__doc__,
}

PATHS |= {
    "/api/analyses": {
        "post": {
            "summary": "Start a keyspace analysis of an instance (run by the worker)",
            "operationId": "startAnalysis",
            "tags": ["analysis"],
            "requestBody": {"content": {"application/json": {"schema": ANALYSIS_REQUEST}}},
            "responses": answers(
                {
                    201: json_answer(
                        "Queued for the worker.",
                        {"type": "object", "properties": {"id": {}, "status": {}}},
                    )
                },
                400,
                404,
                *SERVICE_FAILURES,
            ),
        }
    },
    "/api/analyses/{id}": {
        "get": {
            "summary": "A keyspace analysis as far as it got, its report summed up",
            "operationId": "getAnalysis",
            "tags": ["analysis"],
            "parameters": [
                {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                }
            ],
            "responses": answers({200: json_answer("The analysis.", ANALYSIS)}, 404),
        }
    },
}
