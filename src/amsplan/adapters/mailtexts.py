"""E-mail texts from templates/email/NAME.subject.j2, NAME.txt.j2 and NAME.html.j2.

A configured template folder ([letters] templates) may override each file; whatever it
lacks comes from the shipped templates. The HTML is auto-escaped (customer data is never
markup), the subject and the text are not; a missing value is an error (StrictUndefined).
The subject is one line: line breaks and control characters in it are removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Texts:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=8)
def _environment(override: Path | None):
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

    from amsplan.paths import shipped_templates_dir

    loaders = [FileSystemLoader(str(override))] if override else []
    loaders.append(FileSystemLoader(str(shipped_templates_dir())))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=lambda name: bool(name and name.endswith(".html.j2")),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render(name: str, values: dict[str, Any], override: Path | None = None) -> Texts:
    """The subject, text and HTML of e-mail `name` (e.g. "booking") with these values."""
    env = _environment(override)
    subject = env.get_template(f"email/{name}.subject.j2").render(**values)
    return Texts(
        subject=" ".join(_CONTROL.sub(" ", subject).split()),
        text=env.get_template(f"email/{name}.txt.j2").render(**values),
        html=env.get_template(f"email/{name}.html.j2").render(**values),
    )
