"""Every amsplan.toml example in the README and docs/ is a configuration amsplan accepts
(a mistyped key in a copied example would be refused at the user's first command)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from amsplan.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```toml\n(.*?)```", re.DOTALL)
EXAMPLES = [
    pytest.param(text, id=f"{path.name}:{n}")
    for path in DOCS
    for n, text in enumerate(BLOCK.findall(path.read_text(encoding="utf-8")), 1)
]


def test_the_docs_have_examples():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("text", EXAMPLES)
def test_each_toml_example_is_accepted(tmp_path, text):
    path = tmp_path / "amsplan.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)  # an example may hold a (made-up) secret
    load_settings(path)
