"""Fixtures: a private redis-server, a throwaway RabbitMQ vhost, users for each role.

No test reaches a service unless it asks: a test that needs Redis or RabbitMQ asks
for the fixture it uses (`services`, `redis_client`, `cluster`, ...), itself or through
its own fixtures. Everything else points at closed ports. A test whose fixtures hold
none of SERVICE_FIXTURES is marked `pure`: make test-pure runs those, from the whole
tree, with neither service in reach, and nothing ever touches the Redis or RabbitMQ
of the machine."""

import os
import socket
import uuid
from urllib.parse import quote

import httpx
import pytest
from django.core.cache import cache
from django.core.servers.basehttp import WSGIRequestHandler

from dashboard.channel_layers import channel_layers
from tests.servers import (
    ClusterSet,
    RedisServer,
    SentinelSet,
    free_port,
    refuse_in_pure_run,
)
from tests.users import logged_in, make_user

pytest_plugins = ["tests.browser_fixtures"]

# The live test server writes a response's head and body in separate sends: with Nagle's
# algorithm on, the body waits for the client's delayed ACK, 40 ms a request.
WSGIRequestHandler.disable_nagle_algorithm = True

MANAGEMENT_URL = os.environ.get("TEST_RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672/")
RABBIT_ADMIN = (
    os.environ.get("TEST_RABBITMQ_USER", "guest"),
    os.environ.get("TEST_RABBITMQ_PASSWORD", "guest"),
)

# The fixtures that reach Redis or RabbitMQ (a test's fixturenames are their closure:
# a fixture that asks for one of these, as `keyspace` or `broker` do, counts too).
SERVICE_FIXTURES = frozenset(
    {
        "services",
        "redis_server",
        "redis_client",
        "rabbit_admin",
        "rabbit_vhost",
        "rabbit_user",
        "sentinel_set",
        "sentinel_sessions",
        "redis_cluster",
        "cluster",
        "keyspace",
        "cluster_keyspace",
        "own_servers",
    }
)


def pytest_collection_modifyitems(config, items):
    """Mark `pure` every test that asks for no service and needs no browser; `failover`
    every test that fails a server over (by its name), which make test-postgres leaves
    to make test: the database does not take part."""
    for item in items:
        if "failover" in item.name:
            item.add_marker(pytest.mark.failover)
        if item.get_closest_marker("browser") or not SERVICE_FIXTURES.isdisjoint(item.fixturenames):
            continue
        item.add_marker(pytest.mark.pure)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    refuse_in_pure_run("a redis-server")
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def silent_port():
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


@pytest.fixture(scope="session")
def sentinel_set(tmp_path_factory):
    """A master, a replica and three sentinels (8 s to start): shared by the tests that
    need one; each waits for it to settle, since some fail it over."""
    refuse_in_pure_run("a Sentinel set")
    found = SentinelSet(tmp_path_factory.mktemp("sentinel")).start()
    yield found
    found.stop()


