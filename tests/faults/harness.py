"""Real processes for the fault suite: a private PostgreSQL cluster and Redis server (so they can
be killed, flushed and restarted without touching the machine's own), and the project's Celery
worker, Celery beat and ``run_scheduler`` dispatcher as subprocesses.

Everything here is bounded: every wait has a timeout, and every process started is killed at
the end of its test.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess  # nosec B404 - the suite starts real servers and workers on purpose
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
APP_ROLE = os.environ.get("TEST_DATABASE_APP_ROLE", "erp_app")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], object], *, timeout: float, what: str, every=0.2):
    """Poll ``condition`` until it is truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} not found: the fault suite needs PostgreSQL's server binaries")
    return path


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the ``postgres`` account then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class PostgresCluster:
    """A throwaway cluster on its own port, owned by ``postgres`` with trust authentication."""

    def __init__(self, base: Path):
        self.dir = base / "pg"
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = free_port()

    def start_new(self) -> None:
        self.dir.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        subprocess.run(  # nosec B603
            _as_postgres(
                [
                    _pg_bin("initdb"),
                    *("-D", str(self.data), "-U", "postgres", "--auth=trust"),
                    *("--encoding=UTF8", "--locale=C.UTF-8", "-N"),
                ]
            ),
            check=True,
            capture_output=True,
        )
        self.start()

    def _ctl(self, *args: str) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(  # nosec B603
            [
                *_as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log)]),
                *("-o", options, "-w", "-t", "60", *args),
            ],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        """A fast restart: every session is cut off, as when the server crashes and recovers."""
        self._ctl("-m", "fast", "restart")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("-m", "immediate", "stop")

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgres://{user}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True
        )


class RedisServer:
    """A Redis server on its own port, keeping nothing on disk (as the machine's)."""

    def __init__(self, base: Path):
        self.port = free_port()
        self.log = base / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(  # nosec B603
            [
                *(server, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_until(self.ping, timeout=20, what="Redis to start")

    def ping(self) -> bool:
        try:
            return self.command("PING") == "PONG"
        except OSError:
            return False

    def command(self, *args: str) -> str:
        """One command over the wire protocol; the reply's first line, without its type mark."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            payload = f"*{len(args)}\r\n" + "".join(f"${len(a)}\r\n{a}\r\n" for a in args)
            sock.sendall(payload.encode())
            return sock.recv(65536).decode().split("\r\n")[0][1:]

    def queued(self, queue: str = "celery") -> int:
        return int(self.command("LLEN", queue))

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class Processes:
    """The project's processes started by one test, each in its own process group, logged to
    files; all killed when the test ends."""

    def __init__(self, base: Path, env: dict[str, str]):
        self.base = base
        self.env = env
        self.started: list[tuple[str, subprocess.Popen, Path]] = []

    def _start(self, name: str, args: list[str], **env: str) -> subprocess.Popen:
        log = self.base / f"{name}-{len(self.started)}.log"
        process = subprocess.Popen(  # nosec B603
            [sys.executable, *args],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append((name, process, log))
        return process

    def worker(self, concurrency: int = 2, **env: str) -> subprocess.Popen:
        """A Celery worker with a prefork pool, ready to take tasks when this returns."""
        n = len(self.started)
        process = self._start(
            "worker",
            [
                *("-m", "celery", "-A", "tests.faults.worker_app", "worker", "-P", "prefork"),
                *("-c", str(concurrency), "-l", "INFO", "-n", f"faults{n}@%h"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            **env,
        )
        log = self.started[-1][2]
        wait_until(
            lambda: process.poll() is not None or b" ready." in log.read_bytes(),
            timeout=60,
            what="the Celery worker to be ready",
        )
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        return process

    def beat(self, **env: str) -> subprocess.Popen:
        n = len(self.started)
        return self._start(
            "beat",
            [
                *("-m", "celery", "-A", "tests.faults.worker_app", "beat", "-l", "INFO"),
                *("-s", str(self.base / f"beat-schedule-{n}"), "--pidfile="),
            ],
            **env,
        )

    def dispatcher(self, *args: str, **env: str) -> subprocess.Popen:
        """``run_scheduler`` in a loop (``--interval 1``), or once (``--once``)."""
        return self._start("dispatcher", ["-m", "tests.faults.dispatcher", *args], **env)

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """SIGKILL the process and everything in its group (a worker with its pool)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)

    def kill_all(self) -> None:
        for _, process, _ in self.started:
            self.kill(process)

    def logs(self) -> str:
        parts = []
        for name, _, log in self.started:
            text = log.read_text(errors="replace") if log.exists() else ""
            parts.append(f"----- {name} ({log.name}) -----\n{text[-4000:]}")
        return "\n".join(parts)
