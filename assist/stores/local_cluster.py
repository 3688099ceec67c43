"""A real Redis Cluster on this machine, for the tests and the benchmarks (never the service's own store).

``LocalRedisCluster`` starts ``masters`` redis-server processes with ``--cluster-enabled yes`` on free ports, in a
folder of the caller's, and joins them with ``redis-cli --cluster create`` (no replicas), the way an operator
builds one, so that the cluster code paths run against the real thing rather than a single server.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

__all__ = ["LocalRedisCluster"]

BUS_PORT_OFFSET = 10000
"""A node's cluster bus listens on its port + 10000 (the default, which every Redis version keeps)."""


class LocalRedisCluster:
    """``url`` names the first node with the ``redis+cluster`` scheme, as ``ASSIST_REDIS_URL`` would."""

    def __init__(self, directory: Path, masters: int = 3) -> None:
        self.directory = directory
        self.ports = free_cluster_ports(masters)
        self.url = f"redis+cluster://127.0.0.1:{self.ports[0]}"
        self.processes: list[subprocess.Popen[bytes]] = []

    @staticmethod
    def missing_binaries() -> list[str]:
        """The programs a local cluster needs that are not on PATH (redis-server, redis-cli)."""
        return [name for name in ("redis-server", "redis-cli") if shutil.which(name) is None]

    def start(self, timeout: float = 30.0) -> LocalRedisCluster:
        """Start the nodes, assign every slot, and wait until each node reports ``cluster_state:ok`` and knows
        the others. Raises RuntimeError (with redis-cli's output) when it does not come up; what was started
        is stopped then."""
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            for port in self.ports:
                self.processes.append(subprocess.Popen(
                    [str(shutil.which("redis-server")), "--port", str(port), "--bind", "127.0.0.1",
                     "--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf",
                     "--cluster-node-timeout", "5000", "--save", "", "--appendonly", "no",
                     "--dir", str(self.directory), "--daemonize", "no", "--loglevel", "warning",
                     "--logfile", str(self.directory / f"{port}.log")],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            deadline = time.monotonic() + timeout
            for port in self.ports:
                while not _answers(port):
                    self._check_alive(deadline)
                    time.sleep(0.05)
            created = subprocess.run(
                [str(shutil.which("redis-cli")), "--cluster", "create",
                 *(f"127.0.0.1:{port}" for port in self.ports), "--cluster-replicas", "0", "--cluster-yes"],
                capture_output=True, text=True, timeout=timeout)
            if created.returncode != 0:
                raise RuntimeError(f"redis-cli --cluster create failed: {created.stdout}{created.stderr}")
            while not all(self._node_ok(port) for port in self.ports):
                self._check_alive(deadline)
                time.sleep(0.1)
        except BaseException:
            self.stop()
            raise
        return self

    def _node_ok(self, port: int) -> bool:
        client = redis.Redis(port=port, socket_connect_timeout=1, decode_responses=True)
        try:
            info = client.cluster("INFO")
            return bool(info.get("cluster_state") == "ok"
                        and int(info.get("cluster_known_nodes", 0)) == len(self.ports))
        finally:
            client.close()

    def _check_alive(self, deadline: float) -> None:
        if any(p.poll() is not None for p in self.processes):
            raise RuntimeError(f"a cluster redis-server exited; see the logs in {self.directory}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the Redis Cluster on ports {self.ports} did not come up in time")

    def stop(self) -> None:
        """Stop every node (SIGTERM, then SIGKILL after 15 s); the folder is the caller's to remove."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes = []


def _answers(port: int) -> bool:
    client = redis.Redis(port=port, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_cluster_ports(count: int) -> list[int]:
    """``count`` free ports, each with its cluster bus port (port + 10000) free too."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port + BUS_PORT_OFFSET <= 65535 and port not in ports and _free(port + BUS_PORT_OFFSET):
            ports.append(port)
    return ports
