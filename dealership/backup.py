"""Backups: the database and the stored files in one directory, with a manifest that proves a
restore brought back exactly what was saved (README, "Backups").

A backup is ``<BACKUP_DIR or var/backups>/<UTC timestamp>/`` holding

* ``database.dump`` — ``pg_dump -Fc`` of the project database (PostgreSQL), or
  ``database.sqlite3`` — a consistent copy made through SQLite's backup API (``make run``);
* ``files.tar.gz`` — the stored files (``PRIVATE_MEDIA_ROOT`` as ``private/…``, ``MEDIA_ROOT``
  as ``media/…``), when there are any;
* ``manifest.json`` — when, which database, the migration state, and the **fingerprint**: for
  every table with a ``dealership`` column, each dealership's row count and an md5 over its rows
  in primary-key order (computed in SQL, inside :func:`system_context`, so row-level security
  shows every row); for the other tables their count and md5; on PostgreSQL the privileges,
  row-level security and policies of every table; and each stored file's sha256.

On PostgreSQL the fingerprint and ``pg_dump`` read the same snapshot (``pg_export_snapshot`` in
a repeatable-read transaction, ``pg_dump --snapshot``), so the manifest describes the dump
exactly even while the app keeps writing. :func:`backup_restore` replaces the database and the
files, computes the fingerprint again and returns every difference.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404 (pg_dump and pg_restore, list arguments, no shell)
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from dealership import access_cache
from dealership.tenancy import system_context

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP_FILE = "database.dump"
SQLITE_FILE = "database.sqlite3"
FILES_ARCHIVE = "files.tar.gz"
#: how the stored files' roots are named inside ``files.tar.gz`` and the manifest
FILE_ROOTS = ("private", "media")

ROLE_NEEDED = (
    "A backup must read every dealership's rows, and row-level security hides them from the "
    "database role {user} (neither a superuser nor BYPASSRLS). Run it with DATABASE_URL naming "
    "a superuser, or the tables' owner given BYPASSRLS (ALTER ROLE <owner> BYPASSRLS), e.g. "
    "DATABASE_URL=postgres://erp:<password>@<host>:5432/erp python manage.py backup — never "
    "the app's role (erp_app)."
)


class BackupError(Exception):
    """A backup or a restore cannot be made; the message says why and what to do."""


# --- where backups go ---------------------------------------------------------------------------


def default_backup_dir() -> Path:
    """``BACKUP_DIR`` from the environment, else ``var/backups`` (``DJANGO_VAR_DIR``)."""
    configured = os.environ.get("BACKUP_DIR", "").strip()
    return Path(configured) if configured else Path(settings.VAR_DIR) / "backups"


def file_roots() -> dict[str, Path]:
    return {"private": Path(settings.PRIVATE_MEDIA_ROOT), "media": Path(settings.MEDIA_ROOT)}


# --- the fingerprint ------------------------------------------------------------------------------


def dealership_tables() -> dict[str, str]:
    """table -> its dealership column, for every model with a ``dealership`` foreign key (the
    tenant models, and platform rows such as memberships)."""
    from django.apps import apps

    from dealership.models import Dealership

    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for fld in model._meta.concrete_fields:
            if fld.name == "dealership" and fld.many_to_one and fld.related_model is Dealership:
                tables[model._meta.db_table] = fld.column
    return tables


def _md5(parts: Iterator[str]) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    for part in parts:
        digest.update(hashlib.md5(part.encode(), usedforsecurity=False).hexdigest().encode())
    return digest.hexdigest()


def _pg_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
        " AND relkind IN ('r', 'p') AND NOT relispartition ORDER BY relname"
    )
    return [name for (name,) in cursor.fetchall()]


def _pg_order(cursor, table: str, quote: Callable[[str], str], alias: str) -> str:
    """``ORDER BY`` of the rows of ``table``: the primary key (text in the "C" collation, so the
    order does not depend on the database's locale), else the whole row."""
    cursor.execute(
        "SELECT a.attname, a.attcollation <> 0 FROM pg_index i"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
        " WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
        [quote(table)],
    )
    columns = cursor.fetchall()
    if not columns:
        return f'{alias}::text COLLATE "C"'
    collate = ' COLLATE "C"'
    return ", ".join(
        f"{alias}.{quote(name)}{collate if collatable else ''}" for name, collatable in columns
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def postgresql_fingerprint(cursor, quote: Callable[[str], str] = _quote) -> dict:
    """The fingerprint read through ``cursor`` (Django's, or psycopg's as a role that row-level
    security does not bind), in whatever transaction it is in."""
    per_dealership = dealership_tables()
    tenant: dict[str, dict[str, dict]] = {}
    other: dict[str, dict] = {}
    alias = "backup_row"
    for table in _pg_tables(cursor):
        order = _pg_order(cursor, table, quote, alias)
        # md5 of the rows' md5s in key order: one value per dealership (the whole row as text)
        checksum = f"md5(coalesce(string_agg(md5({alias}::text), '' ORDER BY {order}), ''))"
        if table in per_dealership:
            column = f"{alias}.{quote(per_dealership[table])}"
            cursor.execute(
                f"SELECT {column}, count(*), {checksum} FROM {quote(table)} AS {alias}"  # noqa: S608  # nosec B608 (our own table names, quoted)
                f" GROUP BY {column}"
            )
            tenant[table] = {
                _key(dealership): {"count": count, "md5": md5}
                for dealership, count, md5 in cursor.fetchall()
            }
        else:
            cursor.execute(f"SELECT count(*), {checksum} FROM {quote(table)} AS {alias}")  # noqa: S608  # nosec B608
            count, md5 = cursor.fetchone()
            other[table] = {"count": count, "md5": md5}
    return {"tenant_tables": tenant, "tables": other, "security": _pg_security(cursor)}


def _pg_security(cursor) -> dict[str, str]:
    """table -> md5 of its privileges (grantee and rights; not who granted them), whether
    row-level security is enabled and forced, and its policies."""
    cursor.execute(
        """
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
               coalesce((SELECT string_agg(pg_get_userbyid(a.grantee)::text || ':' || a.privilege_type,
                                           ',' ORDER BY 1)
                         FROM aclexplode(c.relacl) a WHERE a.grantee <> c.relowner), ''),
               coalesce((SELECT string_agg(p.polname || ':' || p.polcmd::text || ':' || p.polpermissive::text
                                           || ':' || coalesce(pg_get_expr(p.polqual, p.polrelid), '')
                                           || ':' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''),
                                           ',' ORDER BY p.polname)
                         FROM pg_policy p WHERE p.polrelid = c.oid), '')
        FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
        ORDER BY c.relname
        """
    )
    return {
        table: _md5(iter([f"{enabled}|{forced}", grants, policies]))
        for table, enabled, forced, grants, policies in cursor.fetchall()
    }


def _key(dealership) -> str:
    return "none" if dealership is None else str(dealership)


def _sqlite_fingerprint(raw: sqlite3.Connection) -> dict:
    """The same fingerprint on SQLite (``make run``): the rows are read in key order in SQL and
    hashed here (SQLite has no md5)."""
    per_dealership = dealership_tables()
    tenant: dict[str, dict[str, dict]] = {}
    other: dict[str, dict] = {}
    tables = [
        name
        for (name,) in raw.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    for table in tables:
        quoted = _quote(table)
        info = raw.execute(f"PRAGMA table_info({quoted})").fetchall()
        names = [row[1] for row in info]
        keys = [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]]
        order = ", ".join(_quote(k) for k in keys) or "rowid"
        rows = raw.execute(f"SELECT * FROM {quoted} ORDER BY {order}")  # noqa: S608  # nosec B608
        if table in per_dealership:
            index = names.index(per_dealership[table])
            groups: dict[str, list[str]] = {}
            for row in rows:
                groups.setdefault(_key(row[index]), []).append(repr(tuple(row)))
            tenant[table] = {
                key: {"count": len(texts), "md5": _md5(iter(texts))}
                for key, texts in groups.items()
            }
        else:
            texts = [repr(tuple(row)) for row in rows]
            other[table] = {"count": len(texts), "md5": _md5(iter(texts))}
    return {"tenant_tables": tenant, "tables": other, "security": {}}


@contextlib.contextmanager
def _repeatable_read(connection):
    """A read-only repeatable-read transaction on ``connection`` (PostgreSQL), in the system
    scope: every statement sees one snapshot. Inside an enclosing transaction (a test), that
    transaction is used as it is."""
    with system_context():
        if connection.in_atomic_block:
            with connection.cursor() as cursor:
                yield cursor
            return
        with connection.cursor() as cursor:
            # applies the system scope to the session before the transaction, so that
            # SET TRANSACTION is the transaction's first statement
            cursor.execute("SELECT 1")
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield cursor


def database_fingerprint(using: str = DEFAULT_DB_ALIAS) -> dict:
    """Counts and checksums of the whole database (see the module's docstring):
    ``{"tenant_tables": {table: {dealership id: {"count", "md5"}}}, "tables": {table: {"count",
    "md5"}}, "security": {table: md5}}``."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with _repeatable_read(connection) as cursor:
            return postgresql_fingerprint(cursor, connection.ops.quote_name)
    if connection.vendor == "sqlite":
        # a plain connection of its own: Django's converts values (dates, booleans), the copy
        # made by the backup was read without conversion
        with contextlib.closing(sqlite3.connect(connection.settings_dict["NAME"])) as raw:
            raw.execute("BEGIN")  # one snapshot for every read
            return _sqlite_fingerprint(raw)
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")


def _migrations(cursor) -> dict[str, str]:
    """app -> the last migration applied."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    return dict(cursor.fetchall())


def _dealerships(cursor, quote) -> dict[str, str]:
    from dealership.models import Dealership

    table = quote(Dealership._meta.db_table)
    cursor.execute(f"SELECT id, code FROM {table} ORDER BY id")  # noqa: S608  # nosec B608
    return {str(pk): code for pk, code in cursor.fetchall()}


def compare_fingerprints(
    expected: dict, actual: dict, dealerships: dict[str, str] | None = None
) -> list[str]:
    """Every difference between two fingerprints, one line each (empty when equal)."""
    dealerships = dealerships or {}
    problems = []
    exp_tenant, act_tenant = expected.get("tenant_tables", {}), actual.get("tenant_tables", {})
    for table in sorted(set(exp_tenant) | set(act_tenant)):
        if table not in act_tenant:
            problems.append(f"table {table}: missing after the restore")
            continue
        if table not in exp_tenant:
            problems.append(f"table {table}: not in the backup")
            continue
        before, after = exp_tenant[table], act_tenant[table]
        for key in sorted(set(before) | set(after), key=lambda k: (len(k), k)):
            old = before.get(key, {"count": 0, "md5": None})
            new = after.get(key, {"count": 0, "md5": None})
            if old != new:
                who = f"dealership {key}" + (f" ({dealerships[key]})" if key in dealerships else "")
                problems.append(f"table {table}, {who}: {_differs(old, new)}")
    for section, label in (("tables", "table"), ("security", "privileges / row-level security of")):
        before, after = expected.get(section, {}), actual.get(section, {})
        for table in sorted(set(before) | set(after)):
            if table not in after:
                problems.append(f"{label} {table}: missing after the restore")
            elif table not in before:
                problems.append(f"{label} {table}: not in the backup")
            elif before[table] != after[table]:
                detail = _differs(before[table], after[table]) if section == "tables" else "differ"
                problems.append(f"{label} {table}: {detail}")
    return problems


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _differs(old: dict, new: dict) -> str:
    if old["count"] != new["count"]:
        return f"{_rows(old['count'])} in the backup, {_rows(new['count'])} now"
    return f"{_rows(old['count'])}, but the checksum differs"


# --- files --------------------------------------------------------------------------------------


class _HashingReader:
    """Reads a file for ``tarfile`` and hashes what it read."""

    def __init__(self, handle):
        self.handle = handle
        self.sha256 = hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.sha256.update(data)
        return data


def _stored_files() -> Iterator[tuple[str, Path]]:
    """(name in the backup, path) of every stored file, in a stable order."""
    for root_name, root in file_roots().items():
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield f"{root_name}/{path.relative_to(root).as_posix()}", path


def _archive_files(target: Path) -> dict[str, dict]:
    files: dict[str, dict] = {}
    stored = list(_stored_files())
    if not stored:
        return files
    with tarfile.open(target, "w:gz") as archive:
        for name, path in stored:
            info = archive.gettarinfo(str(path), arcname=name)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with path.open("rb") as handle:
                reader = _HashingReader(handle)
                archive.addfile(info, reader)
            files[name] = {"size": info.size, "sha256": reader.sha256.hexdigest()}
    return files


def files_fingerprint() -> dict[str, dict]:
    """name in the backup -> size and sha256 of every stored file now."""
    files = {}
    for name, path in _stored_files():
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(block)
        files[name] = {"size": path.stat().st_size, "sha256": digest.hexdigest()}
    return files


def compare_files(expected: dict, actual: dict) -> list[str]:
    problems = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual:
            problems.append(f"file {name}: missing after the restore")
        elif name not in expected:
            problems.append(f"file {name}: not in the backup")
        elif expected[name]["sha256"] != actual[name]["sha256"]:
            problems.append(f"file {name}: its content differs (sha256)")
    return problems


def _restore_files(directory: Path) -> None:
    """Make both file roots hold exactly the backup's files: their present content is removed,
    then the archive's regular files are written (names checked: nothing escapes a root)."""
    roots = file_roots()
    for root in roots.values():
        root.mkdir(parents=True, exist_ok=True)
        for child in root.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    archive_path = directory / FILES_ARCHIVE
    if not archive_path.exists():
        return
    with tarfile.open(archive_path, "r:gz") as archive:
        for member in archive:
            name = PurePosixPath(member.name)
            if not member.isfile():
                continue
            if name.is_absolute() or ".." in name.parts or name.parts[0] not in roots:
                raise BackupError(f"{FILES_ARCHIVE} holds an unexpected name: {member.name!r}")
            target = roots[name.parts[0]].joinpath(*name.parts[1:])
            target.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            with source, target.open("wb") as handle:
                shutil.copyfileobj(source, handle)
            os.chmod(target, 0o600)


# --- PostgreSQL tools -----------------------------------------------------------------------------

_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
}


def _pg_env(settings_dict: dict) -> dict[str, str]:
    """The environment for pg_dump / pg_restore: the credentials of ``DATABASE_URL`` (the
    password travels in the environment, never on the command line)."""
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    for option, var in _LIBPQ_OPTIONS.items():
        value = (settings_dict.get("OPTIONS") or {}).get(option)
        if value:
            env[var] = str(value)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found: install the PostgreSQL client programs (Debian: "
            "postgresql-client) of the server's major version or newer."
        )
    return path


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603  # nosec B603 (our own arguments, no shell)
        args, env=env, capture_output=True, text=True, check=False
    )


