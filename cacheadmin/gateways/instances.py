"""Named Redis and RabbitMQ instances: `default` from REDIS_URL, RABBITMQ_URL and
RABBITMQ_MANAGEMENT_URL, more from the TOML file CACHEADMIN_INSTANCES names.

Secrets are `${NAME}` references to environment variables, resolved here and never
shown: `shown_url` masks them. An instance with a mistake is kept aside with the
file, the instance and the field at fault; the others work."""

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, unquote, urlsplit

DEFAULT = "default"
NAME = re.compile(r"\A[a-z0-9][a-z0-9_-]{0,62}\Z")
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
REDIS_SCHEMES = (
    "redis",
    "rediss",
    "unix",
    "redis+sentinel",
    "rediss+sentinel",
    "redis+cluster",
    "rediss+cluster",
)
AMQP_SCHEMES = ("amqp", "amqps")
HTTP_SCHEMES = ("http", "https")
CERT_REQS = ("none", "optional", "required")
URL_FIELDS = ("url", "amqp_url", "management_url")

REDIS_FIELDS = {
    "url": "the Redis URL (redis://, rediss://, unix://, redis+sentinel://, redis+cluster://)",
    "ca_file": "the CA certificates that sign the server's certificate (rediss://)",
    "cert_file": "a client certificate (rediss://)",
    "key_file": "the client certificate's key (rediss://)",
    "ssl_cert_reqs": "none, optional or required (default: required)",
    "sentinel_password": "the sentinels' own password (redis+sentinel://)",
    "databases": "own (default: only the database its URL names) or all",
}
DATABASES = ("own", "all")
ENVIRONMENT_NAMES = {"amqp_url": "RABBITMQ_URL", "management_url": "RABBITMQ_MANAGEMENT_URL"}
RABBIT_FIELDS = {
    "amqp_url": "the AMQP URL (amqp:// or amqps://)",
    "management_url": "the management API's URL (http:// or https://)",
    "ca_file": "the CA certificates that sign the broker's certificates",
}


@dataclass(frozen=True)
class Mistake:
    """What is wrong with one instance, said where to find it."""

    file: str
    instance: str  # "redis.prod-cache"
    field: str  # "" when about the instance as a whole
    message: str

    def __str__(self) -> str:
        where = f"[{self.instance}]" + (f" {self.field}" if self.field else "")
        return f"{self.file}: {where}: {self.message}"


@dataclass(frozen=True)
class SentinelAddress:
    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int


@dataclass(frozen=True)
class RedisInstance:
    name: str
    url: str  # secrets resolved: never show it, show shown_url(url)
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    ssl_cert_reqs: str = "required"
    sentinel_password: str = ""
    # "own": its users reach the database its URL names, and no other of that server
    # (instances of one server, each with its roles); "all": any (REDIS_URL's default).
    databases: str = "all"

    @property
    def own_db(self) -> int:
        """The database its URL names (0 when none)."""
        if address := self.sentinel:
            return address.db
        parts = urlsplit(self.url)
        named = parse_qs(parts.query).get("db", [""])[0] if parts.scheme == "unix" else ""
        named = named or unquote(parts.path).strip("/")
        return int(named) if named.isascii() and named.isdigit() else 0

    @property
    def confined_to(self) -> int | None:
        """The one database its users reach; None: any."""
        return None if self.databases == "all" else self.own_db

    def database_refusal(self, db: int | None) -> str | None:
        """Why its users may not reach database db; None when they may."""
        if db is None or self.confined_to in (None, db):
            return None
        return (
            f"The instance {self.name} reaches its own database, {self.own_db}, only: "
            f'database {db} is another instance\'s, or none (databases = "own").'
        )

    @property
    def kind(self) -> str:
        scheme = urlsplit(self.url).scheme
        if "+sentinel" in scheme:
            return "sentinel"
        return "cluster" if "+cluster" in scheme else "standalone"

    @property
    def tls(self) -> bool:
        return urlsplit(self.url).scheme.startswith("rediss")

    @property
    def sentinel(self) -> SentinelAddress | None:
        return sentinel_address(self.url) if self.kind == "sentinel" else None


@dataclass(frozen=True)
class RabbitInstance:
    name: str
    amqp_url: str
    management_url: str
    ca_file: str = ""
    file: str = ""  # the instances file it comes from; "" for the environment's

    def named(self, url_field: str) -> str:
        """How a message names one of its URLs (never the URL: it may hold a password):
        the environment variable, or the instance and field in the instances file."""
        if not self.file:
            return ENVIRONMENT_NAMES[url_field]
        return f"the {url_field} of [rabbitmq.{self.name}] in {self.file}"

    @property
    def vhost(self) -> str:
        """The virtual host its AMQP URL names (pika's reading: none is /)."""
        return amqp_vhost(self.amqp_url)


@dataclass(frozen=True)
class Instances:
    redis: dict[str, RedisInstance] = field(default_factory=dict)
    rabbitmq: dict[str, RabbitInstance] = field(default_factory=dict)
    mistakes: tuple[Mistake, ...] = ()


