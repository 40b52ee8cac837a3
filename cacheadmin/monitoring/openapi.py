"""What the monitoring JSON API promises, in OpenAPI terms."""

from cacheadmin.monitoring.forms import HistoryForm
from cacheadmin.web.openapi import answers, form_parameters, json_answer

POINT = {
    "type": "array",
    "description": "[unix seconds, value]; a null value is a gap (no sampler ran).",
    "items": {"type": ["number", "null"]},
    "minItems": 2,
    "maxItems": 2,
}
HISTORY = {
    "type": "object",
    "required": ["instance", "metric", "meaning", "since", "series", "more"],
    "properties": {
        "instance": {"type": "string"},
        "metric": {"type": "string"},
        "meaning": {"type": "string"},
        "since": {"type": "integer"},
        "series": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["labels", "points"],
                "properties": {
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "points": {"type": "array", "items": POINT},
                },
            },
        },
        "more": {"type": "boolean", "description": "More series matched than were given."},
    },
}

PATHS = {
    "/api/history": {
        "get": {
            "summary": "A figure's history on an instance, as the sampler recorded it",
            "operationId": "getHistory",
            "tags": ["monitoring"],
            "description": "Every series of the figure (of the model, queue or vhost "
            "asked) with its points since `since`, from the finest tier that holds the "
            "span (the sampler's own step for an hour, a minute's roll-ups for a day, "
            "ten minutes' for SAMPLE_RETENTION_DAYS), or the step asked.",
            "parameters": form_parameters(HistoryForm),
            "responses": answers({200: json_answer("The series.", HISTORY)}, 400),
        }
    }
}
