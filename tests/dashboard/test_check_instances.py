"""manage.py check_instances says each mistake where it is and tries each instance."""

from io import StringIO

from django.core.management import CommandError, call_command

from tests.servers import free_port


def check() -> tuple[str, str | None]:
    out = StringIO()
    try:
        call_command("check_instances", stdout=out, no_color=True)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


def test_every_instance_answers(services, settings, tmp_path, redis_server):
    path = tmp_path / "instances.toml"
    path.write_text(f'[redis.cache]\nurl = "{redis_server.url_for(2)}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    out, failed = check()
    assert failed is None, out
    assert "ok       redis    cache" in out and "Redis 7" in out and "master" in out
    assert "ok       rabbitmq default" in out and "RabbitMQ 3" in out
    assert "All 3 instances answered." in out


def test_mistakes_and_failures_are_said_and_fail(services, settings, tmp_path, monkeypatch):
    monkeypatch.setenv("DOWN_PASSWORD", "hunter2")
    path = tmp_path / "instances.toml"
    down = f'[redis.down]\nurl = "redis://:${{DOWN_PASSWORD}}@127.0.0.1:{free_port()}/0"\n'
    path.write_text(down + '\n[rabbitmq.half]\namqp_url = "amqp://h/"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    out, failed = check()
    assert failed == "1 mistake(s), 1 instance(s) failed."
    assert f"mistake  {path}: [rabbitmq.half] management_url: is missing" in out
    assert "FAILED   redis    down" in out and "not running or not reachable" in out
    assert "hunter2" not in out and ":***@127.0.0.1" in out


def test_a_password_with_reserved_characters_works_and_is_never_shown(
    services, settings, tmp_path, monkeypatch, redis_server, viewer_client
):
    password = "v#ult/p?ss@%41:x"
    redis_server.client().acl_setuser(
        "vaulted", enabled=True, passwords=[f"+{password}"], commands=["+@all"], keys=["*"]
    )
    monkeypatch.setenv("VAULT_PASSWORD", password)
    path = tmp_path / "instances.toml"
    url = f"redis://vaulted:${{VAULT_PASSWORD}}@127.0.0.1:{redis_server.port}/0"
    path.write_text(f'[redis.vaulted]\nurl = "{url}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    out, failed = check()
    assert failed is None, out
    assert "ok       redis    vaulted" in out and "vaulted:***@127.0.0.1" in out
    pages = [viewer_client.get(page).content.decode() for page in ("/", "/i/vaulted/")]
    assert all("vaulted:***@127.0.0.1" in page or "vaulted" in page for page in pages)
    for text in (out, *pages):
        assert not any(part in text for part in ("v#ult", "v%23ult", "p?ss", "p%3Fss"))


def test_a_healthy_cluster_passes_and_an_unreachable_one_fails(
    services, settings, tmp_path, redis_cluster
):
    redis_cluster.until_ok()
    dead = f"redis+cluster://127.0.0.1:{free_port()},127.0.0.1:{free_port()}"
    path = tmp_path / "instances.toml"
    path.write_text(f'[redis.big]\nurl = "{redis_cluster.url}"\n\n[redis.gone]\nurl = "{dead}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    out, failed = check()
    assert "ok       redis    big" in out and "cluster of 3 primaries, state ok" in out, out
    assert "FAILED   redis    gone" in out and failed == "0 mistake(s), 1 instance(s) failed."


SECRET = "Kq7#Zx?Vb/Nm@Wp%Rt:Ys"  # a vault's password, written into the URLs as it is


def pieces(text: str) -> list[str]:
    """Every 3-character piece of the secret found in text."""
    return [SECRET[n : n + 3] for n in range(len(SECRET) - 2) if SECRET[n : n + 3] in text]


def test_a_literal_password_a_url_cannot_hold_is_never_repeated(settings, viewer_client):
    """A parser read part of it as the host or port, and the messages repeated that:
    "Port could not be cast to integer value as 'Kq7'"."""
    settings.REDIS_URL = f"redis://:{SECRET}@127.0.0.1:{free_port()}/0"
    settings.RABBITMQ_URL = f"amqp://guest:{SECRET}@127.0.0.1:5672/%2F"
    settings.RABBITMQ_MANAGEMENT_URL = f"http://guest:{SECRET}@127.0.0.1:15672/"
    out, failed = check()
    assert failed and "Percent-encode" in out and not pieces(out), out
    overview = viewer_client.get("/api/overview").content.decode()
    assert "Percent-encode" in overview and not pieces(overview), overview
    for kind in ("redis", "rabbitmq"):
        row = viewer_client.get(f"/overview/row/{kind}").content.decode()
        assert "Percent-encode" in row and not pieces(row)
