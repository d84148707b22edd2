"""E-mail texts rendered from templates/email/<name>.subject.j2, .txt.j2 and .html.j2.

The HTML body is autoescaped (a customer's reply may hold anything); the text body is
plain text; the subject is one line (line breaks and control characters in it become
spaces: no header can be injected through the data). A site's own templates folder
([letters] templates) may override any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2


@dataclass(frozen=True)
class MailText:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=8)
def _environment(override: Path | None, html: bool) -> jinja2.Environment:
    from amsplan.paths import shipped_templates_dir

    folders = [str(override)] if override is not None and override.is_dir() else []
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([*folders, str(shipped_templates_dir())]),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, values: dict[str, Any], override: Path | None = None) -> MailText:
    """The subject, text body and HTML body of the e-mail `name` (e.g. "digest")."""
    text_env, html_env = _environment(override, False), _environment(override, True)
    subject = text_env.get_template(f"email/{name}.subject.j2").render(**values)
    return MailText(
        subject=" ".join("".join(c if c.isprintable() else " " for c in subject).split()),
        text=text_env.get_template(f"email/{name}.txt.j2").render(**values),
        html=html_env.get_template(f"email/{name}.html.j2").render(**values),
    )
