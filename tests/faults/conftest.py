"""The fault suite's stage: a private PostgreSQL cluster holding a copy of the test database
(the migrated schema, row-level security and the cast), a private Redis, and per test the
processes it starts.

The copy is made once per session with ``pg_dump`` of the test database (no second migration);
before each test the scheduler's tables are emptied, dealerships A and B are the only active
ones, and the fault job is told to behave (``fault_control``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess  # nosec B404
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.faults.harness import (
    APP_ROLE,
    PostgresCluster,
    Processes,
    RedisServer,
    _pg_bin,
    wait_until,
)

DATABASE = "faults"
FAULT_TABLES = """
CREATE TABLE fault_effect (
    id serial PRIMARY KEY,
    dealership_id bigint NOT NULL,
    run_date date NOT NULL,
    attempt integer NOT NULL,
    pid integer NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE fault_control (
    id integer PRIMARY KEY,
    sleep double precision NOT NULL DEFAULT 0,
    fail_in text[] NOT NULL DEFAULT '{{}}',
    ignore_soft_limit boolean NOT NULL DEFAULT false
);
GRANT SELECT, INSERT ON fault_effect, fault_control TO {role};
GRANT USAGE ON SEQUENCE fault_effect_id_seq TO {role};
"""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@dataclass
class Servers:
    base: Path
    postgres: PostgresCluster
    redis: RedisServer


@pytest.fixture(scope="session")
def fault_servers(django_db_setup, django_db_blocker):
    """Start the private servers and copy the test database into the private cluster."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the fault suite runs on PostgreSQL")
    from tests.cast import build_cast

    with django_db_blocker.unblock():
        build_cast()  # committed, in case a transactional test flushed it
        name = connection.settings_dict["NAME"]
    owner = urlsplit(os.environ["DATABASE_URL"])
    base = Path(tempfile.mkdtemp(prefix="erp-faults-"))
    base.chmod(0o755)
    dump = base / "test-database.dump"
    subprocess.run(  # nosec B603
        [
            *(_pg_bin("pg_dump"), "-Fc", "-f", str(dump)),
            *("-h", owner.hostname or "127.0.0.1", "-p", str(owner.port or 5432)),
            *("-U", owner.username or "postgres", name),
        ],
        check=True,
        capture_output=True,
    )
    postgres = PostgresCluster(base)
    redis = RedisServer(base)
    try:
        postgres.start_new()
        with postgres.connect() as admin:
            admin.execute(
                f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"
            )
            admin.execute(f"CREATE DATABASE {DATABASE}")
        subprocess.run(  # nosec B603
            [
                *(_pg_bin("pg_restore"), "--exit-on-error", "-h", "127.0.0.1"),
                *("-p", str(postgres.port), "-U", "postgres", "-d", DATABASE, str(dump)),
            ],
            check=True,
            capture_output=True,
        )
        with postgres.connect(DATABASE) as db:
            db.execute(FAULT_TABLES.format(role=APP_ROLE))
        redis.start()
        yield Servers(base=base, postgres=postgres, redis=redis)
    finally:
        redis.kill()
        postgres.stop()
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class Stage:
    servers: Servers
    dir: Path
    procs: Processes
    env: dict[str, str] = field(default_factory=dict)

    # --- the database, read as its owner (row-level security does not hide rows from it) ---

    def sql(self, query: str, params=()) -> list[tuple]:
        with self.servers.postgres.connect(DATABASE) as db:
            cursor = db.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def control(self, *, sleep=0.0, fail_in=(), ignore_soft_limit=False) -> None:
        self.sql(
            "UPDATE fault_control SET sleep = %s, fail_in = %s, ignore_soft_limit = %s",
            (sleep, list(fail_in), ignore_soft_limit),
        )

    def today(self) -> dt.date:
        return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()

    def open(self, code: str, day: dt.date) -> None:
        """Dealership ``code`` opened (was created) at midnight of ``day``."""
        self.sql(
            "UPDATE dealership_dealership SET created_at = %s WHERE code = %s",
            (dt.datetime.combine(day, dt.time(0, 0), tzinfo=ZoneInfo("Asia/Shanghai")), code),
        )

    def effects(self) -> dict[tuple[str, dt.date], int]:
        """How many times each (dealership, day) run took effect."""
        rows = self.sql(
            "SELECT d.code, e.run_date, count(*) FROM fault_effect e "
            "JOIN dealership_dealership d ON d.id = e.dealership_id GROUP BY 1, 2"
        )
        return {(code, day): count for code, day, count in rows}

    def runs(self) -> dict[tuple[str, dt.date], tuple]:
        """(dealership, day) → (state, attempts, error, next_attempt_at) of the fault job."""
        rows = self.sql(
            "SELECT d.code, r.run_date, r.state, r.attempts, r.error, r.next_attempt_at "
            "FROM dealership_jobrun r JOIN dealership_dealership d ON d.id = r.dealership_id "
            "WHERE r.job = 'faults.effect'"
        )
        return {(code, day): rest for code, day, *rest in rows}

    def states(self) -> dict[tuple[str, dt.date], str]:
        return {key: run[0] for key, run in self.runs().items()}

    def settled(self, count: int) -> bool:
        """``count`` runs exist and none is pending, running or waiting for a retry."""
        runs = self.runs()
        return len(runs) == count and all(
            state in ("succeeded", "missed") or (state == "failed" and next_at is None)
            for state, _, _, next_at in runs.values()
        )

    def wait_settled(self, count: int, timeout: float = 60) -> dict:
        wait_until(lambda: self.settled(count), timeout=timeout, what=f"{count} runs to settle")
        return self.runs()

    def marker(self, code: str, day: dt.date, attempt: int) -> Path | None:
        path = self.dir / f"started-{code}-{day}-{attempt}.pid"
        return path if path.exists() and path.read_text() else None

    def wait_started(self, code: str, day: dt.date, attempt: int = 1) -> int:
        """Wait until attempt ``attempt`` of (code, day) is running; its process id."""
        path = wait_until(
            lambda: self.marker(code, day, attempt),
            timeout=60,
            what=f"attempt {attempt} of {code}'s run of {day} to start",
        )
        return int(path.read_text())