@pytest.fixture
def sentinel_sessions(settings, tmp_path, sentinel_set):
    """The instance `sessions`: the shared Sentinel set, settled."""
    path = tmp_path / "instances.toml"
    path.write_text(f'[redis.sessions]\nurl = "{sentinel_set.url}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    return sentinel_set.settle()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory):
    """Three primaries and three replicas (7 s to start), shared by the tests that need
    one; each empties it first."""
    refuse_in_pure_run("a Redis Cluster")
    found = ClusterSet(tmp_path_factory.mktemp("cluster")).start()
    yield found
    found.stop()


@pytest.fixture(scope="session")
def cluster(redis_cluster):
    """The shared Redis Cluster: another name for redis_cluster."""
    return redis_cluster


@pytest.fixture(scope="session")
def own_servers():
    """Asked for by a test, or its fixture, that starts redis-servers of its own
    (tests.servers): such a test is not pure."""
    refuse_in_pure_run("redis-servers of its own")


class RabbitAdmin:
    """The management API as the test administrator, for making and removing test objects."""

    def __init__(self):
        self.http = httpx.Client(base_url=MANAGEMENT_URL + "api/", auth=RABBIT_ADMIN, timeout=10)

    def put(self, path: str, body: dict) -> None:
        self.http.put(path, json=body).raise_for_status()

    def delete(self, path: str) -> None:
        response = self.http.delete(path)
        if response.status_code != 404:
            response.raise_for_status()


@pytest.fixture(scope="session")
def rabbit_admin():
    refuse_in_pure_run("RabbitMQ")
    admin = RabbitAdmin()
    yield admin
    admin.http.close()


@pytest.fixture(scope="session")
def rabbit_vhost(rabbit_admin):
    """A vhost of our own, removed with everything in it at the end. Its name needs
    URL encoding everywhere (a space, a slash, a non-ASCII letter, # and ?), so every
    test that touches RabbitMQ checks that we quote it."""
    name = f"cacheadmin test/{uuid.uuid4().hex[:10]} \u00e9#?"
    rabbit_admin.put(f"vhosts/{quote(name, safe='')}", {})
    user = RABBIT_ADMIN[0]
    rabbit_admin.put(
        f"permissions/{quote(name, safe='')}/{user}",
        {"configure": ".*", "write": ".*", "read": ".*"},
    )
    yield name
    rabbit_admin.delete(f"vhosts/{quote(name, safe='')}")


@pytest.fixture
def rabbit_user(rabbit_admin):
    """Make a broker user with the given tags; removed after the test."""
    made = []

    def make(tags: str) -> tuple[str, str]:
        name = f"cacheadmin-test-{uuid.uuid4().hex[:8]}"
        rabbit_admin.put(f"users/{name}", {"password": "pw", "tags": tags})
        made.append(name)
        return name, "pw"

    yield make
    for name in made:
        rabbit_admin.delete(f"users/{name}")


def management_url(user: str, password: str) -> str:
    scheme, rest = MANAGEMENT_URL.split("://", 1)
    return f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{rest}"


@pytest.fixture(scope="session")
def closed_port() -> int:
    """A port nothing listens on (it was free a moment ago)."""
    return free_port()


@pytest.fixture(autouse=True)
def no_real_services(settings, closed_port):
    """Until a test asks for services, every service URL points at a closed port."""
    nowhere = f"127.0.0.1:{closed_port}"
    settings.REDIS_URL = settings.DASHBOARD_REDIS_URL = f"redis://{nowhere}/0"
    settings.CHANNEL_LAYERS = channel_layers(settings.REDIS_URL)
    settings.RABBITMQ_URL = f"amqp://guest:guest@{nowhere}/%2F"
    settings.RABBITMQ_MANAGEMENT_URL = f"http://guest:guest@{nowhere}/"
    settings.REDIS_TIMEOUT = 1.0
    settings.RABBITMQ_TIMEOUT = 3.0
    cache.clear()


@pytest.fixture
def services(settings, redis_server, rabbit_vhost):
    """Point the dashboard at the private Redis and the test vhost; start from empty."""
    settings.REDIS_URL = redis_server.url
    # The dashboard's own keys go to another database of the private server.
    settings.DASHBOARD_REDIS_URL = redis_server.url_for(15)
    settings.CHANNEL_LAYERS = channel_layers(settings.DASHBOARD_REDIS_URL)
    settings.RABBITMQ_URL = (
        f"amqp://{RABBIT_ADMIN[0]}:{RABBIT_ADMIN[1]}@127.0.0.1:5672/{quote(rabbit_vhost, safe='')}"
    )
    settings.RABBITMQ_MANAGEMENT_URL = management_url(*RABBIT_ADMIN)
    client = redis_server.client()
    client.flushall()
    client.config_resetstat()
    yield
    client.close()


@pytest.fixture
def redis_client(redis_server):
    """A client of the private Redis, emptied first."""
    client = redis_server.client()
    client.flushall()
    yield client
    client.close()


@pytest.fixture(params=["server", "cluster"])
def keyspace(request, settings, services):
    """The instance `default` as a single server, then as a Redis Cluster: a test that
    takes this runs on both, with a client of it (a RedisCluster), emptied first.
    (The dashboard's own data stays on the single server.)"""
    if request.param == "server":
        yield request.getfixturevalue("redis_client")
        return
    yield request.getfixturevalue("cluster_keyspace")


@pytest.fixture
def cluster_keyspace(settings, services, redis_cluster):
    """The instance `default` as the shared Redis Cluster, emptied: a client of it."""
    redis_cluster.until_ok()
    settings.REDIS_URL = redis_cluster.url
    client = redis_cluster.client()
    client.flushall(target_nodes=client.PRIMARIES)
    client.config_resetstat(target_nodes=client.PRIMARIES)
    yield client
    client.close()


@pytest.fixture
def viewer(db, django_user_model):
    return make_user(django_user_model, "vera-viewer", "viewer")


@pytest.fixture
def operator(db, django_user_model):
    return make_user(django_user_model, "otto-operator", "operator")


@pytest.fixture
def nobody(db, django_user_model):
    """Logged in, but in no role."""
    return make_user(django_user_model, "nora-norole", None)


@pytest.fixture
def viewer_client(viewer):
    return logged_in(viewer)


@pytest.fixture
def operator_client(operator):
    return logged_in(operator)
