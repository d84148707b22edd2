"""The generated references say what the code does: docs/configuration.md names every key
of amsplan.toml (and nothing else), docs/import-columns.md every header an import accepts,
both are what scripts/gen_reference.py writes, and the amsplan.toml `amsplan init` writes
shows every key with its default."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

from amsplan.config import ENVIRONMENT, TABLES, Settings, load_settings, schema
from amsplan.services.setup import config_template

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("gen_reference", ROOT / "scripts/gen_reference.py")
assert _spec and _spec.loader
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)

CONFIG_DOC = ROOT / "docs" / "configuration.md"
COLUMNS_DOC = ROOT / "docs" / "import-columns.md"


@pytest.mark.parametrize("name", sorted(gen.OUTPUTS))
def test_each_generated_file_is_what_the_generator_writes(name):
    written = (ROOT / name).read_text(encoding="utf-8")
    assert written == gen.OUTPUTS[name](), f"{name} is stale: run python scripts/gen_reference.py"


def documented_keys(text: str) -> set[str]:
    """section.key of every row of the key tables under `## [section]`."""
    found, section = set(), None
    for line in text.splitlines():
        if heading := re.fullmatch(r"## \[(\w+)\]", line):
            section = heading[1]
        elif line.startswith("## "):
            section = None
        elif section and (row := re.match(r"\| `(\w+)` \|", line)):
            found.add(f"{section}.{row[1]}")
    return found


def test_configuration_md_names_every_key_of_the_schema_and_no_other():
    keys = {f"{section}.{key}" for section, body in schema().items() for key in body}
    assert documented_keys(CONFIG_DOC.read_text(encoding="utf-8")) == keys


def test_every_documented_key_is_accepted_with_its_documented_default(tmp_path):
    """Each key, set to the default the doc gives, is read without error and gives the
    value amsplan uses without it."""
    defaults = load_settings()
    for section, body in schema().items():
        for key, entry in body.items():
            shown = gen_default(section, key)
            if shown is None:
                continue
            path = tmp_path / f"{section}-{key}.toml"
            path.write_text(f"[{section}]\n{key} = {shown}\n", encoding="utf-8")
            got = getattr(load_settings(path), entry.field)
            want = getattr(defaults, entry.field)
            if entry.field in ("database_url", "letters_dir"):  # relative to the file
                continue
            assert got == (tuple(want) if isinstance(got, tuple) else want), (section, key)


def gen_default(section: str, key: str) -> str | None:
    from amsplan.config import toml_default

    return toml_default(section, key)


def test_every_setting_comes_from_a_key_or_a_table():
    fields = {f.name for f in dataclasses.fields(Settings)}
    from_keys = {entry.field for body in schema().values() for entry in body.values()}
    # the folder and file found, and the tables: [sms.<provider>], [statuses.*]
    others = {"base_dir", "config_file", "sms_options", "labels", "colours"}
    assert fields == from_keys | others
    assert {t[0] for t in TABLES} >= {"[statuses.labels]", "[statuses.colours]",
                                      "[sms.<provider>]", "[[notify.rule]]"}  # fmt: skip


def test_every_environment_variable_the_code_reads_is_documented():
    read = set()
    for path in (ROOT / "src" / "amsplan").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r"environ\.get\(\s*\"(AMSPLAN_\w+)\"", text))
        read |= set(re.findall(r"(?m)^\w*PASSWORD_ENV = \"(AMSPLAN_\w+)\"", text))
    documented = {name for name, _doc in ENVIRONMENT}
    assert read, "the search found no variable"
    assert read <= documented, read - documented
    assert "AMSPLAN_SMS_<PROVIDER>_<KEY>" in documented  # built from the provider's name
    doc = CONFIG_DOC.read_text(encoding="utf-8")
    assert all(f"`{name}`" in doc for name in documented)


def test_the_init_file_shows_every_key_and_means_the_defaults(tmp_path):
    text = config_template("Hedmark Nett AS")
    shown, section = set(), None
    for line in text.splitlines():
        line = line.removeprefix("# ")
        if heading := re.fullmatch(r"\[(\w+)\]", line):
            section = heading[1]
        elif section and (key := re.match(r"(\w+) = ", line)):
            shown.add(f"{section}.{key[1]}")
    keys = {f"{s}.{k}" for s, body in schema().items() for k in body if k != "rule"}
    assert shown >= keys, keys - shown
    path = tmp_path / "amsplan.toml"
    path.write_text(text, encoding="utf-8")
    data = tomllib.loads(text)
    assert data["company"]["name"] == "Hedmark Nett AS"
    written, defaults = load_settings(path), load_settings()
    for entry in (e for body in schema().values() for e in body.values()):
        if entry.field not in ("database_url", "letters_dir", "company_name"):
            assert getattr(written, entry.field) == getattr(defaults, entry.field), entry.field
    for section in ("email", "imap", "notify", "routing", "serve"):  # may be appended later
        tomllib.loads(f"{text}\n[{section}]\n")
    # uncommenting every commented example table still gives a valid file
    uncommented = re.sub(r"(?m)^# (\[\[?[\w.]+\]\]?|\w+ = .*)$", r"\1", text)
    path.write_text(uncommented, encoding="utf-8")
    path.chmod(0o600)
    assert load_settings(path).labels


def documented_columns(text: str) -> dict[str, dict[str, set[str]]]:
    """title -> field -> the header names its row lists."""
    found: dict[str, dict[str, set[str]]] = {}
    title = None
    for line in text.splitlines():
        if line.startswith("## "):
            title = line[3:]
            found[title] = {}
        elif title and (row := re.match(r"\| `(\w+)` \| (?:yes)? \| (.*?) \| ", line)):
            found[title][row[1]] = set(re.findall(r"`([^`]+)`", row[2]))
    return found


def test_import_columns_md_lists_every_alias_in_the_code():
    doc = documented_columns(COLUMNS_DOC.read_text(encoding="utf-8"))
    files = gen._files()
    assert len(files) >= 8  # orders, technicians, 3 reply formats, returns, upstream, receipts
    for title, _command, _source, columns, required, _meaning in files:
        assert set(doc[title]) == set(columns), title
        for field, aliases in columns.items():
            assert set(aliases) <= doc[title][field], (title, field)
        assert set(required) <= set(columns)


def test_the_order_import_names_the_headers_planners_asked_about():
    orders = documented_columns(COLUMNS_DOC.read_text(encoding="utf-8"))["Orders"]
    assert {"Mobil"} <= orders["mobile_phone"]
    assert {"Ikke SMS"} <= orders["no_sms"]
    assert {"Kundenavn"} <= orders["customer_name"]