@pytest.fixture
def stage(fault_servers, request):
    """A clean scheduler for one test; the processes it starts are killed at its end (and their
    logs printed when it failed)."""
    servers = fault_servers
    if not servers.redis.ping():  # a test that failed while Redis was down
        servers.redis.kill()
        servers.redis.start()
    directory = servers.base / request.node.name[:80]
    directory.mkdir()
    pg = servers.postgres
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "DJANGO_SETTINGS_MODULE": "dealership.settings",
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": pg.url(DATABASE, user=APP_ROLE),
        "DATABASE_CONN_MAX_AGE": "60",
        "REDIS_URL": servers.redis.url,
        "DJANGO_CACHE_KEY_PREFIX": "faults",
        "DJANGO_PRIVATE_MEDIA_ROOT": str(servers.base / "private"),
        "FAULTS_DIR": str(directory),
        "JOBS_DISPATCH_INTERVAL": "1",
        "JOBS_RETRY_BASE_SECONDS": "1",
        "JOBS_DEFAULT_OWNERS": "gm",
        "LANG": "C.UTF-8",
    }
    procs = Processes(directory, env)
    stage = Stage(servers=servers, dir=directory, procs=procs, env=env)
    stage.sql("TRUNCATE dealership_jobrun, dealership_dispatcherpass, fault_effect, fault_control")
    stage.sql("TRUNCATE dealership_notification CASCADE")  # and their deliveries
    stage.sql("INSERT INTO fault_control (id) VALUES (1)")
    stage.sql("UPDATE dealership_dealership SET is_active = code IN ('a', 'b')")
    for code in ("a", "b"):
        stage.open(code, stage.today())
    servers.redis.command("FLUSHALL")
    yield stage
    procs.kill_all()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(procs.logs())
