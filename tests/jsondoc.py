"""docs/json.md as the contract of every command's --json output.

Each command's section in docs/json.md (a heading "### `amsplan WORDS`", or several
commands that print the same: "### `amsplan A`, `amsplan B`", and the first ```json block
under it) is an example. `check(words, output)` fails when the command's
output has another shape than its example: other keys in an object, another kind of
value (text, number, true/false, list, object; null is allowed for any value, and an
example's null allows anything), a time not in ISO 8601 with its offset where the example
has one, a date not YYYY-MM-DD, a booking code without its dash.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[1] / "docs" / "json.md"
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?[+-]\d\d:\d\d$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
CODE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")


@cache
def examples() -> dict[str, Any]:
    """{"lock": example, "orders show": example, ...} from docs/json.md."""
    text = DOC.read_text(encoding="utf-8")
    found: dict[str, Any] = {}
    for m in re.finditer(r"^### (`amsplan [^\n]+)\n.*?^```json\n(.*?)^```", text, re.M | re.S):
        example = json.loads(m.group(2))
        for command in re.findall(r"`amsplan ([^`]+)`", m.group(1)):  # one or more commands
            found[re.sub(r"\s+(--|\[|<).*", "", command).strip()] = example
    return found


def problems(example: Any, actual: Any, path: str = "$") -> list[str]:
    if example is None or actual is None:
        return []
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [f"{path}: an object in docs/json.md, {type(actual).__name__} printed"]
        out = []
        if set(example) != set(actual):
            missing, extra = sorted(set(example) - set(actual)), sorted(set(actual) - set(example))
            out.append(f"{path}: keys differ (not printed: {missing}, not documented: {extra})")
        for key in set(example) & set(actual):
            out += problems(example[key], actual[key], f"{path}.{key}")
        return out
    if isinstance(example, list):
        if not isinstance(actual, list):
            return [f"{path}: a list in docs/json.md, {type(actual).__name__} printed"]
        if not example:
            return []
        return [
            p for i, item in enumerate(actual) for p in problems(example[0], item, f"{path}[{i}]")
        ]
    if isinstance(example, bool) or isinstance(actual, bool):
        same = isinstance(example, bool) and isinstance(actual, bool)
        return [] if same else [f"{path}: {example!r} documented, {actual!r} printed"]
    if isinstance(example, int | float):
        ok = isinstance(actual, int | float)
        return [] if ok else [f"{path}: a number documented, {actual!r} printed"]
    if isinstance(example, str):
        if not isinstance(actual, str):
            return [f"{path}: text documented, {actual!r} printed"]
        for pattern, what in ((TIME, "a time with its offset"), (DATE, "a date"),
                              (CODE, "a booking code with its dash")):  # fmt: skip
            if pattern.match(example) and not pattern.match(actual):
                return [f"{path}: {what} documented ({example}), {actual!r} printed"]
    return []


def check(words: str, output: str) -> Any:
    """The parsed output of `amsplan WORDS --json`, after checking it against docs/json.md."""
    documented = examples()
    assert words in documented, f"docs/json.md has no section for `amsplan {words}`"
    actual = json.loads(output)
    found = problems(documented[words], actual)
    assert not found, f"amsplan {words} --json differs from docs/json.md:\n" + "\n".join(found)
    return actual