def _connect_admin(settings_dict: dict):
    """A connection to the server's maintenance database (``postgres``), for dropping and
    creating the project's database."""
    import psycopg

    params = {
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "autocommit": True,
    }
    params.update(
        {k: v for k, v in (settings_dict.get("OPTIONS") or {}).items() if k in _LIBPQ_OPTIONS}
    )
    try:
        return psycopg.connect(dbname="postgres", **params)
    except psycopg.OperationalError:
        return psycopg.connect(dbname="template1", **params)


def _pg_roles(cursor) -> list[str]:
    """The roles the dump names: the database's and tables' owners and every grantee (they are
    cluster-wide, not in the dump: they must exist where it is restored)."""
    cursor.execute(
        """
        SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()
        UNION SELECT pg_get_userbyid(c.relowner) FROM pg_class c
              WHERE c.relnamespace = current_schema()::regnamespace
        UNION SELECT pg_get_userbyid(a.grantee) FROM pg_class c, aclexplode(c.relacl) a
              WHERE c.relnamespace = current_schema()::regnamespace AND a.grantee <> 0
        UNION SELECT pg_get_userbyid(d.defaclrole) FROM pg_default_acl d
        UNION SELECT pg_get_userbyid(a.grantee) FROM pg_default_acl d, aclexplode(d.defaclacl) a
              WHERE a.grantee <> 0
        """
    )
    return sorted(name for (name,) in cursor.fetchall() if name)


