"""What the task frameworks' JSON API promises, in OpenAPI terms."""

from cacheadmin.tasks.forms import CeleryTaskListForm, TaskForm, TaskListForm
from cacheadmin.web.openapi import SERVICE_FAILURES, answers, form_parameters, json_answer

STRING_OR_NULL = {"type": ["string", "null"]}
INTEGER_OR_NULL = {"type": ["integer", "null"]}

WORKER = {
    "type": "object",
    "required": ["framework", "name", "state", "queues", "current_job"],
    "properties": {
        "framework": {"type": "string", "enum": ["rq", "celery"]},
        "name": {"type": "string"},
        "state": {"type": "string", "description": "As the worker says: idle, busy, ..."},
        "broker": {
            "type": "string",
            "description": "Celery: Redis or RabbitMQ, where it answered.",
        },
        "active": {
            "type": "array",
            "items": {"type": "object"},
            "description": "Celery: its tasks running now.",
        },
        "reserved": {**INTEGER_OR_NULL, "description": "Celery: tasks it holds, not yet run."},
        "processed": {
            "type": "object",
            "description": "Celery: tasks run since it started, by name.",
        },
        "concurrency": INTEGER_OR_NULL,
        "uptime": {"type": ["number", "null"]},
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
        "queue": {
            **STRING_OR_NULL,
            "description": "Celery: known from task-sent events (task_send_sent_event).",
        },
        "enqueued_at": {**STRING_OR_NULL, "format": "date-time"},
        "started_at": {**STRING_OR_NULL, "format": "date-time"},
        "ended_at": {**STRING_OR_NULL, "format": "date-time"},
        "retries": {**INTEGER_OR_NULL, "description": "RQ: retries left. Celery: retries made."},
        "worker": STRING_OR_NULL,
        "error": {
            **STRING_OR_NULL,
            "description": "RQ: the exception's last line. Celery: the exception.",
        },
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


def _list_parameters() -> list:
    """TaskListForm's (RQ) and CeleryTaskListForm's parameters, as one list."""
    celery = {parameter["name"]: parameter for parameter in form_parameters(CeleryTaskListForm)}
    merged = []
    for parameter in form_parameters(TaskListForm):
        other = celery[parameter["name"]]
        if "enum" in parameter["schema"]:
            values = parameter["schema"]["enum"] + other["schema"]["enum"]
            parameter["schema"] = parameter["schema"] | {"enum": list(dict.fromkeys(values))}
        if parameter["name"] == "queue":
            parameter = parameter | {"required": False, "description": "Required for RQ."}
        merged.append(parameter)
    return merged


PATHS = {
    "/api/tasks/{job_id}": {
        "get": {
            "summary": "One RQ job, or (framework=celery) a Celery task: its result "
            "backend's record and its recorded events (`events`; `kept` and `recorded` say "
            "which know it)",
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
            "summary": "A page of one RQ queue's jobs in one state (failed: newest first); "
            "framework=celery: the Celery tasks recorded from their events, newest first",
            "operationId": "listTasks",
            "tags": ["tasks"],
            "parameters": _list_parameters(),
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
            "summary": "The task frameworks' workers on an instance: RQ's and Celery's",
            "operationId": "listWorkers",
            "tags": ["tasks"],
            "responses": answers(
                {
                    200: json_answer(
                        "RQ's workers, by name (one whose registration expired is left out), "
                        "then Celery's, those that answered a broadcast within "
                        "CELERY_INSPECT_TIMEOUT (only where Celery's remote control is bound); "
                        "a framework's problem while another answered is in problems.",
                        {
                            "type": "object",
                            "required": ["items"],
                            "properties": {
                                "items": {"type": "array", "items": WORKER},
                                "problems": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    )
                },
                *SERVICE_FAILURES,
            ),
        }
    },
}

ACTION = {
    "type": "object",
    "required": ["id", "action", "status", "estimate", "done"],
    "properties": {
        "id": {"type": "integer", "description": "The action's id (not a job's)."},
        "framework": {"type": "string", "enum": ["rq"]},
        "action": {"type": "string", "enum": ["requeue", "cancel", "delete"]},
        "queue": {**STRING_OR_NULL, "description": "A queue's failed jobs: the queue."},
        "job_id": {**STRING_OR_NULL, "description": "One job's action: the job."},
        "status": {"type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"]},
        "estimate": {"type": "integer", "description": "Jobs failed when it began (1: one job)."},
        "done": {"type": "integer", "description": "Jobs requeued, canceled or deleted."},
        "expired": {"type": "integer", "description": "Ids whose job data had expired."},
        "skipped": {"type": "integer", "description": "Jobs that failed again meanwhile."},
        "error": STRING_OR_NULL,
        "requester": {"type": "string"},
        "created": {"type": "string", "format": "date-time"},
        "started": {**STRING_OR_NULL, "format": "date-time"},
        "finished": {**STRING_OR_NULL, "format": "date-time"},
    },
}
ACTION_BODY = {
    "type": "object",
    "additionalProperties": False,
    "description": 'One job ({"id"}), or every failed job of a queue ({"queue", "state": '
    '"failed"}): previewed with dry_run; above the confirmation threshold (the '
    "invalidations' INVALIDATION_CONFIRM_THRESHOLD) confirm holds the queue's name or the "
    "count.",
    "properties": {
        "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
        "queue": {"type": "string"},
        "state": {"type": "string", "enum": ["failed"]},
        "confirm": {"type": "string"},
        "dry_run": {"type": "boolean"},
    },
    "examples": [{"id": "3f1c0d1e"}, {"queue": "default", "state": "failed", "dry_run": True}],
}
ACTION_PREVIEW = {
    "type": "object",
    "required": ["queue", "estimate", "threshold", "dry_run"],
    "properties": {
        "queue": {"type": "string"},
        "estimate": {"type": "integer", "description": "The queue's failed jobs now."},
        "threshold": {"type": "integer"},
        "dry_run": {"type": "boolean", "const": True},
    },
}
ACTION_ID = {"name": "action_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _change(action: str, summary: str) -> dict:
    one_only = action == "cancel"
    return {
        "post": {
            "summary": summary,
            "operationId": f"{action}Tasks",
            "tags": ["tasks"],
            "description": "Operators only; audited. A session also needs the CSRF token. "
            + (
                "One job at a time."
                if one_only
                else "One job is changed at once (200); a queue's failed jobs are a task "
                "action (201): up to 200 handled within the request, more queued for the "
                "worker, followed at /api/tasks/actions/{action_id}."
            ),
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ACTION_BODY}},
            },
            "responses": answers(
                {
                    200: json_answer(
                        "One job changed, or a dry run's preview.",
                        {"oneOf": [ACTION, ACTION_PREVIEW]},
                    ),
                    **({} if one_only else {201: json_answer("The task action, made.", ACTION)}),
                },
                400,
                404,
                *SERVICE_FAILURES,
            ),
        }
    }


PATHS |= {
    "/api/tasks/requeue": _change(
        "requeue", "Requeue a failed RQ job, or every failed job of a queue"
    ),
    "/api/tasks/delete": _change("delete", "Delete an RQ job, or every failed job of a queue"),
    "/api/tasks/cancel": _change(
        "cancel", "Cancel an RQ job that waits (queued, deferred, scheduled)"
    ),
    "/api/tasks/actions/{action_id}": {
        "get": {
            "summary": "A task action's progress",
            "operationId": "getTaskAction",
            "tags": ["tasks"],
            "parameters": [ACTION_ID],
            "responses": answers({200: json_answer("The action.", ACTION)}, 404),
        }
    },
    "/api/tasks/actions/{action_id}/cancel": {
        "post": {
            "summary": "Stop a task action on a queue's failed jobs",
            "operationId": "cancelTaskAction",
            "tags": ["tasks"],
            "description": "Operators only; audited. What it did by then stays done.",
            "parameters": [ACTION_ID],
            "responses": answers({200: json_answer("The action now.", ACTION)}, 404),
        }
    },
}

CELERY_ID_BODY = {
    "type": "object",
    "required": ["id"],
    "additionalProperties": False,
    "properties": {"id": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"}},
}


def _celery_change(action: str, summary: str, ok: dict) -> dict:
    return {
        "post": {
            "summary": summary,
            "operationId": f"{action}CeleryTask",
            "tags": ["tasks"],
            "description": "Operators only; audited. A session also needs the CSRF token. Sent "
            "through the broker where the instance's Celery workers listen (their remote "
            "control bound); on a Redis broker confirmed as every write is.",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": CELERY_ID_BODY}},
            },
            "responses": answers(ok, 400, 404, *SERVICE_FAILURES),
        }
    }


PATHS |= {
    "/api/tasks/retry": _celery_change(
        "retry",
        "Send a failed Celery task again: its name, arguments and queue from the result "
        "backend (result_extended), a new id whose parent is the old task",
        {
            201: json_answer(
                "Sent.",
                {
                    "type": "object",
                    "required": ["id", "new_id", "status"],
                    "properties": {
                        "id": {"type": "string"},
                        "new_id": {"type": "string"},
                        "status": {"type": "string", "const": "sent"},
                    },
                },
            )
        },
    ),
    "/api/tasks/revoke": _celery_change(
        "revoke",
        "Revoke a Celery task: every worker discards it when it comes to it",
        {
            200: json_answer(
                "Every worker was told.",
                {
                    "type": "object",
                    "required": ["id", "status"],
                    "properties": {
                        "id": {"type": "string"},
                        "status": {"type": "string", "const": "revoked"},
                    },
                },
            )
        },
    ),
}
