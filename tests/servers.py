"""Private service instances for the tests: never the user's data."""

import contextlib
import os
import random
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import redis
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode
from redis.retry import Retry

from cacheadmin.gateways.redis_kinds.cluster import ClusterKeyspace
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace
from cacheadmin.gateways.redis_kinds.single import ServerKeyspace

ROOT = Path(__file__).resolve().parents[1]

PURE = os.environ.get("CACHEADMIN_PURE_TESTS") == "1"  # set by make test-pure


def refuse_in_pure_run(what: str) -> None:
    """Fail the test loudly when a pure run (make test-pure) reaches for a service."""
    if PURE:
        message = f"A pure test reached for {what}: ask for the fixture (services, ...)."
        pytest.fail(message, pytrace=False)


def redis_server_binary() -> str:
    """The redis-server program: never started by a pure test."""
    refuse_in_pure_run("a redis-server")
    return shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(client: redis.Redis, process: subprocess.Popen, seconds: float = 10) -> bool:
    """Whether a freshly started process answers, itself, before it exits or time runs
    out. It exits at once when something else took its port meanwhile; that something
    may answer in its place (another test worker's server), or hold the connection
    without a word (keep the client's timeout short)."""
    deadline = time.monotonic() + seconds
    try:
        while process.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                return client.info("server")["process_id"] == process.pid
            time.sleep(0.05)
        return False
    finally:
        client.close()


