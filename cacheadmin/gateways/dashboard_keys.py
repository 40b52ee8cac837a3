"""The dashboard's own Redis keys, kept apart from the data it inspects: every one of
them starts with PREFIX, and no mutation of the dashboard touches a key that does.

No Django here: the settings read PREFIX for the channel layer."""

PREFIX = "cacheadmin:dashboard:"
CHANNEL_LAYER_PREFIX = PREFIX + "channels"


def is_dashboard_key(key: bytes) -> bool:
    return key.startswith(PREFIX.encode())


def job_counter_key(job_id: int | str) -> str:
    """Counts an invalidation job's deletions, in the database it deletes from."""
    return f"{PREFIX}jobs:{job_id}:deleted"
