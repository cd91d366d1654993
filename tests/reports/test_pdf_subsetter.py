"""WeasyPrint embeds the CJK font of every report PDF through HarfBuzz's subsetter; without it
(fontTools' fallback) each PDF takes seconds and ``seed_demo`` tens of minutes. The set-up
(scripts/system-packages.sh) installs it, and ``check`` warns when it is missing."""

from __future__ import annotations

from weasyprint.text import ffi

from dealership.checks import check_pdf_font_subsetter


def test_this_machine_has_the_subsetter():
    assert check_pdf_font_subsetter() == []


def test_check_warns_without_the_subsetter(monkeypatch):
    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    (warning,) = check_pdf_font_subsetter()
    assert warning.id == "dealership.W012"
    assert "libharfbuzz-subset0" in warning.hint
