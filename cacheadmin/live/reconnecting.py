"""Backoff between reconnection attempts of a feed, and the gap it could not see."""

import time

RETRY_FIRST, RETRY_MOST = 0.5, 5.0


class Reconnecting:
    """Backoff between attempts, and the time since the feed was lost."""

    def __init__(self):
        self.delay = RETRY_FIRST
        self.lost_at: float | None = None

    def lost(self, *, since: float | None = None) -> float:
        """The wait before the next attempt; since: when the source was last heard."""
        self.lost_at = self.lost_at or since or time.time()
        delay, self.delay = self.delay, min(self.delay * 2, RETRY_MOST)
        return delay

    def back(self) -> dict:
        """Details for the "live" status: the gap, if there was one."""
        details = {"gap_seconds": round(time.time() - self.lost_at, 3)} if self.lost_at else {}
        self.delay, self.lost_at = RETRY_FIRST, None
        return details
