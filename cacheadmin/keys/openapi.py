"""What the key browser's JSON API promises, in OpenAPI terms."""

from cacheadmin.keys.forms import KeyBrowseForm, ValueQueryForm
from cacheadmin.keys.keyspace import TYPES
from cacheadmin.web.openapi import (
    DOWN,
    SERVICE_FAILURES,
    answers,
    form_parameters,
    json_answer,
)

KEY = {
    "type": "object",
    "required": ["key", "key_b64", "type", "ttl", "ttl_ms", "size", "memory", "encoding", "gone"],
    "properties": {
        "key": {"type": "string", "description": "The key, escaped for display (\\xNN)."},
        "key_b64": {"type": "string", "description": "The key's bytes, URL-safe base64."},
        "type": {
            "type": "string",
            "enum": [*TYPES, "none", "unknown"],
            "description": "none: gone since the scan; unknown: its node could not say "
            "(see unknown).",
        },
        "ttl": {"type": ["integer", "null"], "description": "Seconds; -1 no TTL, -2 gone."},
        "ttl_ms": {"type": ["integer", "null"]},
        "size": {"type": ["integer", "null"], "description": "Length, fields or members."},
        "memory": {"type": ["integer", "null"], "description": "MEMORY USAGE in bytes."},
        "encoding": {"type": "string"},
        "gone": {"type": "boolean"},
        "idle_seconds": {"type": "integer"},
        "lfu_frequency": {"type": "integer"},
        "node": {
            "type": "string",
            "description": "On a Redis Cluster: host:port of the primary holding the key.",
        },
        "unknown": {
            "type": "string",
            "description": "Why nothing is known of the key (type unknown): its primary "
            "did not answer, or refuses to read keys while the cluster is down.",
        },
    },
}

KEY_PAGE = {
    "type": "object",
    "required": ["cursor", "server", "done", "scanned", "dbsize", "keys"],
    "properties": {
        "cursor": {
            "type": ["integer", "string"],
            "description": "Pass back as cursor for the next page: a single server's SCAN "
            "cursor, or a Redis Cluster's opaque text (a cursor per primary).",
        },
        "server": {
            "type": "string",
            "description": "Pass back as server beside the cursor: the server(s) the cursor "
            "belongs to. A cursor of a server that has changed since (a failover, a restart) "
            "is answered 409, never with keys repeated or missed. Empty where INFO is refused.",
        },
        "done": {"type": "boolean", "description": "The scan went round the whole keyspace."},
        "scanned": {"type": "integer"},
        "dbsize": {"type": "integer"},
        "keys": {"type": "array", "items": KEY},
        "down": {
            "type": "array",
            "items": DOWN,
            "description": "On a Redis Cluster: the primaries that did not answer (their "
            "keys are not in this page; the next page asks them again). Empty otherwise.",
        },
    },
}

ENCODED_KEY = {
    "name": "encoded",
    "in": "path",
    "required": True,
    "description": "The key's bytes in URL-safe base64 without padding.",
    # Base64 never leaves one character over in its last group of four.
    "schema": {"type": "string", "pattern": "^([A-Za-z0-9_-]{4})*([A-Za-z0-9_-]{2,3})?$"},
    "example": "dXNlcjow",  # user:0
}

PATHS = {
    "/api/keys": {
        "get": {
            "summary": "A page of keys: SCAN with a pattern and a type, and their metadata",
            "operationId": "listKeys",
            "tags": ["keys"],
            "parameters": form_parameters(
                KeyBrowseForm, "match", "type", "db", "cursor", "server", "count"
            ),
            "responses": answers(
                {200: json_answer("A page.", KEY_PAGE)}, 400, 409, *SERVICE_FAILURES
            ),
        }
    },
    "/api/keys/{encoded}": {
        "get": {
            "summary": "One key's metadata",
            "operationId": "getKey",
            "tags": ["keys"],
            "parameters": [ENCODED_KEY, *form_parameters(ValueQueryForm, "db")],
            "responses": answers({200: json_answer("The key.", KEY)}, 400, *SERVICE_FAILURES),
        }
    },
}
