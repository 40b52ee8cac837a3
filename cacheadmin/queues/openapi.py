"""What the queues' JSON API promises, in OpenAPI terms."""

from cacheadmin.queues.forms import QueueListForm
from cacheadmin.web.openapi import (
    DOWN,
    SERVICE_FAILURES,
    answers,
    form_parameters,
    json_answer,
)

INTEGER_OR_NULL = {"type": ["integer", "null"]}
NUMBER_OR_NULL = {"type": ["number", "null"]}
STRING_OR_NULL = {"type": ["string", "null"]}

QUEUE = {
    "type": "object",
    "required": ["kind", "name", "messages_ready", "messages_unacknowledged", "messages"],
    "properties": {
        "kind": {"type": "string", "enum": ["rabbitmq", "redis"]},
        "vhost": STRING_OR_NULL,
        "name": {"type": "string", "description": "A Redis key's name is escaped (\\xNN)."},
        "type": STRING_OR_NULL,
        "state": STRING_OR_NULL,
        "framework": {
            "type": ["string", "null"],
            "enum": ["rq", "celery", None],
            "description": "The task framework that made the queue, known by its own "
            "registries (RQ's rq:queues, kombu's bindings) or names (RabbitMQ: celery, "
            "celeryev.*, *.pidbox); null for a queue of no framework known.",
        },
        "priorities": {
            "type": "object",
            "additionalProperties": {"type": "integer"},
            "description": "A Celery queue on Redis: its messages by priority (kombu's "
            "sub-queues), the priorities that hold some; messages_ready is their sum.",
        },
        "messages_ready": INTEGER_OR_NULL,
        "messages_unacknowledged": INTEGER_OR_NULL,
        "messages": INTEGER_OR_NULL,
        "consumers": INTEGER_OR_NULL,
        "publish_rate": NUMBER_OR_NULL,
        "deliver_rate": NUMBER_OR_NULL,
        "ack_rate": NUMBER_OR_NULL,
        "dead_letter": STRING_OR_NULL,
        "node": {"type": "string", "description": "A Redis Cluster's primary holding the key."},
    },
}

QUEUE_PAGE = {
    "type": "object",
    "required": ["items", "page", "page_size", "total"],
    "properties": {
        "items": {"type": "array", "items": QUEUE},
        "page": {"type": "integer"},
        "page_size": {"type": "integer"},
        "total": INTEGER_OR_NULL,
        "complete": {
            "type": "boolean",
            "description": "Redis only: whether the search for queues went through every "
            "key. It has a time budget (on a cluster, each primary its own, at once).",
        },
        "cut_short_on": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Redis only: where the search stopped at its budget, so more "
            'queues may exist there: a cluster\'s primaries (host:port), or "" for a server.',
        },
        "hidden": {
            "type": ["integer", "null"],
            "description": "With internal=0 only: how many of Celery's internal "
            "queues (celeryev.*, *.pidbox) matched the name and were left out.",
        },
        "down": {
            "type": "array",
            "items": DOWN,
            "description": "Redis only: a cluster's primaries that could not be searched "
            "(down, or refusing to read keys while the cluster is down), and why.",
        },
    },
}

PATHS = {
    "/api/queues": {
        "get": {
            "summary": "A page of RabbitMQ queues (kind=rabbitmq) or of Redis lists and "
            "streams used as queues (kind=redis)",
            "operationId": "listQueues",
            "tags": ["queues"],
            "parameters": form_parameters(QueueListForm),
            "responses": answers({200: json_answer("A page.", QUEUE_PAGE)}, 400, *SERVICE_FAILURES),
        }
    }
}