def _backup_postgresql(connection, target: Path) -> dict:
    """pg_dump and the fingerprint of one snapshot; returns the manifest's database part."""
    pg_dump = _tool("pg_dump")
    quote = connection.ops.quote_name
    with _repeatable_read(connection) as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        user, bypasses = cursor.fetchone()
        if not bypasses:
            raise BackupError(ROLE_NEEDED.format(user=user))
        cursor.execute(
            "SELECT current_database(), pg_get_userbyid(datdba), pg_encoding_to_char(encoding),"
            " datcollate, datctype, current_setting('server_version')"
            " FROM pg_database WHERE datname = current_database()"
        )
        name, owner, encoding, collate, ctype, version = cursor.fetchone()
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        dump = _run(
            [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}",
             f"--file={target / PG_DUMP_FILE}", f"--dbname={name}"],
            _pg_env(connection.settings_dict),
        )  # fmt: skip
        if dump.returncode != 0:
            message = dump.stderr.strip()
            if "row-level security" in message:
                raise BackupError(f"{ROLE_NEEDED.format(user=user)}\npg_dump said: {message}")
            raise BackupError(f"pg_dump failed: {message}")
        fingerprint = postgresql_fingerprint(cursor, quote)
        database = {
            "vendor": "postgresql",
            "name": name,
            "server_version": version,
            "owner": owner,
            "encoding": encoding,
            "collate": collate,
            "ctype": ctype,
            "roles": _pg_roles(cursor),
            "file": PG_DUMP_FILE,
        }
        return {
            "database": database,
            "migrations": _migrations(cursor),
            "dealerships": _dealerships(cursor, quote),
            **fingerprint,
        }


