"""Helpers shared by test modules: polling, an instances file."""

import time


def wait_for(check, seconds: float = 60, every: float = 0.05):
    """Ask check every `every` seconds until it answers something true, and return
    that; the test fails once seconds have passed."""
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(every)
    return result


def wait_for_statistics(check, seconds: float = 20):
    """wait_for, for the management statistics: they lag a few seconds behind."""
    return wait_for(check, seconds, every=0.3)


def instances(settings, tmp_path, text: str) -> None:
    """The dashboard's instances file: text, written in tmp_path."""
    path = tmp_path / "instances.toml"
    path.write_text(text)
    settings.CACHEADMIN_INSTANCES = str(path)
