"""Backups (dealership/backup.py, ``manage.py backup`` / ``restore``; README, "Backups").

The drill: a throwaway database on the test server (a copy of the test database's schema and
cast, plus stored files) is backed up with the command, dropped, and restored with the command;
the restored rows (per dealership: count and checksum of every table) and files equal the
backup's, and the app's role works on the restored database under row-level security. A backup
whose dump holds a changed row fails verification naming that table and dealership alone.
The fingerprint's own tests run on the test database.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import dj_database_url
import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from dealership.backup import compare_fingerprints, database_fingerprint, postgresql_fingerprint
from dealership.tenancy import dealership_context
from org.models import Department, PositionCapability

POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the drill restores a PostgreSQL database"
)
ROOT = Path(__file__).resolve().parents[2]
APP_ROLE = os.environ.get("TEST_DATABASE_APP_ROLE", "erp_app")
FINGERPRINT = ("tenant_tables", "tables", "security")
PDF = b"%PDF-1.4\n% a stored attachment\n" + bytes(range(256)) * 8
LOGO = b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(512)


# --- the fingerprint (service level, on the test database) ------------------------------------


@pytest.mark.django_db
def test_the_fingerprint_is_stable_and_covers_every_dealership(cast):
    first, second = database_fingerprint(), database_fingerprint()
    assert first == second
    departments = first["tenant_tables"]["org_department"]
    for dealership in (cast.a, cast.b, cast.c):
        assert departments[str(dealership.pk)]["count"] > 0
    assert "dealership_dealership" in first["tables"]
    assert "org_department" not in first["tables"]


@pytest.mark.django_db
def test_a_changed_row_changes_that_dealerships_checksum_and_only_that_one(cast):
    before = database_fingerprint()
    with dealership_context(cast.a):
        department = Department.objects.order_by("pk").first()
        Department.objects.filter(pk=department.pk).update(name_en="Changed by the test")
    after = database_fingerprint()

    a, b, c = (str(d.pk) for d in (cast.a, cast.b, cast.c))
    old, new = before["tenant_tables"]["org_department"], after["tenant_tables"]["org_department"]
    assert new[a]["count"] == old[a]["count"]
    assert new[a]["md5"] != old[a]["md5"]
    assert new[b] == old[b] and new[c] == old[c]
    assert compare_fingerprints(before, after, {a: "a"}) == [
        f"table org_department, dealership {a} (a): "
        f"{old[a]['count']} rows, but the checksum differs"
    ]


@pytest.mark.django_db
def test_a_deleted_row_changes_that_dealerships_count_and_only_that_one(cast):
    before = database_fingerprint()
    with dealership_context(cast.b):
        cell = PositionCapability.objects.order_by("pk").first()
        cell.delete()
    after = database_fingerprint()

    b = str(cast.b.pk)
    old = before["tenant_tables"]["org_positioncapability"][b]["count"]
    assert after["tenant_tables"]["org_positioncapability"][b]["count"] == old - 1
    assert compare_fingerprints(before, after) == [
        f"table org_positioncapability, dealership {b}: {old} rows in the backup, {old - 1} rows now"
    ]


@POSTGRES_ONLY
@pytest.mark.django_db
def test_backup_refuses_a_role_that_row_level_security_binds(tmp_path):
    """The suite runs as the app's role: pg_dump would see no dealership's rows."""
    with pytest.raises(CommandError, match="neither a superuser nor BYPASSRLS"):
        call_command("backup", "--output", str(tmp_path))
    assert list(tmp_path.iterdir()) == [], "no half-written backup is left"


def test_the_sqlite_fingerprint_and_copy(tmp_path):
    """``make run``'s database: a consistent copy, rows hashed in key order per dealership."""
    import sqlite3
    from contextlib import closing

    from dealership.backup import _sqlite_copy, _sqlite_fingerprint

    source, copy = tmp_path / "db.sqlite3", tmp_path / "copy.sqlite3"
    with closing(sqlite3.connect(source)) as db:
        db.execute(
            "CREATE TABLE org_department (id integer PRIMARY KEY, dealership_id int, name text)"
        )
        db.execute("CREATE TABLE django_migrations (id integer PRIMARY KEY, app text, name text)")
        db.executemany(
            "INSERT INTO org_department VALUES (?, ?, ?)", [(2, 1, "x"), (1, 1, "y"), (3, 2, "z")]
        )
        db.commit()
        before = _sqlite_fingerprint(db)
        _sqlite_copy(source, copy)
        db.execute("UPDATE org_department SET name = 'changed' WHERE id = 3")
        db.commit()
        after = _sqlite_fingerprint(db)
    with closing(sqlite3.connect(copy)) as restored:
        assert _sqlite_fingerprint(restored) == before
    departments = before["tenant_tables"]["org_department"]
    assert {k: v["count"] for k, v in departments.items()} == {"1": 2, "2": 1}
    assert before["tables"]["django_migrations"]["count"] == 0
    assert compare_fingerprints(before, after) == [
        "table org_department, dealership 2: 1 row, but the checksum differs"
    ]


