"""SMS texts rendered from templates/sms/*.txt (plain text: data is inserted, never evaluated)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@lru_cache(maxsize=8)
def _environment(override: Path | None):
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

    from amsplan.paths import shipped_templates_dir

    loaders = [FileSystemLoader(str(override))] if override else []
    loaders.append(FileSystemLoader(str(shipped_templates_dir())))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=False,
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )


def render(kind: str, values: dict[str, Any], override: Path | None = None) -> str:
    """The text of an SMS of this kind; control characters in the data are removed."""
    clean = {k: _CONTROL.sub("", v) if isinstance(v, str) else v for k, v in values.items()}
    text = _environment(override).get_template(f"sms/{kind}.txt").render(**clean)
    return " ".join(text.split())