class RedisServer:
    """A redis-server process on a free port, with no persistence, in a temp folder."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return self.url_for(0)

    def url_for(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def options(self) -> list[str]:
        """How it listens: plain TCP on its port."""
        return ["--port", str(self.port)]

    fixed_port = False  # a cluster node's port is known to the others: it stays

    def start(self, *, replica_of: int | None = None) -> "RedisServer":
        """Start it (a replica of the server on replica_of, if given), until it answers;
        on a port picked afresh if another process (the other test worker's) took its
        port since it was picked, unless it is fixed."""
        for _ in range(5):
            command = self._command()
            if replica_of is not None:
                command += ["--replicaof", "127.0.0.1", str(replica_of)]
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
            if answers(self.client(), self.process):
                return self
            self.process.kill()
            self.process.wait(timeout=10)
            if self.fixed_port:
                break
            self.port = free_port()
        log = self.workdir / "redis.log"
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-10:]) if log.exists() else ""
        raise RuntimeError(f"redis-server did not start on port {self.port}:\n{tail}")

    def _command(self) -> list[str]:
        binary = redis_server_binary()
        command = [binary, *self.options(), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.workdir)]
        return command + ["--logfile", str(self.workdir / "redis.log")]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)


def database_url(database: dict) -> str:
    """The tests' database as a DATABASE_URL, for processes of their own (workers, daphne)."""
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    user = database.get("USER") or ""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{database['NAME']}"


def dashboard_env(settings) -> dict[str, str]:
    """The environment of a dashboard process on the tests' database and services."""
    return {
        "DATABASE_URL": database_url(settings.DATABASES["default"]),
        "REDIS_URL": settings.REDIS_URL,
        "DASHBOARD_REDIS_URL": settings.DASHBOARD_REDIS_URL,
        "RABBITMQ_URL": settings.RABBITMQ_URL,
        "RABBITMQ_MANAGEMENT_URL": settings.RABBITMQ_MANAGEMENT_URL,
    }


class Daphne:
    """The dashboard under daphne (dashboard.serve) in a process of its own (websockets
    need ASGI), with these environment variables on top of ours."""

    def __init__(self, env: dict[str, str], *options: str):
        self.options = options  # daphne's own, such as --proxy-headers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env}
        self.process: subprocess.Popen | None = None

    def start(self) -> "Daphne":
        command = [sys.executable, "-m", "dashboard.serve", "-b", "127.0.0.1", "-p", str(self.port)]
        self.process = subprocess.Popen(
            [*command, *self.options],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(self.url + "/healthz", timeout=1)
                return self
            except httpx.TransportError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"daphne did not start on port {self.port}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class SentinelSet:
    """A master, a replica and three sentinels (or as many as asked) watching them as
    `service`, on free ports, each a redis-server process in workdir; failovers are fast
    (a second)."""

    def __init__(self, workdir: Path, service: str = "sessions", sentinels: int = 3):
        self.workdir = workdir
        self.service = service
        self.master = RedisServer(workdir / "master")
        self.replica = RedisServer(workdir / "replica")
        self.sentinel_ports = [free_port() for _ in range(sentinels)]
        self.sentinels: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        return f"redis+sentinel://{hosts}/{self.service}/0"

    def start(self) -> "SentinelSet":
        for server in (self.master, self.replica):
            server.workdir.mkdir(parents=True, exist_ok=True)
        self.master.start()
        self.replica.start()
        self.replica.client().replicaof("127.0.0.1", self.master.port)
        self._until(lambda: self.replica.client().info("replication")["master_link_status"] == "up")
        for index in range(len(self.sentinel_ports)):
            self.sentinels.append(self._start_sentinel(index))
        self._until(self._sentinels_agree)
        return self

    def _start_sentinel(self, index: int) -> subprocess.Popen:
        """The index-th sentinel, on its port or, if another process (the other test
        worker's servers, an outgoing connection) took that port since it was picked,
        on a port picked afresh."""
        for _ in range(5):
            port = self.sentinel_ports[index]
            process = self._sentinel_process(port)
            probe = redis.Redis(port=port, socket_timeout=0.5, retry=Retry(NoBackoff(), 0))
            if answers(probe, process):
                return process
            process.kill()
            process.wait(timeout=10)
            self.sentinel_ports[index] = free_port()
        raise RuntimeError(f"no sentinel would start:\n{self._logs()}")

    def _sentinel_process(self, port: int) -> subprocess.Popen:
        config = self.workdir / f"sentinel-{port}.conf"
        config.write_text(
            f"port {port}\nbind 127.0.0.1\ndir {self.workdir}\n"
            f"logfile {self.workdir / f'sentinel-{port}.log'}\n"
            f"sentinel monitor {self.service} 127.0.0.1 {self.master.port} {self._quorum}\n"
            f"sentinel down-after-milliseconds {self.service} 1000\n"
            f"sentinel failover-timeout {self.service} 3000\n"
            f"sentinel parallel-syncs {self.service} 1\n"
        )
        binary = redis_server_binary()
        return subprocess.Popen([binary, str(config), "--sentinel"], stdout=subprocess.DEVNULL)

    def _logs(self, lines: int = 15) -> str:
        """The last lines of every sentinel's log, to say why a set did not settle."""
        tails = []
        for log in sorted(self.workdir.glob("sentinel-*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            tails.append(f"--- {log.name}\n" + "\n".join(tail))
        return "\n".join(tails)

    def sentinel(self, index: int = 0) -> redis.Redis:
        return redis.Redis(port=self.sentinel_ports[index], decode_responses=True)

    @property
    def _quorum(self) -> int:
        return min(2, len(self.sentinel_ports))

    def _sentinels_agree(self) -> bool:
        """Every sentinel knows the replica and the other sentinels."""
        others = len(self.sentinel_ports) - 1
        try:
            for index in range(len(self.sentinel_ports)):
                master = self.sentinel(index).sentinel_master(self.service)
                if master["num-slaves"] < 1 or master["num-other-sentinels"] < others:
                    return False
        except redis.RedisError:
            return False
        return True

    def master_port(self) -> int:
        return self._master_port_of(0)

    def settle(self) -> "SentinelSet":
        """Until every sentinel names the same master and sees every replica linked to
        it, reporting itself a replica, and the master sees their sync done. One
        sentinel's view is not enough: another that still takes a restarted server for
        a master turns it back into a replica later, even while a failover promotes it
        (the failover then aborts)."""

        def linked() -> bool:
            for index in range(len(self.sentinel_ports)):
                view = self.sentinel(index)
                if view.sentinel_master(self.service)["flags"] != "master":
                    return False
                replicas = view.sentinel_slaves(self.service)
                if not replicas or not all(_replica_settled(r) for r in replicas):
                    return False
            if len(self._named_masters()) > 1:
                return False
            # and the master sees the sync done (a replica in full sync is wait_bgsave)
            info = self.master_client().info("replication")
            states = [info[f"slave{n}"]["state"] for n in range(info["connected_slaves"])]
            return bool(states) and all(state == "online" for state in states)

        self._until(linked)
        return self

    def _master_port_of(self, index: int) -> int:
        return int(self.sentinel(index).sentinel_get_master_addr_by_name(self.service)[1])

    def master_client(self) -> redis.Redis:
        return redis.Redis(port=self.master_port())

    def _server_on(self, port: int) -> RedisServer:
        return self.master if self.master.port == port else self.replica

    def kill_master(self) -> int:
        """The master's process killed; once the sentinels promoted the replica, the old
        master comes back as a replica of it. The new master's port."""
        old = self._server_on(self.master_port())
        old.process.kill()
        old.process.wait(timeout=10)
        self._until(lambda: self.master_port() != old.port, seconds=30)
        # back as a replica of the new master, as the sentinels would make it: they look
        # at a server's role every 10 s, which made each such test wait 20 s to settle
        old.start(replica_of=self.master_port())
        return self.master_port()

    def failover(self) -> int:
        """SENTINEL FAILOVER, until every sentinel names the replica the master; then
        the old master made its replica, as the sentinels would (they find it still a
        master at their next look at its role, up to 10 s later, which made each such
        test wait 15 s to settle). The new master's port."""
        before = self.master_port()
        self.sentinel().sentinel_failover(self.service)
        self._until(lambda: self._named_masters() == {self._other(before)}, seconds=30)
        new = self.master_port()
        # as a sentinel does it: one transaction, and every client's link cut after it
        with self._server_on(before).client().pipeline(transaction=True) as pipe:
            pipe.replicaof("127.0.0.1", new)
            pipe.execute_command("CLIENT", "KILL", "TYPE", "normal")
            pipe.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
            pipe.execute()
        return new

    def _named_masters(self) -> set[int]:
        return {self._master_port_of(index) for index in range(len(self.sentinel_ports))}

    def _other(self, port: int) -> int:
        return self.replica.port if port == self.master.port else self.master.port

    def _until(self, check, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while not check():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the sentinel set did not settle:\n{self._logs()}")
            time.sleep(0.1)

    def stop(self) -> None:
        for process in self.sentinels:
            process.terminate()
            process.wait(timeout=10)
        self.replica.stop()
        self.master.stop()


def _replica_settled(replica: dict) -> bool:
    return (
        replica.get("flags") == "slave"
        and replica.get("role-reported") == "slave"
        and replica.get("master-link-status") == "ok"
    )


def make_certificates(folder: Path, name: str = "ca") -> dict[str, Path]:
    """A CA of its own, and a server certificate for 127.0.0.1 and a client one signed
    by it, made with openssl."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {part: folder / f"{name}-{part}" for part in ("ca.crt", "ca.key")}

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
        "-keyout", str(files["ca.key"]), "-out", str(files["ca.crt"]))  # fmt: skip
    extensions = folder / "san.cnf"
    extensions.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for who in ("server", "client"):
        key, request, certificate = (
            folder / f"{name}-{who}.{ext}" for ext in ("key", "csr", "crt")
        )
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={who}",
            "-keyout", str(key), "-out", str(request))  # fmt: skip
        run("x509", "-req", "-in", str(request), "-CA", str(files["ca.crt"]),
            "-CAkey", str(files["ca.key"]), "-CAcreateserial", "-days", "2",
            "-extfile", str(extensions), "-out", str(certificate))  # fmt: skip
        files[f"{who}.key"], files[f"{who}.crt"] = key, certificate
    return files


class TlsRedisServer(RedisServer):
    """A redis-server that speaks TLS only, with certificates of its own CA; clients
    must show a certificate of that CA too."""

    def __init__(self, workdir: Path, files: dict[str, Path] | None = None):
        super().__init__(workdir)
        self.files = files or make_certificates(workdir / "tls")

    @property
    def url(self) -> str:
        return f"rediss://127.0.0.1:{self.port}/0"

    def options(self) -> list[str]:
        options = ["--port", "0", "--tls-port", str(self.port)]
        options += ["--tls-cert-file", str(self.files["server.crt"])]
        options += ["--tls-key-file", str(self.files["server.key"])]
        return options + ["--tls-ca-cert-file", str(self.files["ca.crt"])]

    def client(self) -> redis.Redis:
        return redis.Redis(
            port=self.port,
            ssl=True,
            ssl_ca_certs=str(self.files["ca.crt"]),
            ssl_certfile=str(self.files["client.crt"]),
            ssl_keyfile=str(self.files["client.key"]),
        )


class TlsProxy:
    """A TLS front for a local plain TCP port (RabbitMQ's AMQP or management port), with
    a certificate of the given CA's: what a broker that speaks AMQPS and HTTPS looks like
    to the dashboard."""

    def __init__(self, target_port: int, files: dict[str, Path]):
        self.target_port = target_port
        self.port = free_port()
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(files["server.crt"], files["server.key"])
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.stopped = threading.Event()

    def start(self) -> "TlsProxy":
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            secure = self.context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            client.close()  # a handshake the client gave up (a CA it does not trust)
            return
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        threading.Thread(target=_pump, args=(secure, upstream), daemon=True).start()
        _pump(upstream, secure)

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Bytes from source to sink until either side closes; then both are closed."""
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    for side in (source, sink):
        with contextlib.suppress(OSError):
            side.close()


def cluster_ports(count: int) -> list[int]:
    """Free ports whose cluster bus port (+10000) is free too: nodes' ports from 10000 to
    19999, bus ports from 20000 to 29999, so that no cluster's node takes another's bus
    port (seen in CI: a node aborting on a bus port in use), and both below the kernel's
    ephemeral range (32768 and up on Linux), where any outgoing connection could take a
    port between its check and the node's bind (free_port's ports are there)."""
    ports: list[int] = []
    while len(ports) < count:
        port = random.randrange(10000, 20000)
        if all(_port_free(p) for p in (port, port + 10000)) and port not in ports:
            ports.append(port)
    return ports


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class ClusterSet:
    """A Redis Cluster of three primaries and three replicas (or as many as asked) on
    free ports (each also listening on its port + 10000), made by redis-cli --cluster
    create."""

    def __init__(self, workdir: Path, primaries: int = 3, replicas: int = 1):
        self.workdir = workdir
        self.replicas = replicas
        count = primaries * (1 + replicas)
        self.nodes = [self.new_node(workdir / f"node-{index}") for index in range(count)]
        for node, port in zip(self.nodes, cluster_ports(count), strict=True):
            node.port, node.fixed_port = port, True
            node.options = lambda node=node: [
                *self.server_options(node), "--cluster-enabled", "yes",
                "--cluster-config-file", f"nodes-{node.port}.conf",
                "--cluster-node-timeout", "2000",
            ]  # fmt: skip

    def new_node(self, workdir: Path) -> RedisServer:
        return RedisServer(workdir)

    def server_options(self, node: RedisServer) -> list[str]:
        return ["--port", str(node.port)]

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{node.port}" for node in self.nodes[:3])
        return f"redis+cluster://{hosts}"

    def start(self) -> "ClusterSet":
        try:
            self._start()
        except BaseException:
            self.stop()  # the nodes that started would outlive the run
            raise
        return self

    def _start(self) -> None:
        for node in self.nodes:
            node.workdir.mkdir(parents=True, exist_ok=True)
            node.start()
        cli = shutil.which("redis-cli") or "/usr/bin/redis-cli"
        addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
        command = [cli, *self.cli_options(), "--cluster", "create", *addresses]
        command += ["--cluster-replicas", str(self.replicas)]
        subprocess.run([*command, "--cluster-yes"], check=True, capture_output=True, timeout=60)
        self.until_ok()

    def cli_options(self) -> list[str]:
        return []

    def until_ok(self, seconds: float = 30, nodes: list[RedisServer] | None = None) -> None:
        """Until every node (or those given) says cluster_state:ok, replicas linked."""
        deadline = time.monotonic() + seconds
        while not all(self._ok(node) for node in nodes or self.nodes):
            if time.monotonic() > deadline:
                raise RuntimeError("the cluster did not come up")
            time.sleep(0.2)

    def node_at(self, address: str) -> RedisServer:
        port = int(address.rpartition(":")[2])
        return next(node for node in self.nodes if node.port == port)

    def replica_of(self, primary: RedisServer) -> RedisServer:
        return next(
            node
            for node in self.nodes
            if node.client().info("replication").get("master_port") == primary.port
        )

    def failover(self, primary: RedisServer) -> RedisServer:
        """CLUSTER FAILOVER on the primary's replica; returns it, now the primary."""
        replica = self.replica_of(primary)
        replica.client().execute_command("CLUSTER FAILOVER")
        self._until_primary(replica)
        return replica

    def kill(self, primary: RedisServer) -> RedisServer:
        """Stop a primary until its replica is promoted; returns the new primary. The
        killed one is restarted afterwards by revive()."""
        replica = self.replica_of(primary)
        primary.stop()
        self._until_primary(replica, others=[node for node in self.nodes if node is not primary])
        return replica

    def revive(self, node: RedisServer) -> None:
        """Start a killed node again: it rejoins as a replica."""
        node.start()
        self.until_ok(seconds=60)

    def _until_primary(self, node: RedisServer, others: list | None = None) -> None:
        deadline = time.monotonic() + 30
        while node.client().info("replication")["role"] != "master":
            if time.monotonic() > deadline:
                raise RuntimeError("the replica was not promoted")
            time.sleep(0.1)
        self.until_ok(nodes=others)

    @staticmethod
    def _ok(node: RedisServer) -> bool:
        """The cluster is ok for this node, and a replica's link to its primary is up."""
        try:
            client = node.client()
            replication = client.info("replication")
            linked = replication["role"] == "master" or replication["master_link_status"] == "up"
            return linked and client.cluster("info")["cluster_state"] == "ok"
        except redis.RedisError:
            return False

    def primaries(self) -> list[RedisServer]:
        return [
            node for node in self.nodes if node.client().info("replication")["role"] == "master"
        ]

    def start_moving(
        self, slot: int, source: RedisServer, target: RedisServer, keys: list[bytes]
    ) -> None:
        """Resharding half done: the slot migrating from source to target, these keys of
        it moved already (asked for them, source answers ASK; the rest it still serves)."""
        source_id, target_id = (node.client().cluster("myid") for node in (source, target))
        target.client().cluster("setslot", slot, "importing", source_id)
        source.client().cluster("setslot", slot, "migrating", target_id)
        for key in keys:
            source.client().migrate("127.0.0.1", target.port, key, 0, 5000)

    def finish_moving(self, slot: int, target: RedisServer) -> None:
        """The slot's move done: target first, then every other primary, told that target
        serves it (asked there, the others answer MOVED)."""
        target_id = target.client().cluster("myid")
        others = [node for node in self.primaries() if node is not target]
        for node in [target, *others]:
            node.client().cluster("setslot", slot, "node", target_id)
        self.until_ok()

    def move_slot(self, slot: int, source: RedisServer, target: RedisServer) -> None:
        """The whole slot, every key of it, moved from source to target."""
        keys = source.client().cluster("getkeysinslot", slot, 100_000)
        self.start_moving(slot, source, target, keys)
        self.finish_moving(slot, target)

    def give_back(self, slot: int, owner: RedisServer) -> None:
        """A slot moved, or half moved, given back to owner with its keys."""
        for node in self.primaries():  # a half-done move called off
            node.client().cluster("setslot", slot, "stable")
        client = self.client()
        now = self.node_at(client.nodes_manager.get_node_from_slot(slot).name)
        client.close()
        if now is not owner:
            self.move_slot(slot, now, owner)
        self.until_ok()

    def client(self) -> redis.RedisCluster:
        """A client that starts from every node still running (a killed one would leave
        a client that knows only it nothing to ask)."""
        running = [node for node in self.nodes if node.process and node.process.poll() is None]
        nodes = [ClusterNode("127.0.0.1", node.port) for node in running]
        return redis.RedisCluster(startup_nodes=nodes)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


class TlsClusterSet(ClusterSet):
    """A cluster that speaks TLS only, clients and cluster bus alike, with certificates
    of its own CA (clients show one too)."""

    def __init__(self, workdir: Path):
        self.files = make_certificates(workdir / "tls")
        super().__init__(workdir)

    def new_node(self, workdir: Path) -> RedisServer:
        return TlsRedisServer(workdir, files=self.files)

    def server_options(self, node: RedisServer) -> list[str]:
        tls = TlsRedisServer.options(node)
        return [*tls, "--tls-cluster", "yes", "--tls-replication", "yes"]

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{node.port}" for node in self.nodes[:3])
        return f"rediss+cluster://{hosts}"

    def cli_options(self) -> list[str]:
        files = self.files
        return ["--tls", "--cacert", str(files["ca.crt"]), "--cert", str(files["client.crt"])] + [
            "--key",
            str(files["client.key"]),
        ]

    def client(self) -> redis.RedisCluster:
        return redis.RedisCluster(
            host="127.0.0.1",
            port=self.nodes[0].port,
            ssl=True,
            ssl_ca_certs=str(self.files["ca.crt"]),
            ssl_certfile=str(self.files["client.crt"]),
            ssl_keyfile=str(self.files["client.key"]),
        )


def keyspace_of(client: redis.Redis) -> Keyspace:
    """The dashboard's Keyspace over a test's own client (a RedisCluster's, or one
    server's), for calling capability code directly."""
    if isinstance(client, redis.RedisCluster):
        return ClusterKeyspace(client)
    return ServerKeyspace(client)
