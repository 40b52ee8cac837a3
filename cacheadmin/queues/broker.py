"""RabbitMQ queues through the management API: a page at a time, only the columns shown."""

import base64
import re
from urllib.parse import quote

from cacheadmin.formats import celery_messages
from cacheadmin.gateways.rabbit_management import ManagementClient, ManagementError
from cacheadmin.queues import frameworks
from cacheadmin.queues.history import HISTORY_PARAMS, depth_series, rate_series

COLUMNS = (
    "name",
    "vhost",
    "type",
    "state",
    "messages",
    "messages_ready",
    "messages_unacknowledged",
    "consumers",
    "arguments",
    "message_stats.publish_details.rate",
    "message_stats.deliver_get_details.rate",
    "message_stats.ack_details.rate",
)
SORTS = {
    "name": "name",
    "messages": "messages",
    "ready": "messages_ready",
    "unacked": "messages_unacknowledged",
    "consumers": "consumers",
}


def queue_page(
    client: ManagementClient,
    *,
    vhost: str | None,
    name: str,
    page: int,
    page_size: int,
    sort: str,
    descending: bool,
    hide_internal: bool = False,
) -> dict:
    """One page of queues, filtered by a plain substring of the name (never a user's
    regular expression: the broker's regex filter has had a ReDoS advisory). Without a
    vhost, the instance's scope: its virtual host, or all (ManagementClient.scope).
    hide_internal leaves Celery's internal queues out, the broker paging the others,
    and counts them (hidden): one more call."""
    vhost = vhost or client.scope()
    path = f"api/queues/{quote(vhost, safe='')}" if vhost else "api/queues"
    order = {"sort": SORTS[sort], "sort_reverse": "true" if descending else "false"}
    found = _fetch_page(
        client,
        path,
        {"columns": ",".join(COLUMNS), **order, **_name_filter(name, hide_internal)},
        page=page,
        page_size=page_size,
        row=queue_row,
    )
    if hide_internal:
        internal = _name_filter(name, hide_internal, internal=True)
        counted = client.get_object(path, internal | {"columns": "name", **ONE_ROW})
        found["hidden"] = counted.get("filtered_count", 0)
    return found | {"scope": client.scope()}


ONE_ROW = {"page": 1, "page_size": 1, "pagination": "true"}
# Celery's own queues, as frameworks.broker_framework knows them: case-sensitive, while
# the broker matches caseless; (?s): a name may hold a newline.
CELERY_INTERNAL = rf"{re.escape(frameworks.CELERY_EVENTS)}|.*{re.escape(frameworks.PIDBOX)}$"


def _name_filter(name: str, hide_internal: bool, *, internal: bool = False) -> dict:
    """The broker's name filter: a plain substring; or, to tell Celery's internal queues
    from the others, an expression of ours with the substring escaped in it (a user's
    text never reaches the broker as an expression)."""
    if not hide_internal:
        return {"name": name, "use_regex": "false"}
    which = f"(?:{CELERY_INTERNAL})" if internal else f"(?!{CELERY_INTERNAL})"
    return {"name": f"(?s)^(?=.*{re.escape(name)})(?-i:{which})", "use_regex": "true"}


def _fetch_page(
    client: ManagementClient, path: str, params: dict, *, page: int, page_size: int, row
) -> dict:
    """A page the broker cuts itself (plain-substring name, never a regex); a page past
    the last is empty."""
    params = {"use_regex": "false"} | params | {"page": page, "pagination": "true"}
    params["page_size"] = page_size
    try:
        data = client.get_object(path, params)
    except ManagementError as exc:
        if exc.status == 400 and page > 1:  # past the last page
            return {
                "items": [],
                "page": page,
                "page_size": page_size,
                "total": None,
                "page_count": None,
            }
        raise
    return {
        "items": [row(item) for item in data.get("items", [])],
        "page": data.get("page", page),
        "page_size": data.get("page_size", page_size),
        "total": data.get("filtered_count", 0),
        "page_count": data.get("page_count", 0),
    }


def queue_row(item: dict) -> dict:
    stats = item.get("message_stats") or {}
    arguments = item.get("arguments") or {}
    return {
        "kind": "rabbitmq",
        "vhost": item.get("vhost"),
        "name": item.get("name"),
        "type": item.get("type"),
        "state": item.get("state"),
        "framework": frameworks.broker_framework(item.get("name") or ""),
        "messages_ready": item.get("messages_ready"),
        "messages_unacknowledged": item.get("messages_unacknowledged"),
        "messages": item.get("messages"),
        "consumers": item.get("consumers"),
        "publish_rate": _rate(stats, "publish"),
        "deliver_rate": _rate(stats, "deliver_get"),
        "ack_rate": _rate(stats, "ack"),
        "dead_letter": arguments.get("x-dead-letter-exchange"),
    }


def _rate(stats: dict, name: str) -> float | None:
    details = stats.get(f"{name}_details")
    return details.get("rate") if isinstance(details, dict) else None


