"""docs/json.md documents every command that prints JSON (issue 19); each command's own
tests check its output against its example (tests/jsondoc.py)."""

from __future__ import annotations

from tests.cli.test_help import LEAVES, _params
from tests.jsondoc import examples


def _with_json() -> set[str]:
    return {" ".join(p) for p in LEAVES if any(o == "--json" for q in _params(p)
                                                for o in getattr(q, "opts", []))}  # fmt: skip


def test_every_command_with_json_has_a_section_in_docs_json_md():
    missing = sorted(_with_json() - set(examples()))
    assert missing == [], f"docs/json.md has no section for: {missing}"


def test_every_section_names_a_command_that_prints_json():
    stale = sorted(set(examples()) - _with_json())
    assert stale == [], f"docs/json.md documents commands without --json: {stale}"
