"""The OpenAPI 3.1 document of the JSON API, gathered from each capability's own
description of its endpoints, served at /api/openapi.json."""

from functools import cache

from django.http import HttpRequest, JsonResponse

from cacheadmin.cache import openapi as cache_api
from cacheadmin.core.json_api import json_methods
from cacheadmin.core.openapi import answers, document, json_answer
from cacheadmin.invalidation import openapi as invalidation_api
from cacheadmin.keys import openapi as keys_api
from cacheadmin.overview import openapi as overview_api
from cacheadmin.queues import openapi as queues_api

DESCRIPTION = (
    "The dashboard's JSON API for scripts. Send a personal API token as "
    "`Authorization: Bearer <token>`. Every answer that is not a success has the shape "
    '`{"error": kind, "message": sentence}`. Keys travel as URL-safe base64.'
)

SELF = {
    "/api/openapi.json": {
        "get": {
            "summary": "This document",
            "operationId": "getOpenApiDocument",
            "tags": ["api"],
            "responses": answers({200: json_answer("OpenAPI 3.1.", {"type": "object"})}),
        }
    }
}


@cache
def openapi_document() -> dict:
    paths = {}
    for part in (overview_api, keys_api, cache_api, invalidation_api, queues_api):
        paths |= part.PATHS
    return document(
        title="cacheadmin",
        version="0.1.0",
        description=DESCRIPTION,
        paths=paths | SELF,
    )


@json_methods("GET")
def openapi_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi_document())
