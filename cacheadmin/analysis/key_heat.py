"""How hot or idle keys are, read where the eviction policy keeps it: under an LFU
policy Redis counts each key's accesses (OBJECT FREQ, a logarithmic counter), under
an LRU one the seconds since its last access (OBJECT IDLETIME). An analysis reads it of
a random sample of about SAMPLE keys (reading it does not touch the key)."""

import random
from typing import TypeVar

import redis

T = TypeVar("T")

SAMPLE = 10_000
# The report's name of the figure, and the OBJECT subcommand that reads it.
FIGURES = {"freq": "FREQ", "idle": "IDLETIME"}


def figure_for(policy: str) -> str:
    """ "freq" under an LFU policy, "idle" under an LRU one, "" otherwise (no figure kept:
    OBJECT FREQ is refused, and IDLETIME is not what evictions go by)."""
    if "lfu" in policy:
        return "freq"
    return "idle" if "lru" in policy else ""


def sampled(items: list[T], every: int) -> list[T]:
    """Each item with a chance of one in every."""
    return [item for item in items if random.random() * every < 1]  # noqa: S311 (a sample)


def heat_of(client: redis.Redis, keys: list[bytes], figure: str) -> list[int | None]:
    """Each key's figure in one round trip; None for a key gone meanwhile or refused."""
    if not keys:
        return []
    with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.execute_command("OBJECT", FIGURES[figure], key)
        answers = pipe.execute(raise_on_error=False)
    return [answer if isinstance(answer, int) else None for answer in answers]
