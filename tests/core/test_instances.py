"""The instances file: every kind of mistake is said with the file, the instance and the
field, the other instances still load, and secrets stay in the environment."""

from urllib.parse import unquote, urlsplit

import pytest

from cacheadmin.gateways.instances import (
    load_instances,
    sentinel_address,
    shown_url,
    userinfo_unclear,
)

DEFAULTS = {
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:5672/%2F",
    "RABBITMQ_MANAGEMENT_URL": "http://guest:guest@127.0.0.1:15672/",
}
GOOD = """
[redis.prod-cache]
url = "rediss://monitor:${PROD_CACHE_PASSWORD}@cache.internal:6380/0"
ssl_cert_reqs = "optional"

[redis.sessions]
url = "redis+sentinel://sentinel-1:26379,sentinel-2:26379/sessions/2"
sentinel_password = "${SENTINEL_PASSWORD}"

[rabbitmq.prod]
amqp_url = "amqps://monitor:${RMQ_PASSWORD}@mq.internal:5671/%2F"
management_url = "https://monitor:${RMQ_PASSWORD}@mq.internal:15671/"
"""
ENVIRON = {"PROD_CACHE_PASSWORD": "s3cret", "SENTINEL_PASSWORD": "s3ntinel", "RMQ_PASSWORD": "r"}


def load(tmp_path, text: str, environ=ENVIRON):
    path = tmp_path / "instances.toml"
    path.write_text(text)
    return load_instances(path=str(path), environ=environ, defaults=DEFAULTS)


def test_the_environment_alone_is_the_default_instance():
    instances = load_instances(path=None, environ={}, defaults=DEFAULTS)
    assert list(instances.redis) == ["default"] and list(instances.rabbitmq) == ["default"]
    assert instances.redis["default"].url == DEFAULTS["REDIS_URL"]
    assert instances.rabbitmq["default"].management_url == DEFAULTS["RABBITMQ_MANAGEMENT_URL"]


def test_a_file_adds_instances_with_secrets_from_the_environment(tmp_path):
    instances = load(tmp_path, GOOD)
    assert instances.mistakes == ()
    assert list(instances.redis) == ["default", "prod-cache", "sessions"]
    prod = instances.redis["prod-cache"]
    assert prod.url == "rediss://monitor:s3cret@cache.internal:6380/0"
    assert shown_url(prod.url) == "rediss://monitor:***@cache.internal:6380/0"
    assert (prod.kind, prod.ssl_cert_reqs) == ("standalone", "optional")
    sessions = instances.redis["sessions"]
    assert sessions.kind == "sentinel" and sessions.sentinel_password == "s3ntinel"
    assert sessions.sentinel.sentinels == (("sentinel-1", 26379), ("sentinel-2", 26379))
    assert (sessions.sentinel.service, sessions.sentinel.db) == ("sessions", 2)
    assert instances.rabbitmq["prod"].amqp_url == "amqps://monitor:r@mq.internal:5671/%2F"


MISTAKES = [
    ('[redis.a]\nurl = "redis://h:1/0"\ncolour = "blue"\n', "redis.a", "colour", "unknown field"),
    ('[redis.a]\nurl = "http://h:1/0"\n', "redis.a", "url", "starts with one of redis"),
    ('[redis.a]\nurl = "redis://h:port/0"\n', "redis.a", "url", "is not a URL"),
    ('[redis.a]\nurl = "redis://:${NOPE}@h:1/0"\n', "redis.a", "url", "NOPE is not set"),
    ("[redis.a]\nca_file = 'x'\n", "redis.a", "url", "is missing"),
    ('[redis.a]\nurl = "redis://h/0"\nssl_cert_reqs = "maybe"\n', "redis.a", "ssl_cert_reqs", ""),
    (
        '[redis.a]\nurl = "rediss://h/0"\nca_file = "/no/such.pem"\n',
        "redis.a",
        "ca_file",
        "no such",
    ),
    ('[redis.a]\nurl = "redis+sentinel://s:1/"\n', "redis.a", "url", "service"),
    ('[redis.a]\nurl = "redis+sentinel://s:x/m/0"\n', "redis.a", "url", "host:port"),
    ("[redis.a]\nurl = 6379\n", "redis.a", "url", "is text"),
    ('[redis.Prod]\nurl = "redis://h/0"\n', "redis.Prod", "", "lower-case"),
    ('[rabbitmq.b]\namqp_url = "amqp://h/"\n', "rabbitmq.b", "management_url", "is missing"),
    ('[mysql.c]\nurl = "x"\n', "mysql", "", "unknown section"),
]


@pytest.mark.parametrize(("text", "instance", "field", "said"), MISTAKES)
def test_each_mistake_names_the_file_instance_and_field(tmp_path, text, instance, field, said):
    instances = load(tmp_path, GOOD + "\n" + text)
    (mistake,) = instances.mistakes
    assert (mistake.instance, mistake.field) == (instance, field)
    assert said in mistake.message and str(tmp_path) in str(mistake)
    assert {"prod-cache", "sessions"} <= set(instances.redis)  # the others still work
    assert "prod" in instances.rabbitmq
    assert "s3cret" not in str(mistake)


