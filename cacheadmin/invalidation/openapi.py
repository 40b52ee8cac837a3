"""What the invalidation JSON API promises, in OpenAPI terms."""

from cacheadmin.invalidation.forms import InvalidationForm
from cacheadmin.models import InvalidationJob
from cacheadmin.web.openapi import (
    SERVICE_FAILURES,
    answers,
    form_schema,
    json_answer,
)

INTEGER_OR_NULL = {"type": ["integer", "null"]}
STRING_OR_NULL = {"type": ["string", "null"]}
TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
STATUS = {"type": "string", "enum": list(InvalidationJob.Status.values)}

PREVIEW = {
    "type": "object",
    "required": ["estimate", "estimated", "sample", "sample_b64", "threshold"],
    "properties": {
        "estimate": {"type": "integer", "description": "Keys the job would delete."},
        "estimated": {"type": "boolean", "description": "Estimated from a sample, not counted."},
        "sample": {"type": "array", "items": {"type": "string"}},
        "sample_b64": {"type": "array", "items": {"type": "string"}},
        "memory": INTEGER_OR_NULL,
        "objects": INTEGER_OR_NULL,
        "entries": {
            "type": "array",
            "items": {"type": "string"},
            "description": "An object's inverted keys, which go with it.",
        },
        "examined": {
            **INTEGER_OR_NULL,
            "description": "Keys a pattern's or model's preview looked at (SCAN's answers).",
        },
        "keyspace": {
            **INTEGER_OR_NULL,
            "description": "Keys on the servers such a preview scanned (DBSIZE, summed).",
        },
        "threshold": {
            "type": "integer",
            "description": "Above this many keys, a start needs confirm.",
        },
        "dry_run": {"type": "boolean"},
    },
}

JOB = {
    "type": "object",
    "required": ["id", "kind", "target", "status", "scanned", "deleted", "created"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string"},
        "target": {"type": "string", "description": "Escaped for display (\\xNN)."},
        "model": STRING_OR_NULL,
        "attribute": STRING_OR_NULL,
        "status": STATUS,
        "estimate": INTEGER_OR_NULL,
        "scanned": {"type": "integer"},
        "deleted": {"type": "integer"},
        "rate": INTEGER_OR_NULL,
        "error": STRING_OR_NULL,
        "failovers": {
            "type": "integer",
            "description": "How many times the master of a Sentinel instance, or a "
            "primary of a Redis Cluster, changed under the job (it carried on on the new one).",
        },
        "nodes": {
            "type": "array",
            "description": "On a Redis Cluster: each primary's node and what it deleted.",
            "items": {
                "type": "object",
                "required": ["node", "deleted"],
                "properties": {
                    "node": {"type": "string"},
                    "deleted": {"type": "integer"},
                    "slot": {"type": "integer", "description": "The primary's first slot."},
                },
            },
        },
        "requester": {"type": "string"},
        "created": {"type": "string", "format": "date-time"},
        "started": TIME_OR_NULL,
        "finished": TIME_OR_NULL,
    },
}

JOB_STATE = {
    "type": "object",
    "required": ["id", "status"],
    "properties": {
        "id": {"type": "integer"},
        "status": STATUS,
        "deleted": {"type": "integer", "description": "Keys deleted so far (a start's answer)."},
    },
}

JOB_ID = {
    "name": "job_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
    "example": 1,
}


def needs(kinds: list[str], *fields: str) -> dict:
    """What the form asks of some kinds of invalidation."""
    required = {field: {"minLength": 1} for field in fields}
    return {
        "if": {"properties": {"kind": {"enum": kinds}}},
        "then": {"required": list(fields), "properties": required},
    }


START = form_schema(InvalidationForm) | {
    "description": "target is typed text (\\xNN for a raw byte): the key, the pattern, the "
    "bucket number, the object id or the attribute value; model and attribute name the "
    "object-cache model. Above the threshold, confirm repeats the target or the estimate.",
    "allOf": [
        needs(["key", "pattern", "bucket", "object", "attribute"], "target"),
        needs(["bucket", "object", "attribute"], "model"),
        needs(["attribute"], "attribute"),
        {  # a model is named by model or, failing that, by target
            "if": {"properties": {"kind": {"const": "model"}}},
            "then": {
                "anyOf": [needs(["model"], "model")["then"], needs(["model"], "target")["then"]]
            },
        },
    ],
    "examples": [
        {"kind": "pattern", "target": "session:*", "dry_run": True},
        {"kind": "object", "model": "user", "target": "42"},
    ],
}
# The body's fields have one type each and no others (api.BODY_TYPES): rate may be null.
START["additionalProperties"] = False
START["properties"]["rate"] = START["properties"]["rate"] | {"type": ["integer", "null"]}

PATHS = {
    "/api/invalidations": {
        "post": {
            "summary": "Preview (dry_run) or start an invalidation",
            "operationId": "startInvalidation",
            "tags": ["invalidation"],
            "description": "Operators only. A session also needs the CSRF token.",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": START}},
            },
            "responses": answers(
                {
                    200: json_answer("The preview of a dry run; nothing was deleted.", PREVIEW),
                    201: json_answer("The job was made and queued.", JOB_STATE),
                },
                400,
                *SERVICE_FAILURES,
            ),
        }
    },
    "/api/invalidations/{job_id}": {
        "get": {
            "summary": "An invalidation job's progress",
            "operationId": "getInvalidation",
            "tags": ["invalidation"],
            "parameters": [JOB_ID],
            "responses": answers({200: json_answer("The job.", JOB)}),
        }
    },
    "/api/invalidations/{job_id}/cancel": {
        "post": {
            "summary": "Cancel an invalidation job",
            "operationId": "cancelInvalidation",
            "tags": ["invalidation"],
            "description": "Operators only. A job that has ended keeps its status.",
            "parameters": [JOB_ID],
            "responses": answers({200: json_answer("The job's status now.", JOB_STATE)}),
        }
    },
}
