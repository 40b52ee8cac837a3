"""What the object-cache pages and API ask of Redis, each in one service call: the
models with their census, a model's page, a lookup by id or attribute value."""

from cacheadmin.cache import census, lookups, rates
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.problems import Problem
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.models import DeclaredModel

Outcome = tuple[object, Problem | None]


def declared_schemas(instance: Instance) -> list[dict]:
    """Models declared in the dashboard, for caches written without the library."""
    return [declared.schema() for declared in DeclaredModel.objects.filter(instance=instance.name)]


def models_summarise(*, instance: Instance, with_limits: bool = False) -> Outcome:
    """Every model with its census and hit rates; with the compact-encoding limits."""
    declared = declared_schemas(instance)

    def read(space):
        summaries = census.model_summaries(space, declared)
        return (summaries, census.compact_limits(space.client)) if with_limits else summaries

    return call_redis(read, instance=instance)


def model_describe(*, instance: Instance, name: str, cursor: object) -> Outcome:
    """A model's page: schema, census, rates, attributes and a page of its buckets;
    None when no model has that name."""
    declared = declared_schemas(instance)

    def read(space):
        client = space.client
        schema = census.model_schema(client, name, declared)
        if schema is None:
            return None
        rows, next_cursor = census.bucket_page(space, name, cursor=cursor, count=50)
        return {
            "schema": schema,
            "census": census.census(space, name),
            "rates": rates.model_rates(client, name),
            "limits": census.compact_limits(client),
            "attributes": [
                census.attribute_values(client, name, attribute) for attribute in schema["inverted"]
            ],
            "buckets": rows,
            "next_cursor": next_cursor,
        }

    described, problem = call_redis(read, instance=instance)
    if described:  # the sampler's history, from the database: not in the Redis call
        described["series"] = rates.rate_series(instance.name, name)
    return described, problem


def model_lookup(
    *, instance: Instance, name: str, object_id: str, attribute: str, value: str, cursor: int
) -> Outcome:
    """An object by id, or a page of the objects under attribute = value; None when no
    model has that name; bad_attribute when the model does not index the attribute."""
    declared = declared_schemas(instance)

    def read(space):
        client = space.client
        schema = census.model_schema(client, name, declared)
        if schema is None:
            return None
        result = {"schema": schema}
        if object_id:
            result["found"] = lookups.object_lookup(client, schema, object_id)
        elif attribute and value:
            if attribute not in schema["inverted"]:
                result["bad_attribute"] = True
            else:
                result["by_value"] = lookups.attribute_lookup(
                    client, schema, attribute, value, cursor=cursor, count=50
                )
        return result

    return call_redis(read, instance=instance)
