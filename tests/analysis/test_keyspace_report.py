"""The analysis report folded batch by batch: namespaces and their types and shares,
the top keys, TTLs, the expiry forecast and its avalanche warning, encodings; and the
same report whether built at once or resumed from its JSON between batches."""

import json

from cacheadmin.analysis.keyspace_report import (
    TOP,
    KeyFacts,
    add_batch,
    add_heat,
    begin,
    namespace_of,
    new_report,
    summary,
)
from cacheadmin.gateways.keycodec import encode_key

MINUTE = 60_000


def keys() -> list[KeyFacts]:
    """user: 10 hashes without TTL; cache:page: 30 strings, 20 expiring in minute 5
    (an avalanche) and 10 spread over hours; a hostile key alone; a big list."""
    found = [KeyFacts(b"user:%d" % n, "hash", 100, -1, "listpack", 3) for n in range(10)]
    found += [
        KeyFacts(b"cache:page:%d" % n, "string", 50, 5 * MINUTE + 1000 + n, "embstr")
        for n in range(20)
    ]
    found += [
        KeyFacts(b"cache:page:late:%d" % n, "string", 50, (n + 1) * 60 * MINUTE, "embstr")
        for n in range(10)
    ]
    found.append(KeyFacts(b"<b>\xff\xe2\x80\xae", "string", 10, -1, "embstr"))
    found.append(KeyFacts(b"queue:big", "list", 5000, -1, "quicklist", 100_000))
    return found


def test_namespaces_types_and_shares():
    report = new_report(delimiter=b":", depth=2, started_ms=0)
    add_batch(report, keys())
    told = summary(report)
    assert told["scanned"] == 42 and told["memory"] == 10 * 100 + 30 * 50 + 10 + 5000
    by_prefix = {space["prefix"]: space for space in told["namespaces"]}
    assert by_prefix["queue:"]["memory"] == 5000
    assert told["namespaces"][0]["prefix"] == "queue:"  # the biggest first
    assert by_prefix["user:"]["types"] == {"hash": 10} and by_prefix["user:"]["no_ttl"] == 10
    assert by_prefix["cache:page:"]["keys"] == 30 and by_prefix["cache:page:"]["no_ttl"] == 0
    hostile = by_prefix["<b>\\xff\\u202e"]  # no delimiter: its own namespace
    assert hostile["prefix_b64"] == encode_key(b"<b>\xff\xe2\x80\xae")
    assert abs(sum(space["share"] for space in told["namespaces"]) - 1) < 1e-9


def test_top_keys_ttl_histogram_forecast_and_encodings():
    report = new_report(delimiter=b":", depth=2, started_ms=0)
    add_batch(report, keys())
    assert all(space["avalanche"] is None for space in summary(report)["namespaces"])  # 20 keys
    told = summary(report, avalanche_keys=20)
    assert told["top_memory"][0] == {
        "key": "queue:big",
        "key_b64": encode_key(b"queue:big"),
        "type": "list",
        "memory": 5000,
    }
    assert [entry["length"] for entry in told["top_length"]][:2] == [100_000, 3]
    histogram = {row["up_to"]: row["keys"] for row in told["ttl_histogram"]}
    assert histogram["≤ 15 min"] == 20 and histogram["≤ 1 h"] == 1
    assert (histogram["≤ 6 h"], histogram["≤ 1 day"], histogram["longer"]) == (5, 4, 0)
    forecast = {row["minute"]: row for row in told["expiry_forecast"]}
    assert forecast[5] == {"minute": 5, "keys": 20, "memory": 1000}
    assert 24 * 60 not in forecast and 60 in forecast  # within the next 24 hours only
    cache = next(space for space in told["namespaces"] if space["prefix"] == "cache:page:")
    assert cache["avalanche"] == {"minute": 5, "keys": 20, "share": 20 / 30}
    assert cache["ttl_spread"] == {"min": 5 * 60 + 1, "max": 10 * 3600}
    assert all(space["avalanche"] is None for space in told["namespaces"] if space is not cache)
    assert told["left_compact"] == [
        {"type": "list", "keys": 1, "limits": {"list-max-listpack-size": None}}
    ]


