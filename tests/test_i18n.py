"""Every user-facing string is translatable and both catalogues are complete."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = {
    lang: ROOT / "locale" / lang / "LC_MESSAGES" / "django.po" for lang in ("zh_Hans", "en")
}


@pytest.mark.parametrize("lang", CATALOGUES)
def test_catalogue_is_complete(lang):
    po = polib.pofile(str(CATALOGUES[lang]))
    assert len(po) > 50
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_catalogue_holds_every_string_in_the_code(tmp_path):
    """Extract the strings again from a copy of the sources: none may be missing."""
    ignore = shutil.ignore_patterns(
        ".venv", "node_modules", "var", ".git", "__pycache__", "static", "*.mo"
    )
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=ignore)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "--no-obsolete",
            "--ignore=tests",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_VAR_DIR": str(tmp_path / "var"),
            "DJANGO_DEBUG": "true",
        },
    )
    extracted = {e.msgid for e in polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po"))}
    committed = {e.msgid for e in polib.pofile(str(CATALOGUES["zh_Hans"])) if e.translated()}
    assert sorted(extracted - committed) == [], "run `make messages` and translate the new strings"


def test_english_catalogue_says_what_the_code_says():
    po = polib.pofile(str(CATALOGUES["en"]))
    assert [e.msgid for e in po if not e.msgid_plural and e.msgstr != e.msgid] == []