def _restore_postgresql(connection, directory: Path, manifest: dict, say) -> None:
    """Drop and re-create the database, then pg_restore the dump into it (owners, privileges,
    row-level security and policies included)."""
    import psycopg
    from psycopg import sql

    pg_restore = _tool("pg_restore")
    settings_dict = connection.settings_dict
    name = settings_dict["NAME"]
    saved = manifest["database"]
    connection.close()
    with _connect_admin(settings_dict) as admin:
        user, superuser, createdb, version = admin.execute(
            "SELECT current_user, rolsuper, rolcreatedb, current_setting('server_version_num')::int"
            " FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        if not (superuser or createdb):
            raise BackupError(
                f"Restoring drops and re-creates the database {name}: the role {user} may not "
                "(it needs to be a superuser, or the owner with CREATEDB). Run it with "
                "DATABASE_URL naming such a role."
            )
        existing = {r for (r,) in admin.execute("SELECT rolname FROM pg_roles").fetchall()}
        missing = sorted(set(saved.get("roles", [])) - existing)
        if missing:
            raise BackupError(
                "The backup grants to roles this server does not have: "
                + ", ".join(missing)
                + ". Create them first (docker/postgres/10-roles.sh creates erp_app), then "
                "restore again. Nothing was changed."
            )
        owner = saved.get("owner") if superuser and saved.get("owner") in existing else user
        say(f"Dropping and re-creating the database {name} (owner {owner}) …")
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        force = sql.SQL(" WITH (FORCE)") if version >= 130000 else sql.SQL("")
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)) + force)
        create = sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING {}").format(
            sql.Identifier(name), sql.Identifier(owner), sql.Literal(saved.get("encoding", "UTF8"))
        )
        try:
            admin.execute(
                create
                + sql.SQL(" LC_COLLATE {} LC_CTYPE {}").format(
                    sql.Literal(saved["collate"]), sql.Literal(saved["ctype"])
                )
            )
        except (KeyError, psycopg.Error):  # this server lacks the locale: its default one
            admin.execute(create)
    say(f"Restoring {directory / PG_DUMP_FILE} …")
    args = [pg_restore, "--no-password", "--single-transaction", "--exit-on-error"]
    if not superuser:
        args.append("--no-owner")  # the owner restores: what it creates is its own
    result = _run(
        [*args, f"--dbname={name}", str(directory / PG_DUMP_FILE)], _pg_env(settings_dict)
    )
    if result.returncode != 0:
        raise BackupError(
            f"pg_restore failed (the database {name} is empty now): {result.stderr.strip()}"
        )


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_copy(source: str | Path, target: str | Path) -> None:
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def _backup_sqlite(connection, target: Path) -> dict:
    copy = target / SQLITE_FILE
    connection.close()
    _sqlite_copy(connection.settings_dict["NAME"], copy)
    with contextlib.closing(sqlite3.connect(copy)) as raw:
        fingerprint = _sqlite_fingerprint(raw)
        cursor = raw.cursor()
        migrations = _migrations(cursor)
        dealerships = _dealerships(cursor, connection.ops.quote_name)
    return {
        "database": {
            "vendor": "sqlite",
            "name": str(connection.settings_dict["NAME"]),
            "server_version": sqlite3.sqlite_version,
            "file": SQLITE_FILE,
        },
        "migrations": migrations,
        "dealerships": dealerships,
        **fingerprint,
    }