def test_only_the_top_hundred_are_kept():
    report = new_report(delimiter=b":", depth=1, started_ms=0)
    add_batch(report, [KeyFacts(b"k:%d" % n, "string", n, -1) for n in range(1000)])
    top = summary(report)["top_memory"]
    assert len(top) == TOP and top[0]["memory"] == 999 and top[-1]["memory"] == 900


def test_a_report_resumed_from_its_json_is_the_same():
    whole = new_report(delimiter=b":", depth=2, started_ms=0)
    add_batch(whole, keys())
    resumed = new_report(delimiter=b":", depth=2, started_ms=0)
    batch = keys()
    add_batch(resumed, batch[:17])
    resumed = json.loads(json.dumps(resumed))  # kept in the database between batches
    add_batch(resumed, batch[17:])
    assert summary(resumed) == summary(whole)


def test_a_namespace_is_the_keys_first_parts():
    assert namespace_of(b"a:b:c", b":", 1) == b"a:"
    assert namespace_of(b"a:b:c:d", b":", 2) == b"a:b:"
    assert namespace_of(b"a:b", b":", 2) == b"a:"  # its last part is its own name
    assert namespace_of(b"alone", b":", 2) == b"alone"
    assert namespace_of(b"a/b/c", b"/", 1) == b"a/"


def test_a_forecast_counts_minutes_from_the_start_however_late_a_key_was_read():
    report = new_report(delimiter=b":", depth=1, started_ms=0)
    add_batch(report, [KeyFacts(b"a:1", "string", 10, 5 * MINUTE)], read_ms=0)
    add_batch(report, [KeyFacts(b"a:2", "string", 10, 5 * MINUTE)], read_ms=3 * MINUTE)
    minutes = [row["minute"] for row in summary(report)["expiry_forecast"]]
    assert minutes == [5, 8]


def test_the_hottest_sampled_keys_are_kept_with_the_settings_read():
    report = new_report(delimiter=b":", depth=1, started_ms=0)
    config = {"maxmemory-policy": "allkeys-lfu", "hash-max-listpack-entries": "512"}
    begin(report, config=config, version="7.0.15", heat="freq", every=1)
    found = [(KeyFacts(b"k:%d" % n, "string", 1, -1), n % 256) for n in range(300)]
    add_heat(report, found)
    add_batch(report, [KeyFacts(b"h:1", "hash", 9000, -1, "hashtable", 600)])
    told = summary(report)
    assert told["eviction_policy"] == "allkeys-lfu"
    assert (told["heat"]["figure"], told["heat"]["sampled"]) == ("freq", 300)
    assert len(told["heat"]["keys"]) == 100 and told["heat"]["keys"][0]["freq"] == 255
    (left,) = told["left_compact"]
    assert left["limits"] == {"hash-max-listpack-entries": "512"}  # the server has no other
    assert told["uncounted"] == ["list", "set"]  # Redis 7.0: lists are quicklists, small too
    add_batch(report, [KeyFacts(b"l:1", "list", 90, -1, "quicklist", 3)])
    assert [row["type"] for row in summary(report)["left_compact"]] == ["hash"]


def test_past_a_thousand_namespaces_the_rest_are_one_other():
    report = new_report(delimiter=b":", depth=1, started_ms=0)
    add_batch(report, [KeyFacts(b"loose-%d" % n, "string", 10, -1) for n in range(1500)])
    add_batch(report, [KeyFacts(b"loose-7", "string", 10, -1)])  # known: stays its own
    told = summary(report)
    assert len(told["namespaces"]) == 1001 and told["scanned"] == 1501
    other = next(space for space in told["namespaces"] if space["other"])
    assert other["keys"] == 500 and "other namespaces" in other["prefix"]
    assert next(space for space in told["namespaces"] if space["prefix"] == "loose-7")["keys"] == 2


def test_a_stream_has_no_compact_encoding_to_leave():
    report = new_report(delimiter=b":", depth=1, started_ms=0)
    begin(report, config={}, version="7.2.4", heat="", every=1)
    add_batch(report, [KeyFacts(b"s:1", "stream", 500, -1, "stream", 3)])
    add_batch(report, [KeyFacts(b"l:1", "list", 900, -1, "quicklist", 3000)])
    assert [row["type"] for row in summary(report)["left_compact"]] == ["list"]  # 7.2: told
