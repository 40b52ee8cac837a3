"""What the task frameworks' JSON API promises, in OpenAPI terms."""

from cacheadmin.web.openapi import SERVICE_FAILURES, answers, json_answer

STRING_OR_NULL = {"type": ["string", "null"]}
INTEGER_OR_NULL = {"type": ["integer", "null"]}

WORKER = {
    "type": "object",
    "required": ["framework", "name", "state", "queues", "current_job"],
    "properties": {
        "framework": {"type": "string", "enum": ["rq"]},
        "name": {"type": "string"},
        "state": {"type": "string", "description": "As the worker says: idle, busy, ..."},
        "queues": {"type": "array", "items": {"type": "string"}},
        "current_job": {**STRING_OR_NULL, "description": "The id of the job it works on."},
        "last_heartbeat": {**STRING_OR_NULL, "format": "date-time"},
        "successful": INTEGER_OR_NULL,
        "failed": INTEGER_OR_NULL,
        "birth": {**STRING_OR_NULL, "format": "date-time"},
        "hostname": STRING_OR_NULL,
        "pid": INTEGER_OR_NULL,
    },
}

PATHS = {
    "/api/workers": {
        "get": {
            "summary": "The task frameworks' workers on an instance (RQ's, as they registered)",
            "operationId": "listWorkers",
            "tags": ["tasks"],
            "responses": answers(
                {
                    200: json_answer(
                        "The workers, by name; one whose registration expired is left out.",
                        {
                            "type": "object",
                            "required": ["items"],
                            "properties": {"items": {"type": "array", "items": WORKER}},
                        },
                    )
                },
                *SERVICE_FAILURES,
            ),
        }
    }
}
