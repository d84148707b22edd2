"""A technician's rules, pure: a valid id, a name, working hours that end after they
start (working days: amsplan.domain.slots.parse_working_days)."""

from __future__ import annotations

import re
from datetime import time

from amsplan.domain.cells import CONTROL_CHARS

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


def problems(tech_id: str, name: str, start: time, end: time) -> list[str]:
    """Everything wrong with a technician's id, name and working hours; empty if none."""
    found = []
    if not _ID.fullmatch(tech_id or ""):
        found.append(f"id {tech_id!r} must be 1-40 letters, digits, '.', '_' or '-'")
    if not name.strip():
        found.append("name is missing")
    elif CONTROL_CHARS.search(name):
        found.append("name contains control characters")
    if start >= end:
        found.append(f"working hours {start:%H:%M}-{end:%H:%M} end before they start")
    return found
