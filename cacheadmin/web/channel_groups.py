"""Channel-layer groups that one capability sends to and another listens on."""

# Every invalidation's end event, for the live pages' "invalidations" feed: the
# worker sends, each server process's feed listens.
LIVE_INVALIDATIONS = "live-invalidations"
