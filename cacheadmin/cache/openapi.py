"""What the object cache's JSON API promises, in OpenAPI terms."""

from cacheadmin.web.openapi import SERVICE_FAILURES, answers, json_answer

NUMBER_OR_NULL = {"type": ["number", "null"]}
INTEGER_OR_NULL = {"type": ["integer", "null"]}

MODEL = {
    "type": "object",
    "required": ["name", "buckets", "objects", "memory", "ttl", "hit_rate", "inverted"],
    "properties": {
        "name": {"type": "string"},
        "buckets": INTEGER_OR_NULL,
        "objects": INTEGER_OR_NULL,
        "memory": INTEGER_OR_NULL,
        "ttl": {
            "type": "object",
            "properties": {"min": INTEGER_OR_NULL, "max": INTEGER_OR_NULL},
        },
        "hit_rate": {
            "type": "object",
            "description": "Hits over lookups, 0 to 1, over the last minute, 15 minutes, hour.",
            "properties": {"1m": NUMBER_OR_NULL, "15m": NUMBER_OR_NULL, "1h": NUMBER_OR_NULL},
        },
        "inverted": {"type": "array", "items": {"type": "string"}},
        "bucket_rule": {"description": "The bucket rule as the model declares it."},
        "version": {"description": "The schema version as the model declares it."},
        "sampled": {"type": "boolean", "description": "The census counted a sample."},
    },
}

PATHS = {
    "/api/cache/models": {
        "get": {
            "summary": "Every object-cache model declared in Redis, with its figures",
            "operationId": "listCacheModels",
            "tags": ["object cache"],
            "responses": answers(
                {
                    200: json_answer(
                        "The models.",
                        {
                            "type": "object",
                            "required": ["models"],
                            "properties": {"models": {"type": "array", "items": MODEL}},
                        },
                    )
                },
                *SERVICE_FAILURES,
            ),
        }
    }
}
