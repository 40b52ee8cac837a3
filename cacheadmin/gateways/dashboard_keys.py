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


def write_mark_key() -> str:
    """Written (for a second) after a change made through another client, such as a
    Celery app's: a write of ours on the same server after it, whose replication a
    Sentinel instance's guard confirms (WAIT), and with it everything before it."""
    return f"{PREFIX}write-mark"
