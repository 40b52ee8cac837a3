"""A task's error as the lists show it, whatever the framework: the last line of its
traceback (the exception and its message, the path or key it names included)."""

SHOWN = 300  # characters


def last_line(traceback: str | None) -> str:
    """The traceback's last line that is not blank, cut to SHOWN; "" for none."""
    lines = [line for line in (traceback or "").strip().splitlines() if line.strip()]
    return lines[-1][:SHOWN] if lines else ""