def _restore_sqlite(connection, directory: Path, say) -> None:
    name = connection.settings_dict["NAME"]
    say(f"Replacing the SQLite database {name} …")
    connection.close()
    _sqlite_copy(directory / SQLITE_FILE, name)


# --- the services ---------------------------------------------------------------------------------


def _stamp(root: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate, n = root / stamp, 1
    while candidate.exists() or candidate.with_name(candidate.name + ".partial").exists():
        n += 1
        candidate = root / f"{stamp}-{n}"
    return candidate


def backup_create(output: Path | str | None = None, *, using: str = DEFAULT_DB_ALIAS) -> Path:
    """Write a backup into a new ``<output>/<UTC timestamp>/`` directory and return it. The
    directory is named ``….partial`` until everything is written."""
    connection = connections[using]
    root = Path(output) if output else default_backup_dir()
    root.mkdir(parents=True, exist_ok=True)
    final = _stamp(root)
    partial = final.with_name(final.name + ".partial")
    partial.mkdir(mode=0o700)
    try:
        created_at = datetime.now(UTC)
        if connection.vendor == "postgresql":
            manifest = _backup_postgresql(connection, partial)
        elif connection.vendor == "sqlite":
            manifest = _backup_sqlite(connection, partial)
        else:
            raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
        files = _archive_files(partial / FILES_ARCHIVE)
        manifest = {
            "format": FORMAT,
            "created_at": created_at.isoformat(),
            **manifest,
            "file_roots": {k: str(v) for k, v in file_roots().items()},
            "files": files,
        }
        (partial / MANIFEST).write_text(
            json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        )
        for path in partial.iterdir():
            os.chmod(path, 0o600)
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def read_manifest(directory: Path | str) -> dict:
    directory = Path(directory)
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(f"{directory} is not a backup: it has no {MANIFEST}.")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{path} has format {manifest.get('format')!r}; this code reads {FORMAT}."
        )
    return manifest