def shown_url(url: str) -> str:
    """The URL with its password replaced by ***: what pages and logs may show. Read
    by its text, not parsed: whatever comes before the last @ may hold a secret (a
    password with an unquoted # or / breaks a parser's idea of where it ends), so all
    of it is hidden but a user name before a colon."""
    scheme, separator, rest = url.partition("://")
    userinfo, at, after = rest.rpartition("@")
    if not at:
        return url if separator or "@" not in url else "(a URL that cannot be shown)"
    user, colon, _ = userinfo.partition(":")
    return f"{scheme}://{user + ':***' if colon else '***'}@{after}"


UNCLEAR_USERINFO = re.compile(r"[/?#@]|%(?![0-9A-Fa-f]{2})")
UNCLEAR_MESSAGE = (
    "has a user or password with a character a URL cannot hold as it is (/ ? # @, or a "
    "% that starts no %XX): the host and port read from it would be part of the secret. "
    "Percent-encode it (# is %23, / is %2F, @ is %40, % is %25), or in the instances "
    "file write it as ${NAME}, which does that"
)


def userinfo_unclear(url: str) -> bool:
    """Whether the text before a URL's last @ (its user and password, as written) holds
    what a parser reads as the end of the password: every message about the host,
    port or database read from it would then repeat part of the secret."""
    _, separator, rest = url.partition("://")
    written, at, _ = rest.rpartition("@")
    return bool(separator and at and UNCLEAR_USERINFO.search(written))


def substitute_url(template: str, environ: Mapping[str, str]) -> str:
    """A URL's ${NAME} references resolved; those in its user and password quoted, so
    that any character of a secret is that character (an unquoted #, ?, / or @ would
    end the password early or split the host)."""
    start = template.find("://") + 3 if "://" in template else 0
    ends = [at for at in (template.find(mark, start) for mark in "/?#") if at >= 0]
    userinfo_end = template.rfind("@", start, min(ends, default=len(template)))

    def put(match: re.Match) -> str:
        value = environ[match.group(1)]
        return quote(value, safe="") if match.start() < userinfo_end else value

    return REFERENCE.sub(put, template)


def amqp_vhost(url: str) -> str:
    """The virtual host an AMQP URL names, as pika reads it: none is /."""
    path = urlsplit(url).path
    return unquote(path.split("/")[1]) if len(path) > 1 else "/"


def host_list(url: str) -> tuple[tuple[str, int], ...]:
    """The host:port,host:port... of a Sentinel or Cluster URL."""
    hosts = urlsplit(url).netloc.rpartition("@")[2]
    found = []
    for host in hosts.split(","):
        name, _, port = host.rpartition(":")
        if not name or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{host!r} is not host:port")
        found.append((name.strip("[]"), int(port)))
    return tuple(found)


def sentinel_address(url: str) -> SentinelAddress:
    """redis+sentinel://[user:password@]host:port[,host:port...]/service/db."""
    parts = urlsplit(url)
    sentinels = host_list(url)
    path = [unquote(part) for part in parts.path.strip("/").split("/")]
    if not path[0]:
        raise ValueError("name the master's service: redis+sentinel://host:port/service/0")
    db = path[1] if len(path) > 1 else "0"
    if len(path) > 2 or not (db.isascii() and db.isdigit()):
        raise ValueError("the path is /service/db, with db a number")
    return SentinelAddress(sentinels, path[0], int(db))


def load_instances(
    *, path: str | None, environ: Mapping[str, str], defaults: Mapping[str, str]
) -> Instances:
    """The instances of defaults (REDIS_URL, RABBITMQ_URL, RABBITMQ_MANAGEMENT_URL)
    as `default`, and those of the file at path (which may redefine `default`)."""
    redis = {DEFAULT: RedisInstance(DEFAULT, defaults["REDIS_URL"])}
    rabbit = {
        DEFAULT: RabbitInstance(
            DEFAULT, defaults["RABBITMQ_URL"], defaults["RABBITMQ_MANAGEMENT_URL"]
        )
    }
    if not path:
        return Instances(redis, rabbit)
    try:
        with open(path, "rb") as file:
            tables = tomllib.load(file)
    except OSError as exc:
        return Instances(redis, rabbit, (Mistake(path, "", "", f"cannot be read: {exc}"),))
    except tomllib.TOMLDecodeError as exc:
        return Instances(redis, rabbit, (Mistake(path, "", "", f"is not TOML: {exc}"),))
    reader = _Reader(path, environ)
    for section in tables:
        if section not in ("redis", "rabbitmq"):
            reader.mistake(section, "", "unknown section: use [redis.NAME] or [rabbitmq.NAME]")
    for name, table in _named_tables(reader, tables, "redis"):
        if found := reader.redis(name, table):
            redis[name] = found
    for name, table in _named_tables(reader, tables, "rabbitmq"):
        if found := reader.rabbit(name, table):
            rabbit[name] = found
    return Instances(redis, rabbit, tuple(reader.mistakes))


