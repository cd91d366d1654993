"""Settings are read from the environment strictly; production settings pass check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from dealership import env

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k3y-for-the-test-only-7c2f1a9e5b8d4c6a0f3e2d1c9b8a7f6e5d4c3b2a1",
    "DJANGO_ALLOWED_HOSTS": "erp.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://erp.example.com",
    "DATABASE_URL": "postgres://erp:secret@db:5432/erp",
    "REDIS_URL": "redis://redis:6379/0",
    "SITE_URL": "https://erp.example.com",
}


def _manage(*args, development=True, **environ):
    """``manage.py`` in a clean environment: in development mode (as ``make run``) unless
    ``development=False`` leaves DJANGO_DEBUG unset (its default: off)."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "SITE_URL"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **({"DJANGO_DEBUG": "true"} if development else {}), **environ},
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean_with_the_documented_production_variables(tmp_path):
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, DJANGO_VAR_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_links_in_messages_would_not_reach_the_site(tmp_path):
    production = {**PRODUCTION, "SITE_URL": "http://127.0.0.1:8000"}
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **production, DJANGO_VAR_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "dealership.W003" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DJANGO_DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://x@y/z"),
        ("REDIS_URL", "localhost:6379"),
        ("DJANGO_TIME_ZONE", "Mars/Olympus"),
        ("JOBS_CATCHUP_DAYS", "seven"),
        ("DJANGO_EMAIL_BACKEND", "pigeon"),
        ("NOTIFICATIONS_RETRY_DELAYS", "soon,later"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(variable, value, tmp_path):
    result = _manage("check", **{variable: value, "DJANGO_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert f"Environment variable {variable}=" in result.stderr


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    result = _manage("check", DJANGO_DEBUG="false", DJANGO_VAR_DIR=str(tmp_path))
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "-1")
    monkeypatch.setenv("X_LIST", "a.example, b.example ,")
    assert env.env_bool("X_BOOL", False) is True
    assert env.env_list("X_LIST", []) == ["a.example", "b.example"]
    with pytest.raises(
        ImproperlyConfigured, match="X_INT='-1' is invalid: expected an integer >= 0"
    ):
        env.env_int("X_INT", 3, minimum=0)
    assert env.env_int("X_MISSING", 3) == 3


def test_without_database_url_sqlite_and_in_process_jobs_are_used(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.USE_TZ, s.LANGUAGE_CODE)"
    )
    result = _manage("shell", "--no-imports", "-c", code, DJANGO_VAR_DIR=str(tmp_path))
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "True", "zh-hans"]


@pytest.mark.parametrize(
    "secret",
    [None, "short-secret", "django-insecure-" + "x" * 60, "ab" * 40],
    ids=["missing", "short", "django-insecure", "few-characters"],
)
def test_without_debug_a_missing_or_weak_secret_stops_start_up(secret, tmp_path):
    """DJANGO_DEBUG is off unless asked for, and then the secret key must be a real one."""
    environ = {"DJANGO_VAR_DIR": str(tmp_path), "DJANGO_ALLOWED_HOSTS": "erp.example.com"}
    if secret is not None:
        environ["DJANGO_SECRET_KEY"] = secret
    result = _manage("check", development=False, **environ)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("url", "jit", "expected"),
    [
        ("postgres://erp@db:5432/erp", None, "-c jit=off"),
        (
            "postgres://erp@db:5432/erp?options=-c%20statement_timeout%3D5000",
            None,
            "-c statement_timeout=5000 -c jit=off",
        ),
        ("postgres://erp@db:5432/erp", "true", None),
    ],
    ids=["default-off", "kept-with-other-options", "switched-on"],
)
def test_postgresql_connections_run_without_jit_unless_asked(url, jit, expected, tmp_path):
    """JIT compiled the audit log's large plan for 1.3 s before running it in 1 ms: the app's
    connections turn it off (their other options kept); DATABASE_JIT=true leaves it on."""
    code = "from django.conf import settings as s;print(s.DATABASES['default'].get('OPTIONS', {}).get('options'))"
    extra = {"DATABASE_JIT": jit} if jit else {}
    result = _manage(
        "shell", "--no-imports", "-c", code, DATABASE_URL=url, DJANGO_VAR_DIR=str(tmp_path), **extra
    )
    assert result.stdout.strip() == str(expected), result.stderr


@pytest.mark.django_db
def test_the_test_database_connection_has_jit_off():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
