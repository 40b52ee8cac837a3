"""What the task frameworks' JSON API promises, in OpenAPI terms."""

from cacheadmin.tasks.forms import TaskForm, TaskListForm
from cacheadmin.web.openapi import SERVICE_FAILURES, answers, form_parameters, json_answer

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

TASK = {
    "type": "object",
    "required": ["id", "name", "state", "queue"],
    "properties": {
        "id": {"type": "string"},
        "name": {**STRING_OR_NULL, "description": "The function, as RQ wrote it."},
        "state": {"type": "string"},
        "queue": {"type": "string"},
        "enqueued_at": {**STRING_OR_NULL, "format": "date-time"},
        "started_at": {**STRING_OR_NULL, "format": "date-time"},
        "ended_at": {**STRING_OR_NULL, "format": "date-time"},
        "retries": {**INTEGER_OR_NULL, "description": "Retries left."},
        "worker": STRING_OR_NULL,
        "error": {**STRING_OR_NULL, "description": "The exception's last line."},
        "call": {**STRING_OR_NULL, "description": "The call as RQ described it, shortened."},
    },
}

JOB = {
    "type": "object",
    "required": [*TASK["required"], "arguments", "results"],
    "properties": TASK["properties"]
    | {
        "arguments": {
            "type": "object",
            "description": "The call's arguments, when they are plain values (the dashboard "
            "unpickles nothing else): readable, and text or why not.",
        },
        "created_at": {**STRING_OR_NULL, "format": "date-time"},
        "results": {"type": "array", "items": {"type": "object"}},
        "depends_on": {"type": "array", "items": {"type": "string"}},
    },
}

PATHS = {
    "/api/tasks/{job_id}": {
        "get": {
            "summary": "One RQ job: its call, arguments, times, worker, retries and results",
            "operationId": "getTask",
            "tags": ["tasks"],
            "parameters": [
                {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}},
                *form_parameters(TaskForm, "framework"),
            ],
            "responses": answers({200: json_answer("The job.", JOB)}, 400, 404, *SERVICE_FAILURES),
        }
    },
    "/api/tasks": {
        "get": {
            "summary": "A page of one RQ queue's jobs in one state (failed: newest first)",
            "operationId": "listTasks",
            "tags": ["tasks"],
            "parameters": form_parameters(TaskListForm),
            "responses": answers(
                {
                    200: json_answer(
                        "The jobs of the page. Arguments and results are never unpickled.",
                        {
                            "type": "object",
                            "required": ["items", "page", "pages"],
                            "properties": {
                                "items": {"type": "array", "items": TASK},
                                "page": {"type": "integer"},
                                "pages": {"type": "integer"},
                                "total": {"type": "integer"},
                            },
                        },
                    )
                },
                400,
                *SERVICE_FAILURES,
            ),
        }
    },
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
    },
}
