#!/usr/bin/env python3
"""Make sure the services cacheadmin needs are installed and running on this machine.

Standard library only: it runs before the virtual environment exists. Services
whose configured URL points at another machine are left alone. Missing Debian
packages are installed when we are root (or have password-less sudo); otherwise
the script says exactly what to install and stops.

    python3 scripts/ensure_services.py            # Redis, RabbitMQ + management
    python3 scripts/ensure_services.py --tests    # also what the tests need: redis-server,
                                                  # the test broker's management API, Chromium
    python3 scripts/ensure_services.py --tests --postgres   # and PostgreSQL with a test role
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("CACHEADMIN_VAR_DIR", ROOT / "var"))
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", ""}
SBIN = ("/usr/sbin", "/sbin", "/usr/local/sbin")
_apt_updated = False


def say(message: str) -> None:
    print(f"[services] {message}", flush=True)


def fail(message: str) -> None:
    print(f"[services] ERROR: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def is_local(host: str | None) -> bool:
    return host is None or host in LOCAL_HOSTS or host.startswith("127.")


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for(check, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    fail(f"{what} did not come up within {seconds:.0f} s")


def find(command: str) -> str | None:
    found = shutil.which(command)
    if found:
        return found
    for folder in SBIN:
        candidate = Path(folder) / command
        if candidate.exists():
            return str(candidate)
    return None


def as_root(command: list[str]) -> list[str]:
    """The command to run it as root; stops with the exact command when we cannot."""
    if os.geteuid() == 0:
        return command
    sudo = shutil.which("sudo")
    if sudo and subprocess.run([sudo, "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n", *command]
    fail(f"this needs root; run it yourself, then run this again: sudo {' '.join(command)}")
    return []


def http_answers(url: str) -> bool:
    """Any HTTP answer (even 401) means the server is up."""
    try:
        urllib.request.urlopen(url, timeout=2)  # noqa: S310 (a local URL we built)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def apt_install(packages: list[str]) -> None:
    global _apt_updated
    wanted = " ".join(packages)
    if not shutil.which("apt-get"):
        fail(f"this machine has no apt-get: install {wanted} yourself, then run this again")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not _apt_updated:
        say("apt-get update")
        subprocess.run(as_root(["apt-get", "update", "-qq"]), check=True, env=env)
        _apt_updated = True
    say(f"installing {wanted} (Debian packages)")
    command = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]
    subprocess.run(as_root(command), check=True, env=env)


def has_systemd() -> bool:
    return Path("/run/systemd/system").is_dir() and shutil.which("systemctl") is not None


def redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0) as sock:
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
    except OSError:
        return False
    # +PONG, or -NOAUTH from a server that wants a password: both are up.
    return reply.startswith((b"+PONG", b"-NOAUTH", b"-ERR"))


def ensure_redis(url: str) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    if parts.scheme == "unix" or not is_local(host):
        say(f"REDIS_URL points at {host}: not managed from here")
        return
    if redis_answers(host, port):
        say(f"Redis answers on {host}:{port}")
        return
    if not find("redis-server"):
        apt_install(["redis-server"])
    if port_open(host, port):
        fail(f"something else listens on {host}:{port} and does not speak Redis")
    say(f"starting Redis on {host}:{port}")
    if has_systemd() and port == 6379:
        subprocess.run(as_root(["systemctl", "start", "redis-server"]), check=True)
    else:
        VAR.mkdir(parents=True, exist_ok=True)
        command = [find("redis-server"), "--daemonize", "yes", "--bind", host, "--port", str(port)]
        command += ["--save", "", "--appendonly", "no", "--dir", str(VAR)]
        command += ["--logfile", str(VAR / f"redis-{port}.log")]
        subprocess.run(command, check=True)
    wait_for(lambda: redis_answers(host, port), f"Redis on {host}:{port}", 15)
    say(f"Redis answers on {host}:{port}")


def ensure_rabbitmq(amqp_url: str, management_url: str) -> None:
    amqp = urlsplit(amqp_url)
    management = urlsplit(management_url)
    amqp_host, amqp_port = amqp.hostname or "127.0.0.1", amqp.port or 5672
    if not is_local(amqp_host):
        say(f"RABBITMQ_URL points at {amqp_host}: not managed from here")
    elif port_open(amqp_host, amqp_port):
        say(f"RabbitMQ answers on {amqp_host}:{amqp_port}")
    else:
        start_rabbitmq(amqp_host, amqp_port)
    web_host, web_port = management.hostname or "127.0.0.1", management.port or 15672
    if not is_local(web_host):
        say(f"RABBITMQ_MANAGEMENT_URL points at {web_host}: not managed from here")
        return
    if port_open(web_host, web_port):
        say(f"RabbitMQ management API answers on {web_host}:{web_port}")
        return
    say("enabling the rabbitmq_management plugin")
    plugins = find("rabbitmq-plugins")
    if not plugins:
        fail("rabbitmq-plugins is missing: install rabbitmq-server")
    subprocess.run(as_root([plugins, "enable", "rabbitmq_management"]), check=True)
    api = f"http://{web_host}:{web_port}/api/overview"
    wait_for(lambda: http_answers(api), "the management API", 90)
    say(f"RabbitMQ management API answers on {web_host}:{web_port}")


def start_rabbitmq(host: str, port: int) -> None:
    if not find("rabbitmq-server"):
        apt_install(["rabbitmq-server"])
    if port_open(host, port):  # the package may have started it
        return
    say("starting RabbitMQ")
    if has_systemd():
        subprocess.run(as_root(["systemctl", "start", "rabbitmq-server"]), check=True)
    else:
        subprocess.run(as_root([find("rabbitmq-server"), "-detached"]), check=True)
    wait_for(lambda: port_open(host, port), f"RabbitMQ on {host}:{port}", 90)
    say(f"RabbitMQ answers on {host}:{port}")


def ensure_test_tools() -> None:
    """The tests start their own redis-server and Prometheus, check the shipped alerting
    rules with promtool, and drive Debian's Chromium."""
    wanted = []
    if not find("redis-server"):
        wanted.append("redis-server")
    if not Path("/usr/bin/chromium").exists():
        wanted += ["chromium", "fonts-dejavu-core"]
    if not Path("/usr/bin/promtool").exists():
        wanted.append("prometheus")
    if wanted:
        apt_install(wanted)
    say("redis-server, Prometheus and Chromium are installed for the tests")