def _pairs(mapping) -> list[tuple[str, object]]:
    """A broker's dict as (name, value) pairs: a template looping over dict.items would
    take a header or argument named "items" for the method."""
    return sorted(mapping.items()) if isinstance(mapping, dict) else []


def _queue_path(vhost: str, name: str) -> str:
    return f"api/queues/{quote(vhost, safe='')}/{quote(name, safe='')}"


def queue_detail(client: ManagementClient, *, vhost: str, name: str, history: bool = True) -> dict:
    """A queue's figures, arguments, policy, consumers and bindings, with the broker's
    samples of its depth and rates over the last minutes unless history is False."""
    data = client.get_object(_queue_path(vhost, name), HISTORY_PARAMS if history else None)
    bindings = client.get(_queue_path(vhost, name) + "/bindings") or []
    return {
        **queue_row(data),
        "arguments": _pairs(data.get("arguments")),
        "policy": data.get("policy"),
        "durable": data.get("durable"),
        "depth_history": depth_series(data),
        "rate_history": rate_series(data),
        "consumers_list": [
            {
                "tag": consumer.get("consumer_tag"),
                "prefetch": consumer.get("prefetch_count"),
                "ack_required": consumer.get("ack_required"),
                "channel": (consumer.get("channel_details") or {}).get("name"),
            }
            for consumer in data.get("consumer_details") or []
        ],
        "bindings": [
            {
                "source": binding.get("source") or "(default)",
                "routing_key": binding.get("routing_key"),
            }
            for binding in bindings
        ],
    }


def peek(
    client: ManagementClient, *, vhost: str, name: str, count: int, truncate: int
) -> list[dict]:
    """The first count messages, put back at once (the API's requeueing get): each is
    marked redelivered, and on a quorum queue each peek counts toward its delivery limit.
    A Celery task message is decoded too (celery: its task when is_task)."""
    body = {"count": count, "ackmode": "ack_requeue_true", "encoding": "auto", "truncate": truncate}
    messages = client.request("POST", _queue_path(vhost, name) + "/get", body=body) or []
    return [
        {
            "raw": (raw := _payload_bytes(message)),
            "encoding": message.get("payload_encoding"),
            "bytes": message.get("payload_bytes"),
            "truncated": (truncated := (message.get("payload_bytes") or 0) > len(raw)),
            "celery": celery_messages.from_amqp(
                raw,
                message.get("properties"),
                complete=not truncated,
                redelivered=message.get("redelivered") is True,
            ),
            "redelivered": message.get("redelivered"),
            "routing_key": message.get("routing_key"),
            "exchange": message.get("exchange") or "(default)",
            "headers": _pairs((message.get("properties") or {}).get("headers")),
            "properties": {
                key: value
                for key, value in (message.get("properties") or {}).items()
                if key != "headers"
            },
        }
        for message in messages
    ]


def _payload_bytes(message: dict) -> bytes:
    """The payload as the broker holds it: base64 when it is not UTF-8 ("auto")."""
    payload = message.get("payload") or ""
    if message.get("payload_encoding") == "base64":
        try:
            return base64.b64decode(payload)
        except ValueError:
            return payload.encode()
    return payload.encode()


def purge(client: ManagementClient, *, vhost: str, name: str) -> None:
    client.request("DELETE", _queue_path(vhost, name) + "/contents")


def exchange_page(
    client: ManagementClient, *, vhost: str | None, name: str, page: int, page_size: int
) -> dict:
    """A page of exchanges (plain-substring name filter), with publish rates; without a
    vhost, those of the instance's scope (ManagementClient.scope)."""
    vhost = vhost or client.scope()
    path = f"api/exchanges/{quote(vhost, safe='')}" if vhost else "api/exchanges"
    columns = "name,vhost,type,durable,auto_delete,internal,message_stats.publish_in_details.rate"
    params = {"name": name, "columns": columns, "sort": "name"}
    found = _fetch_page(client, path, params, page=page, page_size=page_size, row=exchange_row)
    return found | {"scope": client.scope()}


def exchange_row(item: dict) -> dict:
    return {
        "vhost": item.get("vhost"),
        "name": item.get("name") or "(default)",
        "type": item.get("type"),
        "durable": item.get("durable"),
        "internal": item.get("internal"),
        "publish_rate": _rate(item.get("message_stats") or {}, "publish_in"),
    }


def exchange_bindings(client: ManagementClient, *, vhost: str, name: str) -> list[dict]:
    """Where an exchange routes: destination, its kind, and the binding key."""
    named = name or "amq.default"  # the API's name for the default exchange
    exchange = f"api/exchanges/{quote(vhost, safe='')}/{quote(named, safe='')}"
    client.get_object(exchange)  # the bindings of an exchange that is not there are [], not 404
    path = f"{exchange}/bindings/source"
    return [
        {
            "destination": binding.get("destination"),
            "destination_type": binding.get("destination_type"),
            "routing_key": binding.get("routing_key"),
            "arguments": _pairs(binding.get("arguments")),
        }
        for binding in client.get(path) or []
    ]