def test_a_file_that_is_not_toml_or_not_there_is_said(tmp_path):
    (broken,) = load(tmp_path, "[redis.a\n").mistakes
    assert "is not TOML" in broken.message
    missing = load_instances(path=str(tmp_path / "nope.toml"), environ={}, defaults=DEFAULTS)
    assert "cannot be read" in missing.mistakes[0].message
    assert list(missing.redis) == ["default"]


def test_a_secret_in_a_bad_url_is_not_repeated(tmp_path):
    text = '[redis.a]\nurl = "redis://u:${PROD_CACHE_PASSWORD}@h:notaport/0"\n'
    (mistake,) = load(tmp_path, text).mistakes
    assert "s3cret" not in str(mistake)


@pytest.mark.parametrize(
    "url",
    ["redis+sentinel://h:1,h:2", "redis+sentinel://h:1/m/0/extra", "redis+sentinel://h:1/m/x"],
)
def test_sentinel_urls_that_cannot_be_read(url):
    with pytest.raises(ValueError):
        sentinel_address(url)


VAULT_PASSWORD = "p#ss/w?rd@%41:x"  # what a vault may hand out


@pytest.mark.parametrize(
    "template",
    [
        "redis://monitor:${SECRET}@cache.internal:6380/0",
        "redis+sentinel://monitor:${SECRET}@s1:26379,s2:26379/sessions/0",
        "redis+cluster://:${SECRET}@n1:7000,n2:7001",
    ],
)
def test_a_secret_with_reserved_characters_stays_whole_and_hidden(tmp_path, template):
    instances = load(tmp_path, f'[redis.a]\nurl = "{template}"\n', {"SECRET": VAULT_PASSWORD})
    assert instances.mistakes == ()
    config = instances.redis["a"]
    assert unquote(urlsplit(config.url).password) == VAULT_PASSWORD  # as connections reads it
    assert config.url.count("@") == 1
    shown = shown_url(config.url)
    assert "***@" in shown and not any(part in shown for part in ("p#", "p%23", "w?rd", "%2F"))


def test_rabbitmq_secrets_reach_pika_and_the_management_client_whole(tmp_path):
    import pika

    from cacheadmin.gateways.rabbit_management import ManagementClient

    text = (
        '[rabbitmq.b]\namqp_url = "amqp://mon:${SECRET}@mq:5672/%2F"\n'
        'management_url = "http://mon:${SECRET}@mq:15672/"\n'
    )
    config = load(tmp_path, text, {"SECRET": VAULT_PASSWORD}).rabbitmq["b"]
    assert pika.URLParameters(config.amqp_url).credentials.password == VAULT_PASSWORD
    client = ManagementClient.from_url(config.management_url, timeout=1)
    assert client._http.auth._auth_header.startswith("Basic ")
    assert shown_url(config.management_url) == "http://mon:***@mq:15672/"


@pytest.mark.parametrize(
    "url",
    [
        "redis://user:pa#ss@host:6379/0",  # an unquoted # ends a parser's netloc early
        "redis://user:pa/ss@host:6379/0",
        "redis://user:ss@pa@host/0",
        "redis://s3cretonly@host/0",
    ],
)
def test_no_part_of_a_literal_password_is_shown_however_the_url_reads(tmp_path, url):
    shown = shown_url(url)
    assert "pa" not in shown.replace("password", "") and "ss" not in shown and "s3c" not in shown
    instances = load(tmp_path, f'[redis.a]\nurl = "{url}"\n')
    said = " ".join(str(mistake) for mistake in instances.mistakes)
    assert "pa#" not in said and "pa/" not in said and "'pa'" not in said
    if "@" in url.partition("://")[2].rpartition("@")[0] or "#" in url or "pa/" in url:
        assert "a" not in instances.redis and "Percent-encode" in said  # kept aside


@pytest.mark.parametrize(
    ("url", "unclear"),
    [
        ("redis://user:p%23ss%40w@host:6379/0", False),
        ("redis://host:6379/0", False),
        ("amqp://guest:guest@mq:5672/%2F", False),
        ("redis+sentinel://:p%2Fw@s1:1,s2:2/m/0", False),
        ("redis://:Kq7#Zx?Vb/Nm@Wp%Rt:Ys@127.0.0.1:47300/0", True),
        ("redis://:p%zz@host/0", True),  # a % that starts no escape
        ("http://u:Rb9@Mqxyz/Tp@127.0.0.1:15672/", True),
    ],
)
def test_a_user_or_password_a_parser_would_misread_is_told_apart(url, unclear):
    assert userinfo_unclear(url) is unclear
