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
            "ten minutes' for SAMPLE_RETENTION_DAYS), or from the step asked alone (a "
            "`since` older than that step is kept is a 400).",
            "parameters": form_parameters(HistoryForm),
            "responses": answers({200: json_answer("The series.", HISTORY)}, 400),
        }
    }
}

EVENT = {
    "type": "object",
    "required": ["at", "state", "value"],
    "properties": {
        "at": {"type": "string", "format": "date-time"},
        "state": {"enum": ["ok", "pending", "firing"]},
        "value": {"type": ["number", "null"]},
    },
}
RULE = {
    "type": "object",
    "required": [
        "id", "name", "instance", "metric", "model", "queue", "vhost", "comparison",
        "threshold", "duration", "condition", "state", "state_since", "value",
        "evaluated_at", "silenced_until", "notifies", "events",
    ],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "instance": {"type": "string"},
        "metric": {"type": "string", "description": "What the rule watches."},
        "model": {"type": "string"},
        "queue": {"type": "string"},
        "vhost": {"type": "string"},
        "comparison": {"enum": [">", ">=", "<", "<="]},
        "threshold": {"type": "number"},
        "duration": {"type": "integer", "description": "Seconds the condition must hold."},
        "condition": {"type": "string", "description": "The rule, for people."},
        "state": {"enum": ["ok", "pending", "firing"]},
        "state_since": {"type": ["string", "null"], "format": "date-time"},
        "value": {"type": ["number", "null"], "description": "The last value; null: none."},
        "evaluated_at": {"type": ["string", "null"], "format": "date-time"},
        "silenced_until": {"type": ["string", "null"], "format": "date-time"},
        "notifies": {"type": "integer", "description": "How many URLs it tells."},
        "events": {"type": "array", "items": EVENT, "description": "Newest first."},
    },
}  # fmt: skip
ALERTS = {
    "type": "object",
    "required": ["rules"],
    "properties": {"rules": {"type": "array", "items": RULE}},
}

PATHS["/api/alerts"] = {
    "get": {
        "summary": "The alert rules and their states",
        "operationId": "getAlerts",
        "tags": ["monitoring"],
        "description": "The rules of the instance asked (?instance=), or of every instance "
        "the caller may see, firing first, then pending, then the others; each with its "
        "state, its last value and its last changes of state.",
        "parameters": [
            {
                "name": "instance",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "Only this instance's rules.",
            }
        ],
        "responses": answers({200: json_answer("The rules.", ALERTS)}, 400),
    }
}
