"""Monitoring: the sampler (one process, one loop) that reads every instance's figures
through the capabilities' figure sources, the history it keeps with its roll-ups, and
the reads the pages chart from."""