POSTGRES_ROLE = "cacheadmin"  # the tests' role: it may create their throwaway database
# Constant SQL, nothing from outside in it.
ROLE_EXISTS = "SELECT 1 FROM pg_roles WHERE rolname = 'cacheadmin'"
CREATE_ROLE = "CREATE ROLE cacheadmin LOGIN CREATEDB PASSWORD 'cacheadmin'"


def ensure_postgres(host: str = "127.0.0.1", port: int = 5432) -> None:
    """A PostgreSQL server on this machine, and a role for the tests' throwaway database."""
    if not port_open(host, port):
        if not find("pg_ctlcluster"):
            apt_install(["postgresql"])
        if not port_open(host, port):
            say("starting PostgreSQL")
            start_postgres()
        wait_for(lambda: port_open(host, port), f"PostgreSQL on {host}:{port}", 60)
    say(f"PostgreSQL answers on {host}:{port}")
    if run_sql(ROLE_EXISTS).strip() != "1":
        say(f"creating the role {POSTGRES_ROLE} (it may create databases)")
        run_sql(CREATE_ROLE)


def start_postgres() -> None:
    if has_systemd():
        subprocess.run(as_root(["systemctl", "start", "postgresql"]), check=True)
        return
    for cluster in sorted(Path("/etc/postgresql").glob("*/main")):
        version = cluster.parent.name
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"]
        subprocess.run(as_root(command), check=True)
        return
    fail("no PostgreSQL cluster in /etc/postgresql: apt-get install postgresql")


def run_sql(sql: str) -> str:
    """As the postgres superuser, through the local socket (Debian's peer login)."""
    psql = find("psql") or fail("psql is missing: apt-get install postgresql-client")
    command = ["runuser", "-u", "postgres", "--", psql, "-tAc", sql]
    if os.geteuid() != 0:
        command = ["sudo", "-n", "-u", "postgres", psql, "-tAc", sql]
    result = subprocess.run(command, capture_output=True, text=True, cwd="/")
    if result.returncode != 0:
        fail(f"psql as postgres failed: {result.stderr.strip()}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", action="store_true", help="also what the tests need")
    parser.add_argument("--postgres", action="store_true", help="also PostgreSQL, for the tests")
    args = parser.parse_args()
    ensure_redis(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    ensure_rabbitmq(
        os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
        os.environ.get("RABBITMQ_MANAGEMENT_URL", "http://guest:guest@127.0.0.1:15672/"),
    )
    if args.tests:
        # The tests make a throwaway vhost through this API, whatever RABBITMQ_URL says.
        test_api = os.environ.get("TEST_RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672/")
        ensure_rabbitmq("amqp://127.0.0.1:5672/", test_api)
        ensure_test_tools()
    if args.postgres:
        ensure_postgres()


if __name__ == "__main__":
    main()
