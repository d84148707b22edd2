"""The planner's language (amsplan.i18n): the catalogs are complete and used as intended."""

from __future__ import annotations

import ast
import importlib.util
import sys
from datetime import date
from pathlib import Path

import pytest

from amsplan import i18n
from amsplan.config import Settings
from amsplan.domain.statuses import Status

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("catalogs", ROOT / "scripts" / "catalogs.py")
catalogs = importlib.util.module_from_spec(_spec)
sys.modules["catalogs"] = catalogs  # a dataclass needs its module registered
_spec.loader.exec_module(catalogs)


def test_every_message_is_translated_in_both_languages():
    """Fails on a message of the source missing from the nb or en catalog (or left empty,
    fuzzy, stale, with other placeholders, or translated two ways)."""
    assert catalogs.problems() == []


def test_check_finds_a_missing_and_a_stale_message(tmp_path, monkeypatch):
    src = tmp_path / "src" / "amsplan"
    src.mkdir(parents=True)
    (src / "m.py").write_text('from amsplan.i18n import _\n\ndef f():\n    return _("New")\n')
    locale = tmp_path / "locale"
    for language in i18n.LANGUAGES:
        (locale / language).mkdir(parents=True)
        (locale / language / "x.po").write_text(
            catalogs.header(language) + '\nmsgid "Gone"\nmsgstr "Borte"\n', encoding="utf-8"
        )
    monkeypatch.setattr(catalogs, "SRC", src)
    monkeypatch.setattr(catalogs, "ROOT", tmp_path)
    monkeypatch.setattr(catalogs, "TEMPLATES", tmp_path / "templates")
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    found = catalogs.problems()
    assert any("missing 'New'" in p for p in found)
    assert any("'Gone': not in the source" in p for p in found)
    catalogs.add("x", [])
    assert any("'New': not translated" in p for p in catalogs.problems())  # nb left empty
    catalogs.translate("x", {"New": "Ny"})  # the last entry of the file
    assert [p for p in catalogs.problems() if "New" in p] == []
    written = (locale / "nb" / "x.po").read_text(encoding="utf-8")
    assert written.endswith('msgid "New"\nmsgstr "Ny"\n')


def test_no_message_is_translated_at_import_time():
    """`_()` outside a function runs before the language is chosen: N_() and translate
    where the text is shown."""
    found = []
    for path in sorted((ROOT / "src" / "amsplan").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                inside |= {id(n) for n in ast.walk(node)}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "ngettext", "pgettext")
                and id(node) not in inside
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_labels_follow_the_language_and_a_companys_own_label_stays():
    settings = Settings(base_dir=Path("."), labels={Status.CLOSED: "Ferdig"})
    i18n.use("nb")
    assert settings.label(Status.READY_FOR_EXECUTION) == "Klar til utførelse"
    assert settings.parse_status("klar til utførelse") is Status.READY_FOR_EXECUTION
    i18n.use("en")
    assert settings.label(Status.READY_FOR_EXECUTION) == "Ready for execution"
    assert settings.label(Status.CLOSED) == "Ferdig"
    assert i18n.day_label(date(2026, 12, 14)) == "Monday 14.12.2026"
    i18n.use("nb")
    assert i18n.day_label(date(2026, 12, 14)) == "mandag 14.12.2026"
    assert i18n.month(date(2026, 12, 14)) == "desember"


def test_strict_mode_refuses_a_message_not_in_the_catalog(monkeypatch):
    with pytest.raises(i18n.MissingMessage):
        i18n._("A message nobody wrote into the catalog")
    monkeypatch.delenv("AMSPLAN_I18N_STRICT")
    assert i18n._("A message nobody wrote into the catalog").startswith("A message")


def test_unknown_language_is_a_config_error(tmp_path):
    from amsplan.config import load_settings
    from amsplan.errors import ConfigError

    (tmp_path / "amsplan.toml").write_text('[ui]\nlanguage = "sv"\n')
    with pytest.raises(ConfigError, match="ui.language"):
        load_settings(tmp_path / "amsplan.toml")


def test_the_built_catalog_is_rebuilt_when_a_part_changes(tmp_path, monkeypatch):
    locale = tmp_path / "locale"
    (locale / "nb").mkdir(parents=True)
    part = locale / "nb" / "x.po"
    part.write_text(catalogs.header("nb") + '\nmsgid "Open"\nmsgstr "Åpen"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    assert b"\xc3\x85pen" in i18n.mo_bytes("nb")
    assert (locale / "nb" / "LC_MESSAGES" / "amsplan.mo").exists()
    part.write_text(catalogs.header("nb") + '\nmsgid "Open"\nmsgstr "Opnet"\n', encoding="utf-8")
    import os

    os.utime(part, (2e9, 2e9))  # newer than the built file
    assert b"Opnet" in i18n.mo_bytes("nb")
