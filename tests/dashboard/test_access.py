"""Login on every URL, a role on every page, operator-only actions."""

import re
import uuid

import pytest
import redis as redis_py
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

from cacheadmin.gateways.keycodec import encode_key
from cacheadmin.models import AuditEntry, InstanceRole
from tests.users import PASSWORD, logged_in

# The only views open without login: the health check and the login pages.
# A user with no role may still log out and change their password.
OWN_ACCOUNT = {"logout", "password_change", "password_change_done"}
# /metrics checks its own access: a viewer's token or METRICS_ALLOW, else 401 (test_metrics).
OPEN_VIEWS = {"healthz", "login", "admin:login", "metrics"}
SAMPLES = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x/y",
    "uuid": str(uuid.uuid4()),
    "key": "a2V5",
}


def sample_regex(regex: str) -> str:
    """A path matching a regex URL pattern: a group takes its first alternative, or 1."""

    def fill(group: re.Match) -> str:
        body = group.group(1)
        first = body.split("|")[0]
        return first if re.fullmatch(r"[\w-]+", first) else "1"

    text = re.sub(r"\(\?P<\w+>((?:[^()]|\([^()]*\))*)\)", fill, regex)
    return text.lstrip("^").rstrip("$").replace("\\", "")


def sample_route(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or "str"], route)


def walk(patterns, prefix: str = ""):
    """(path, url name) for every view in the URL conf, with sample arguments."""
    for entry in patterns:
        pattern = entry.pattern
        if isinstance(pattern, RoutePattern):
            part = sample_route(str(pattern))
        else:
            assert isinstance(pattern, RegexPattern)
            part = sample_regex(pattern.regex.pattern)
        if isinstance(entry, URLResolver):
            namespace = f"{entry.namespace}:" if entry.namespace else ""
            for path, name in walk(entry.url_patterns, prefix + part):
                yield path, namespace + name if name else None
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + part, entry.name


def all_urls() -> list[tuple[str, str]]:
    return list(walk(get_resolver().url_patterns))


def test_the_walk_reaches_every_view():
    urls = all_urls()
    assert len(urls) > 20  # ours and the admin's
    for path, _name in urls:
        resolve(path)  # raises Resolver404 when a sample path is wrong


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_url_but_the_open_ones_wants_a_login(client, method):
    checked = 0
    for path, name in all_urls():
        if name in OPEN_VIEWS:
            continue
        response = getattr(client, method)(path)
        if path.startswith("/api/"):
            assert response.status_code == 401, path
            assert response.json()["error"] == "login_required"
        else:
            assert response.status_code == 302, path
            logins = ["/accounts/login/?next="]
            if path.startswith("/admin/"):  # the admin site also has its own login form
                logins.append("/admin/login/?next=")
            assert response["Location"].startswith(tuple(logins)), path
        checked += 1
    assert checked > 20


def test_only_the_open_views_are_marked_open():
    open_names = {
        name for path, name in all_urls() if not getattr(resolve(path).func, "login_required", True)
    }
    assert open_names == OPEN_VIEWS


@pytest.mark.django_db
def test_a_user_without_a_role_is_refused_everywhere(nobody):
    client = logged_in(nobody)
    for path, name in all_urls():
        if name in OPEN_VIEWS or name in OWN_ACCOUNT or path.startswith("/admin/"):
            continue  # the admin site checks staff status itself
        response = client.get(path)
        assert response.status_code == 403, path
    assert "no role" in client.get("/").content.decode()
    assert client.get("/api/overview").json()["error"] == "forbidden"


@pytest.mark.django_db
def test_an_expired_session_sends_htmx_refreshes_to_the_login_page(client):
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/"


