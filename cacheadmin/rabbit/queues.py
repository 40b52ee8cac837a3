"""RabbitMQ queues through the management API: a page at a time, only the columns shown."""

from urllib.parse import quote

from cacheadmin.rabbit.management import ManagementClient, ManagementError

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
) -> dict:
    """One page of queues, filtered by a plain substring of the name (never a regular
    expression: the broker's regex filter has had a ReDoS advisory)."""
    path = f"api/queues/{quote(vhost, safe='')}" if vhost else "api/queues"
    params = {
        "page": page,
        "page_size": page_size,
        "name": name,
        "use_regex": "false",
        "columns": ",".join(COLUMNS),
        "sort": SORTS[sort],
        "sort_reverse": "true" if descending else "false",
        "pagination": "true",
    }
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
        "items": [queue_row(item) for item in data.get("items", [])],
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