def test_restore_refuses_without_yes(tmp_path, settings):
    (tmp_path / "manifest.json").write_text(
        json.dumps({"format": 1, "created_at": "2026-01-01T00:00:00+00:00", "database": {}})
    )
    with pytest.raises(CommandError, match="--yes") as refused:
        call_command("restore", str(tmp_path))
    assert str(settings.DATABASES["default"]["NAME"]) in str(refused.value)


def test_restore_refuses_a_directory_that_is_no_backup(tmp_path):
    with pytest.raises(CommandError, match=r"no manifest\.json"):
        call_command("restore", str(tmp_path), "--yes")


# --- the drill (a throwaway database on the same server) --------------------------------------


SEED = """
from tests.cast import build_cast
cast = build_cast()
print(cast.a.pk, cast.b.pk, cast.c.pk)
"""


class Drill:
    """A throwaway database, its stored files, and the commands run against them."""

    def __init__(self, source: str, workdir: Path):
        self.owner = dj_database_url.parse(os.environ["DATABASE_URL"])
        self.source = source
        self.name = f"drill_{os.getpid()}_{secrets.token_hex(4)}"
        self.workdir = workdir
        self.private = workdir / "private"
        self.media = workdir / "var" / "media"
        self.env = {
            **os.environ,
            "DJANGO_DEBUG": "true",
            "DATABASE_URL": self.url(),
            "REDIS_URL": "",
            "DJANGO_VAR_DIR": str(workdir / "var"),
            "DJANGO_PRIVATE_MEDIA_ROOT": str(self.private),
            "DJANGO_LOG_LEVEL": "WARNING",
            "BACKUP_DIR": str(workdir / "backups"),
        }
        self.env.pop("TEST_DATABASE_APP_ROLE", None)

    def url(self) -> str:
        o = self.owner
        password = f":{quote(o['PASSWORD'], safe='')}" if o.get("PASSWORD") else ""
        return f"postgres://{quote(o['USER'], safe='')}{password}@{o['HOST'] or '127.0.0.1'}:{o['PORT'] or 5432}/{self.name}"

    def pg_env(self) -> dict[str, str]:
        env = {**os.environ, "PGUSER": self.owner["USER"], "PGHOST": self.owner["HOST"] or ""}
        if self.owner.get("PORT"):
            env["PGPORT"] = str(self.owner["PORT"])
        if self.owner.get("PASSWORD"):
            env["PGPASSWORD"] = self.owner["PASSWORD"]
        return env

    def admin(self, dbname: str = "postgres", user: str | None = None):
        return psycopg.connect(
            dbname=dbname,
            user=user or self.owner["USER"],
            password=(self.owner.get("PASSWORD") or None) if user is None else None,
            host=self.owner["HOST"] or None,
            port=self.owner.get("PORT") or None,
            autocommit=True,
        )

    def create(self) -> None:
        """The test database's schema and committed rows (migrations, the cast), copied."""
        dump = self.workdir / "source.dump"
        for args in (
            ["pg_dump", "--format=custom", f"--file={dump}", self.source],
            ["createdb", "--template=template0", self.name],
            ["pg_restore", "--exit-on-error", f"--dbname={self.name}", str(dump)],
        ):
            subprocess.run(args, env=self.pg_env(), check=True, capture_output=True)

    def drop(self) -> None:
        with self.admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def backup(self) -> Path:
        result = self.manage("backup")
        assert result.returncode == 0, result.stderr
        return Path(re.search(r"Backup written to (\S+)", result.stdout).group(1))

    def fingerprint(self) -> dict:
        """Recomputed here, as the owner (a superuser: row-level security shows every row)."""
        with self.admin(self.name) as conn, conn.cursor() as cursor:
            return postgresql_fingerprint(cursor)

    def cast(self) -> tuple[int, int, int]:
        """The ids of the cast's dealerships A, B and C: copied with the test database, or built
        (when a transactional test flushed it) by the cast's own code."""
        found = dict(self.execute("SELECT code, id FROM dealership_dealership"))
        if not {"a", "b", "c"} <= set(found):
            seeded = self.manage("shell", "-c", SEED)
            assert seeded.returncode == 0, seeded.stderr
            return tuple(map(int, seeded.stdout.split()[-3:]))
        return found["a"], found["b"], found["c"]

    def execute(self, sql: str, params=(), *, user: str | None = None) -> list[tuple]:
        with self.admin(self.name, user) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []


