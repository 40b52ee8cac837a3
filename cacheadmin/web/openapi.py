"""The pieces of the OpenAPI 3.1 document every JSON API shares: the error shape, the
answers every endpoint may give, and parameters read off the Django forms the views
validate with, so the document cannot drift from what the views accept."""

from collections.abc import Callable

from django import forms
from django.core import validators
from django.http import HttpRequest, JsonResponse

from cacheadmin.gateways import problems
from cacheadmin.web.instance_paths import every_instance
from cacheadmin.web.json_api import STATUSES, json_methods

ERROR_KINDS = sorted({*STATUSES, *problems.STATUSES})

ERROR = {
    "type": "object",
    "description": "The one error shape of every /api/ answer that is not a success. "
    "Some errors add fields: `fields` (each bad parameter's messages), `preview`, `id`.",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "enum": ERROR_KINDS},
        "message": {"type": "string"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}

ERROR_MEANINGS = {
    400: "A parameter or the body is not valid, or Redis refused what was asked.",
    401: "No session and no API token, or a token that is wrong or revoked.",
    403: "The account has no role, or not the operator role this needs.",
    404: "Nothing of that name, id or path.",
    405: "Another method is needed.",
    409: "The Redis server behind a cursor changed (a failover, a restart): start again.",
    502: "The service answered with an error.",
    503: "The service cannot be reached, refuses the dashboard's credentials, or is misconfigured.",
    504: "The service did not answer in time.",
}
# A Redis Cluster's primary that a page could not ask (down, hung, or refusing to read).
DOWN = {
    "type": "object",
    "required": ["node", "slots", "reason"],
    "properties": {
        "node": {"type": "string", "description": "host:port of the primary."},
        "slots": {"type": "string", "description": 'Its slots, unserved: "5461-10922".'},
        "reason": {"type": "string"},
    },
}

# What any endpoint may answer: login, role, path, method.
ALWAYS = (401, 403, 404, 405)
SERVICE_FAILURES = (502, 503, 504)


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def json_answer(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def answers(ok: dict[int, dict], *errors: int) -> dict:
    """The answers of one operation: its successes, then errors in the one shape."""
    documented = {str(status): answer for status, answer in ok.items()}
    for status in sorted({*ALWAYS, *errors}):
        documented[str(status)] = json_answer(
            ERROR_MEANINGS[status], {"$ref": "#/components/schemas/Error"}
        )
    return documented


def form_schema(form_class: type[forms.Form]) -> dict:
    """A JSON object schema of a form's fields."""
    fields = form_class.base_fields
    schema = {
        "type": "object",
        "properties": {name: field_schema(field) for name, field in fields.items()},
    }
    required = [name for name, field in fields.items() if field.required]
    return schema | ({"required": required} if required else {})


def form_parameters(form_class: type[forms.Form], *names: str) -> list:
    """Query parameters from a form's fields: those named, or all of them."""
    return [
        {
            "name": name,
            "in": "query",
            "required": field.required,
            "schema": field_schema(field),
        }
        | _description(field)
        for name, field in form_class.base_fields.items()
        if name in (names or form_class.base_fields)
    ]


def field_schema(field: forms.Field) -> dict:
    if isinstance(field, forms.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, forms.IntegerField):
        return {"type": "integer"} | _bounds(field)
    if isinstance(field, forms.ChoiceField):
        return {"type": "string", "enum": [str(value) for value, _ in field.choices]}
    schema = {"type": "string"} | _lengths(field)
    if isinstance(field, forms.RegexField):
        schema["pattern"] = ecma_pattern(field.regex.pattern)
    return schema


def ecma_pattern(pattern: str) -> str:
    """Our regexes anchor with \\A and \\Z, which JSON Schema (ECMA 262) spells ^ and $."""
    return pattern.replace(r"\A", "^").replace(r"\Z", "$")


def _bounds(field: forms.Field) -> dict:
    bounds = {}
    for validator in field.validators:
        if isinstance(validator, validators.MinValueValidator):
            bounds["minimum"] = validator.limit_value
        elif isinstance(validator, validators.MaxValueValidator):
            bounds["maximum"] = validator.limit_value
    return bounds


def _lengths(field: forms.Field) -> dict:
    lengths = {}
    if getattr(field, "max_length", None):
        lengths["maxLength"] = field.max_length
    if field.required:
        lengths["minLength"] = 1
    return lengths


def _description(field: forms.Field) -> dict:
    text = str(field.help_text or field.label or "")
    return {"description": text} if text else {}


INSTANCE = {
    "name": "instance",
    "in": "query",
    "required": False,
    "description": "The instance (default: `default`); an instance you may not see is a "
    "404, a value that is not a name (empty too) a 400.",
    "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,62}$"},
}


def with_instance(paths: dict) -> dict:
    """Every operation takes ?instance=, and answers 400 to one that is not a name."""
    return {
        path: {method: _with_instance(operation) for method, operation in methods.items()}
        for path, methods in paths.items()
    }


def _with_instance(operation: dict) -> dict:
    responses = answers({}, 400) | operation["responses"]
    return operation | {
        "parameters": [*operation.get("parameters", []), INSTANCE],
        "responses": dict(sorted(responses.items())),
    }


DESCRIPTION = (
    "The dashboard's JSON API for scripts. Send a personal API token as "
    "`Authorization: Bearer <token>`. Every answer that is not a success has the shape "
    '`{"error": kind, "message": sentence}`. Keys travel as URL-safe base64.'
)


def document(*parts: dict) -> dict:
    """The whole document around the capabilities' paths (each part a PATHS of theirs)
    and this document's own."""
    paths = {path: methods for part in parts for path, methods in part.items()}
    own = answers({200: json_answer("OpenAPI 3.1.", {"type": "object"})})
    paths["/api/openapi.json"] = {
        "get": {
            "summary": "This document",
            "operationId": "getOpenApiDocument",
            "tags": ["api"],
            "responses": own,
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "cacheadmin", "version": "0.1.0", "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "security": [{"bearerToken": []}, {"sessionCookie": []}],
        "paths": with_instance(paths),
        "components": {
            "schemas": {"Error": ERROR},
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token, made on /accounts/tokens/.",
                },
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "sessionid",
                    "description": "A browser session; a POST also needs the CSRF token.",
                },
            },
        },
    }


def document_view(openapi: dict) -> Callable[[HttpRequest], JsonResponse]:
    """The view that serves a document, at /api/openapi.json."""

    @every_instance
    @json_methods("GET")
    def openapi_json(request: HttpRequest) -> JsonResponse:
        return JsonResponse(openapi)

    return openapi_json
