"""What one Redis server says about itself, as plain data: its slow log, its clients,
its command statistics, its latency events and its memory doctor. Each function asks
one server (a client) and reads without a write; replies are read raw (RESP2 or
RESP3), arguments and names escaped for showing (display_key)."""

from datetime import UTC, datetime

import redis

from cacheadmin.gateways.keycodec import display_key

SLOWLOG_COUNT = 128  # entries asked; Redis keeps slowlog-max-len (128 by default)
ARGS_SHOWN = 12  # arguments of a slow command shown
ARG_CHARS = 120  # characters of each argument shown
OWN_NAME = b"cacheadmin"  # the dashboard's connections name themselves so


def slowlog(client: redis.Redis) -> dict:
    """The newest slow commands, newest first, with the settings that choose them."""
    with client.pipeline(transaction=False) as pipe:
        pipe.execute_command("SLOWLOG", "GET", SLOWLOG_COUNT)
        pipe.execute_command("SLOWLOG", "LEN")
        pipe.execute_command("CONFIG", "GET", "slowlog-*")
        entries, length, config = pipe.execute()
    settings = _pairs(config)
    return {
        "entries": [_slow_entry(entry) for entry in entries],
        "length": length,
        "max_len": _number(settings.get("slowlog-max-len")),
        "slower_than": _number(settings.get("slowlog-log-slower-than")),  # µs; -1: off
    }


def _number(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _slow_entry(entry: list) -> dict:
    arguments = entry[3] if isinstance(entry[3], list) else []
    return {
        "id": entry[0],
        "at": datetime.fromtimestamp(int(entry[1]), tz=UTC).isoformat(),
        "micros": int(entry[2]),
        "command": _shown(arguments[0]).upper() if arguments else "",
        "args": [_shown(argument) for argument in arguments[1 : ARGS_SHOWN + 1]],
        "more_args": max(0, len(arguments) - 1 - ARGS_SHOWN),
        "client": _text(entry[4]) if len(entry) > 4 else "",
        "client_name": _text(entry[5]) if len(entry) > 5 else "",
    }


def _shown(argument: bytes | str | int) -> str:
    raw = argument if isinstance(argument, bytes) else str(argument).encode()
    text = display_key(raw)
    return text if len(text) <= ARG_CHARS else text[:ARG_CHARS] + "…"


def _text(value: bytes | str | None) -> str:
    return display_key(value) if isinstance(value, bytes) else str(value or "")


def _prose(reply: bytes | str) -> str:
    """A doctor's text of several lines, as text (shown with show_text)."""
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _pairs(reply: list | dict) -> dict[str, str]:
    """CONFIG GET's reply, a flat list (RESP2) or a map (RESP3), as text."""
    if isinstance(reply, dict):
        return {_text(key): _text(value) for key, value in reply.items()}
    return {_text(key): _text(value) for key, value in zip(reply[::2], reply[1::2], strict=True)}


def clients(client: redis.Redis) -> list[dict]:
    """Every client connected to this server (CLIENT LIST), the dashboard's own named."""
    reply = client.execute_command("CLIENT", "LIST")
    raw = reply if isinstance(reply, bytes) else str(reply).encode()
    mine = client.execute_command("CLIENT", "ID")
    return [_client(line, mine) for line in raw.splitlines() if line.strip()]


def _client(line: bytes, mine: int) -> dict:
    fields = dict(part.split(b"=", 1) for part in line.split(b" ") if b"=" in part)
    number = lambda name: int(fields.get(name, b"0") or 0)  # noqa: E731
    name = fields.get(b"name", b"")
    return {
        "id": number(b"id"),
        "addr": _text(fields.get(b"addr", b"")),
        "name": display_key(name),
        "age": number(b"age"),
        "idle": number(b"idle"),
        "db": number(b"db"),
        "cmd": _text(fields.get(b"cmd", b"")),
        "flags": _text(fields.get(b"flags", b"")),
        "user": _text(fields.get(b"user", b"")),
        "memory": number(b"tot-mem"),
        "output_buffer": number(b"omem"),
        "own": name.startswith(OWN_NAME),
        "this": number(b"id") == mine,
    }


def commandstats(client: redis.Redis) -> list[dict]:
    """Each command's calls, time and failures since the statistics were reset, the
    costliest first (INFO commandstats)."""
    info = client.info("commandstats")
    rows = [
        {
            "command": name.removeprefix("cmdstat_").replace("|", " "),
            "calls": int(stats.get("calls", 0)),
            "usec": int(stats.get("usec", 0)),
            "usec_per_call": float(stats.get("usec_per_call", 0)),
            "rejected_calls": int(stats.get("rejected_calls", 0)),
            "failed_calls": int(stats.get("failed_calls", 0)),
        }
        for name, stats in info.items()
        if isinstance(stats, dict)
    ]
    return sorted(rows, key=lambda row: (-row["usec"], row["command"]))


def latency(client: redis.Redis) -> dict:
    """The latency monitor's events (LATENCY LATEST), each one's history, the doctor's
    advice, and the threshold that turns the monitor on (0: off)."""
    with client.pipeline(transaction=False) as pipe:
        pipe.execute_command("LATENCY", "LATEST")
        pipe.execute_command("LATENCY", "DOCTOR")
        pipe.execute_command("CONFIG", "GET", "latency-monitor-threshold")
        latest, doctor, config = pipe.execute()
    events = [
        {"event": _text(row[0]), "at": _iso(row[1]), "latest_ms": row[2], "max_ms": row[3]}
        for row in latest
    ]
    with client.pipeline(transaction=False) as pipe:
        for event in events:
            pipe.execute_command("LATENCY", "HISTORY", event["event"])
        histories = pipe.execute() if events else []
    for event, history in zip(events, histories, strict=True):
        event["history"] = [(int(at), int(ms)) for at, ms in history]
    threshold = _pairs(config).get("latency-monitor-threshold", "0")
    return {"events": events, "doctor": _prose(doctor), "threshold_ms": int(threshold or 0)}


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(int(seconds), tz=UTC).isoformat()


def memory(client: redis.Redis) -> dict:
    """MEMORY DOCTOR's advice and MEMORY STATS' figures (a database's own as db.N.*)."""
    with client.pipeline(transaction=False) as pipe:
        pipe.execute_command("MEMORY", "DOCTOR")
        pipe.execute_command("MEMORY", "STATS")
        doctor, stats = pipe.execute()
    return {"doctor": _prose(doctor), "stats": _flat(stats)}


def _flat(reply: list | dict, prefix: str = "") -> dict[str, object]:
    items = reply.items() if isinstance(reply, dict) else zip(reply[::2], reply[1::2], strict=True)
    flat: dict[str, object] = {}
    for key, value in items:
        name = prefix + _text(key)
        if isinstance(value, list | dict):
            flat |= _flat(value, name + ".")
        else:
            flat[name] = _text(value) if isinstance(value, bytes) else value
    return flat
