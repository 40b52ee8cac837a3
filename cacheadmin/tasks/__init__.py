"""Task queues as their frameworks see them: RQ's queues, registries and workers."""
