"""Real brokers for the queued-ingest tests: the machine's Redis (6379) and RabbitMQ (5672)
when reachable, else throwaway ones started from the installed binaries on free ports."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from contextlib import suppress
from pathlib import Path

REDIS_URL = os.environ.get("INFOCITY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
AMQP_URL = os.environ.get("INFOCITY_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_reachable(url: str = REDIS_URL) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except Exception:
        return False


def amqp_reachable(url: str = AMQP_URL) -> bool:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
            return True
    except Exception:
        return False


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


_NO_DISK = ("--save", "", "--appendonly", "no", "--dir")


class ThrowawayRedis:
    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found (apt-get install redis-server)")
        self.dir = Path(tempfile.mkdtemp(prefix="infocity-redis-"))
        self.port = free_port()
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", *_NO_DISK, str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_until(lambda: redis_reachable(self.url), 30):
            self.close()
            raise RuntimeError("the throwaway redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def close(self) -> None:
        self.proc.terminate()
        with suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class ThrowawayRabbit:
    """A RabbitMQ node of our own (its own name, ports, database and logs)."""

    def __init__(self) -> None:
        server = "/usr/sbin/rabbitmq-server"
        if not Path(server).exists():
            raise RuntimeError("rabbitmq-server not found (apt-get install rabbitmq-server)")
        self.dir = Path(tempfile.mkdtemp(prefix="infocity-rabbit-"))
        self.port = free_port()
        self.node = f"infocity{uuid.uuid4().hex[:8]}@localhost"
        (self.dir / "mnesia").mkdir()
        (self.dir / "log").mkdir()
        (self.dir / "enabled_plugins").write_text("[].\n")
        # Our own configuration: the machine's may name the standard port.
        (self.dir / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        if os.geteuid() == 0:  # Debian's rabbitmq-server runs the node as the rabbitmq user
            for path in (self.dir, *self.dir.iterdir()):
                shutil.chown(path, "rabbitmq")
        self.env = {
            **os.environ,
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.dir / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.dir / "pid"),
            "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq.conf"),
        }
        self.proc = subprocess.Popen(
            [server],
            env=self.env,
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if not wait_until(lambda: amqp_reachable(self.url), 120):
            self.close()
            raise RuntimeError("the throwaway rabbitmq-server did not start")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def close(self) -> None:
        with suppress(Exception):
            subprocess.run(
                ["/usr/sbin/rabbitmqctl", "-n", self.node, "stop"],
                env=self.env,
                capture_output=True,
                timeout=60,
            )
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, 9)
        with suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def drop_queue(url: str, queue: str) -> None:
    """Removes a test's queue from the broker (the machine's broker outlives the tests)."""
    from kombu import Connection

    with Connection(url, connect_timeout=3) as conn:
        channel = conn.default_channel
        with suppress(Exception):  # a queue never declared has nothing to purge
            channel.queue_purge(queue)
        with suppress(Exception):
            channel.queue_delete(queue)