def _named_tables(reader: "_Reader", tables: dict, section: str):
    entries = tables.get(section, {})
    if not isinstance(entries, dict):
        reader.mistake(section, "", f"use [{section}.NAME] tables")
        return
    for name, table in entries.items():
        if not NAME.match(name):
            reader.mistake(f"{section}.{name}", "", "a name is lower-case letters, digits, - and _")
        elif not isinstance(table, dict):
            reader.mistake(f"{section}.{name}", "", f"use a table: [{section}.{name}]")
        else:
            yield name, table


class _Reader:
    """Reads instance tables, collecting mistakes instead of stopping at the first."""

    def __init__(self, path: str, environ: Mapping[str, str]):
        self.path = path
        self.environ = environ
        self.mistakes: list[Mistake] = []

    def mistake(self, instance: str, field_name: str, message: str) -> None:
        self.mistakes.append(Mistake(self.path, instance, field_name, message))

    def redis(self, name: str, table: dict) -> RedisInstance | None:
        values = self.fields(f"redis.{name}", table, REDIS_FIELDS, required=("url",))
        if values is None:
            return None
        where = f"redis.{name}"
        if not self.url_ok(where, "url", values["url"], REDIS_SCHEMES):
            return None
        scheme = urlsplit(values["url"]).scheme
        if "+" in scheme:
            read = sentinel_address if "+sentinel" in scheme else host_list
            try:
                read(values["url"])
            except ValueError as exc:
                self.mistake(where, "url", str(exc))
                return None
        reqs = values.get("ssl_cert_reqs", "required")
        if reqs not in CERT_REQS:
            self.mistake(where, "ssl_cert_reqs", f"is one of {', '.join(CERT_REQS)}")
            return None
        databases = values.get("databases", "own")
        if databases not in DATABASES:
            self.mistake(where, "databases", f"is one of {', '.join(DATABASES)}")
            return None
        if not self.files_ok(where, values, ("ca_file", "cert_file", "key_file")):
            return None
        return RedisInstance(name, **(values | {"ssl_cert_reqs": reqs, "databases": databases}))

    def rabbit(self, name: str, table: dict) -> RabbitInstance | None:
        where = f"rabbitmq.{name}"
        required = ("amqp_url", "management_url")
        values = self.fields(where, table, RABBIT_FIELDS, required=required)
        if values is None:
            return None
        if not (
            self.url_ok(where, "amqp_url", values["amqp_url"], AMQP_SCHEMES)
            and self.url_ok(where, "management_url", values["management_url"], HTTP_SCHEMES)
            and self.files_ok(where, values, ("ca_file",))
        ):
            return None
        return RabbitInstance(name, **values, file=self.path)

    def fields(
        self, where: str, table: dict, known: dict, *, required: tuple[str, ...]
    ) -> dict[str, str] | None:
        """The table's text fields with ${NAME} resolved; None after a mistake."""
        values = {}
        for name, value in table.items():
            if name not in known:
                self.mistake(where, name, f"unknown field; the fields are {', '.join(known)}")
                return None
            if not isinstance(value, str):
                self.mistake(where, name, "is text, in quotes")
                return None
            resolved = self.resolve(where, name, value)
            if resolved is None:
                return None
            values[name] = resolved
        for name in required:
            if not values.get(name):
                self.mistake(where, name, f"is missing: {known[name]}")
                return None
        return values

    def resolve(self, where: str, field_name: str, value: str) -> str | None:
        missing = [ref for ref in REFERENCE.findall(value) if ref not in self.environ]
        if missing:
            self.mistake(where, field_name, f"the environment variable {missing[0]} is not set")
            return None
        if field_name in URL_FIELDS:
            return substitute_url(value, self.environ)
        return REFERENCE.sub(lambda match: self.environ[match.group(1)], value)

    def url_ok(self, where: str, field_name: str, url: str, schemes: tuple[str, ...]) -> bool:
        if userinfo_unclear(url):
            self.mistake(where, field_name, UNCLEAR_MESSAGE)
            return False
        try:
            parts = urlsplit(url)
            if "+" not in parts.scheme:  # a list of sentinels or nodes has no one port
                parts.port  # noqa: B018 (reading it checks it)
        except ValueError:  # its text may repeat part of a password: not said
            self.mistake(
                where,
                field_name,
                "is not a URL: its host and port cannot be read (write a password with "
                "reserved characters as ${NAME}, or percent-encode it)",
            )
            return False
        if parts.scheme not in schemes:
            self.mistake(where, field_name, f"starts with one of {', '.join(schemes)}")
            return False
        if parts.scheme != "unix" and not parts.hostname:
            self.mistake(where, field_name, "names no host")
            return False
        return True

    def files_ok(self, where: str, values: dict, names: tuple[str, ...]) -> bool:
        for name in names:
            if values.get(name) and not os.path.isfile(values[name]):
                self.mistake(where, name, f"no such file: {values[name]}")
                return False
        return True