@pytest.fixture(scope="module")
def drill(django_db_setup, tmp_path_factory):
    """The throwaway database with the cast and stored files, and its backup. Dropped at the end,
    even when a test failed."""
    if connection.vendor != "postgresql":
        pytest.skip("the drill restores a PostgreSQL database")
    d = Drill(connection.settings_dict["NAME"], tmp_path_factory.mktemp("drill"))
    try:
        d.create()
        d.a, d.b, d.c = d.cast()
        (d.private / "finance" / "attachments").mkdir(parents=True)
        (d.private / "finance" / "attachments" / "invoice.pdf").write_bytes(PDF)
        d.media.mkdir(parents=True)
        (d.media / "logo.png").write_bytes(LOGO)

        d.backup_dir = d.backup()
        d.manifest = json.loads((d.backup_dir / "manifest.json").read_text())
        yield d
    finally:
        d.drop()


@POSTGRES_ONLY
def test_the_drill_backup_drop_restore_gives_back_every_row_and_file(drill):
    d = drill
    manifest = d.manifest
    # what the backup holds
    assert {p.name for p in d.backup_dir.iterdir()} == {
        "database.dump",
        "files.tar.gz",
        "manifest.json",
    }
    assert manifest["database"]["vendor"] == "postgresql"
    assert manifest["database"]["name"] == d.name
    assert manifest["migrations"]["dealership"].startswith("0")
    assert set(manifest["files"]) == {"private/finance/attachments/invoice.pdf", "media/logo.png"}
    for dealership in (d.a, d.b, d.c):
        tables = [t for t, rows in manifest["tenant_tables"].items() if str(dealership) in rows]
        assert len(tables) >= 3, f"dealership {dealership} has rows in several tenant tables"

    # disaster: the database and the files are gone
    d.drop()
    shutil.rmtree(d.private)
    shutil.rmtree(d.media)

    restored = d.manage("restore", str(d.backup_dir), "--yes")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "restored and verified" in restored.stdout

    # the rows: every table's count and checksum, per dealership, recomputed independently
    now = d.fingerprint()
    assert {k: now[k] for k in FINGERPRINT} == {k: manifest[k] for k in FINGERPRINT}
    assert compare_fingerprints(manifest, now) == []
    # the files, byte for byte
    assert (d.private / "finance" / "attachments" / "invoice.pdf").read_bytes() == PDF
    assert (d.media / "logo.png").read_bytes() == LOGO

    # the app's role works on the restored database, and row-level security binds it
    department_counts = manifest["tenant_tables"]["org_department"]
    assert d.execute("SELECT count(*) FROM org_department", user=APP_ROLE) == [(0,)]
    with d.admin(d.name, APP_ROLE) as app:
        app.execute("SELECT set_config('app.dealerships', %s, false)", [f"{{{d.a}}}"])
        app.execute("SELECT set_config('app.writable', %s, false)", [f"{{{d.a}}}"])
        rows = app.execute(
            "SELECT dealership_id, count(*) FROM org_department GROUP BY 1"
        ).fetchall()
        assert rows == [(d.a, department_counts[str(d.a)]["count"])]
        app.execute('UPDATE org_department SET "order" = "order" WHERE dealership_id = %s', [d.a])
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            app.execute(
                'INSERT INTO org_department (dealership_id, code, kind, name_zh, name_en, "order")'
                " VALUES (%s, 'intruder', 'custom', 'x', 'x', 1)",
                [d.b],
            )


@POSTGRES_ONLY
def test_a_backup_with_a_changed_row_fails_verification_naming_it(drill, tmp_path):
    d = drill
    tampered = tmp_path / "tampered"
    tampered.mkdir()
    # the backup's manifest and files, with a dump taken after one department of A was renamed
    shutil.copy(d.backup_dir / "files.tar.gz", tampered / "files.tar.gz")
    shutil.copy(d.backup_dir / "manifest.json", tampered / "manifest.json")
    d.execute(
        "UPDATE org_department SET name_en = 'Renamed after the backup' WHERE id ="
        " (SELECT min(id) FROM org_department WHERE dealership_id = %s)",
        [d.a],
    )
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={tampered / 'database.dump'}", d.name],
        env=d.pg_env(),
        check=True,
        capture_output=True,
    )

    result = d.manage("restore", str(tampered), "--yes")

    assert result.returncode == 1
    assert "restored and verified" not in result.stdout
    listed = [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]
    count = d.manifest["tenant_tables"]["org_department"][str(d.a)]["count"]
    assert listed == [
        f"table org_department, dealership {d.a} (a): {count} rows, but the checksum differs"
    ], result.stderr
