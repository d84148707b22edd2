"""Where the shipped templates are, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_templates_dir() -> Path:
    """The templates folder shipped with amsplan (inside the wheel, or the repo's templates/)."""
    installed = _PACKAGE / "templates"
    if installed.is_dir():
        return installed
    return _PACKAGE.parent.parent / "templates"