@pytest.mark.django_db
def test_login_page_logs_in_and_returns_to_next(client, viewer):
    page = client.get("/accounts/login/?next=/audit/")
    assert page.status_code == 200
    response = client.post(
        "/accounts/login/", {"username": viewer.username, "password": PASSWORD, "next": "/audit/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/audit/"
    assert client.get("/audit/").status_code == 200


@pytest.mark.django_db
def test_wrong_password_is_refused(client, viewer):
    response = client.post("/accounts/login/", {"username": viewer.username, "password": "no"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_superusers_are_operators(django_user_model):
    from cacheadmin.web.roles import can_operate, role_name

    admin = django_user_model.objects.create_superuser("root-admin", password=PASSWORD)
    assert can_operate(admin, "default")
    assert role_name(admin, "default") == "operator"


@pytest.mark.django_db
def test_viewer_cannot_reset_statistics(services, viewer_client, redis_client):
    redis_client.get("missing")  # one miss in INFO
    assert viewer_client.get("/redis/reset-stats/").status_code == 403
    assert viewer_client.post("/redis/reset-stats/").status_code == 403
    assert redis_client.info("stats")["keyspace_misses"] == 1
    tried = AuditEntry.objects.values_list("action", "outcome", "target")  # the POST only
    assert list(tried) == [("access.forbidden", "refused", "POST /redis/reset-stats/")]
    overview = viewer_client.get("/").content.decode()
    assert "Reset statistics" not in overview


def test_a_user_with_roles_on_some_instances_reaches_their_own_pages(
    services, settings, tmp_path, redis_server, viewer
):
    """Their profile (where tokens are made), their instances' audit, the API's
    description; a token works under the instance's prefix."""
    from cacheadmin.models import InstanceRole
    from cacheadmin.web.tokens import token_create
    from tests.users import logged_in

    path = tmp_path / "instances.toml"
    path.write_text(f'[redis.cache]\nurl = "{redis_server.url_for(5)}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    viewer.groups.clear()
    InstanceRole.objects.create(user=viewer, instance="cache", role="viewer")
    client = logged_in(viewer)
    for page in ("/accounts/profile/", "/audit/", "/api/openapi.json", "/i/cache/audit/"):
        assert client.get(page).status_code == 200, page
    assert client.get("/keys/").status_code == 404  # default is not theirs
    _, secret = token_create(user=viewer, name="script")
    script = Client(headers={"Authorization": f"Bearer {secret}"})
    assert script.get("/i/cache/api/keys").status_code == 200
    assert script.get("/api/keys?instance=cache").status_code == 200
    assert script.get("/i/default/api/keys").status_code == 404


def test_the_switcher_on_a_404_links_to_our_pages_only(viewer_client):
    page = viewer_client.get("//evil.example/x").content.decode()
    assert "//evil.example" not in page


def test_a_role_on_one_database_reaches_no_other_of_its_server(
    services, settings, tmp_path, redis_server, viewer, operator
):
    """Two instances on one server, a role on each: a viewer of y read x's keys with
    ?db=, and an operator of x deleted a key of y with db=."""
    path = tmp_path / "instances.toml"
    path.write_text(
        f'[redis.x]\nurl = "{redis_server.url_for(2)}"\n\n'
        f'[redis.y]\nurl = "{redis_server.url_for(3)}"\n\n'
        f'[redis.z]\nurl = "{redis_server.url_for(4)}"\ndatabases = "all"\n'
    )
    settings.CACHEADMIN_INSTANCES = str(path)
    server_x, server_y = (redis_py.Redis(port=redis_server.port, db=n) for n in (2, 3))
    server_x.set("x-secret", "1")
    server_y.set("y-key", "1")
    InstanceRole.objects.create(user=viewer, instance="y", role="viewer")
    InstanceRole.objects.create(user=operator, instance="x", role="operator")
    peek = logged_in(viewer).get("/i/y/api/keys", {"db": 2})
    assert peek.status_code == 400 and "its own database, 3, only" in peek.json()["message"]
    assert logged_in(viewer).get("/i/y/api/keys", {"db": 3}).status_code == 200
    page = logged_in(viewer).get("/i/y/keys/").content.decode()
    assert "Database 3, this instance's own" in page and 'name="db"' not in page
    url = f"/i/x/keys/delete/{encode_key(b'y-key')}"
    refused = logged_in(operator).post(url, {"db": "3", "confirmed": "yes"})
    assert refused.status_code == 400 and server_y.exists("y-key")
    InstanceRole.objects.create(user=viewer, instance="z", role="viewer")
    assert logged_in(viewer).get("/i/z/api/keys", {"db": 2}).status_code == 200  # all
    assert 'name="db"' in logged_in(viewer).get("/i/z/keys/").content.decode()
    server_x.delete("x-secret")
