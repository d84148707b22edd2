"""`init` as a use case: where the configuration goes, what is kept, what is made."""

from __future__ import annotations

import pytest

from amsplan.errors import ConfigError
from amsplan.services.setup import init
from amsplan.store import db


def test_init_in_a_folder_makes_config_database_and_letters(tmp_path):
    done = init(None, tmp_path / "rollout", "Hedmark Nett AS", force=False)

    assert done.config == tmp_path / "rollout" / "amsplan.toml"
    assert 'name = "Hedmark Nett AS"' in done.config.read_text(encoding="utf-8")
    assert not done.kept
    assert (done.before, done.after) == (None, db.SCHEMA_HEAD)
    assert done.letters.is_dir()
    assert done.database.startswith("sqlite:///")


def test_a_second_init_keeps_the_file_and_upgrades_nothing(tmp_path):
    first = init(None, tmp_path, "A", force=False)
    first.config.write_text(first.config.read_text(encoding="utf-8") + "# mine\n", "utf-8")

    again = init(None, tmp_path, "B", force=False)

    assert again.kept and again.before == db.SCHEMA_HEAD
    assert again.config.read_text(encoding="utf-8").endswith("# mine\n")
    assert not init(None, tmp_path, "C", force=True).kept


def test_the_named_file_wins_then_amsplan_config(tmp_path, monkeypatch):
    monkeypatch.setenv("AMSPLAN_CONFIG", str(tmp_path / "env.toml"))
    assert init(str(tmp_path / "named.toml"), None, "A", False).config.name == "named.toml"
    assert init(None, tmp_path / "ignored", "A", False).config.name == "env.toml"


def test_a_letters_file_in_the_way_is_a_config_error(tmp_path):
    (tmp_path / "letters").write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        init(None, tmp_path, "A", False)