@dataclass
class RestoreResult:
    manifest: dict
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return not self.differences


def backup_restore(
    directory: Path | str,
    *,
    using: str = DEFAULT_DB_ALIAS,
    say: Callable[[str], None] = lambda message: None,
) -> RestoreResult:
    """Replace the database and the stored files with the backup in ``directory``, then compare
    the fingerprint and the files with the manifest (``RestoreResult.differences``)."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    connection = connections[using]
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            f"The backup is of a {vendor} database; DATABASE_URL points to {connection.vendor}."
        )
    dump = directory / manifest["database"]["file"]
    if not dump.is_file():
        raise BackupError(f"{dump} is missing: nothing was changed.")
    if manifest.get("files") and not (directory / FILES_ARCHIVE).is_file():
        raise BackupError(f"{directory / FILES_ARCHIVE} is missing: nothing was changed.")
    if vendor == "postgresql":
        _restore_postgresql(connection, directory, manifest, say)
    else:
        _restore_sqlite(connection, directory, say)
    say("Restoring the stored files …")
    _restore_files(directory)
    access_cache.forget()  # who works where is what the restored database says
    say("Verifying counts and checksums …")
    result = RestoreResult(manifest)
    result.differences = compare_fingerprints(
        manifest, database_fingerprint(using), manifest.get("dealerships")
    ) + compare_files(manifest.get("files", {}), files_fingerprint())
    result.notes.extend(_migration_notes(connection))
    return result


def _migration_notes(connection) -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return [
            f"The backup predates {len(plan)} migration(s) of this code: run "
            "`python manage.py migrate` as the tables' owner before starting the app."
        ]
    return []
