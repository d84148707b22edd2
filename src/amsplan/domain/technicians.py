"""A technician's rules, pure: a valid id, a name, working hours that end after they
start (working days: amsplan.domain.slots.parse_working_days)."""

from __future__ import annotations

import re
from datetime import time

from amsplan.domain.cells import CONTROL_CHARS
from amsplan.i18n import _

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


def problems(tech_id: str, name: str, start: time, end: time) -> list[str]:
    """Everything wrong with a technician's id, name and working hours; empty if none."""
    found = []
    if not _ID.fullmatch(tech_id or ""):
        found.append(
            _("id {id!r} must be 1-40 letters, digits, '.', '_' or '-'").format(id=tech_id)
        )
    if not name.strip():
        found.append(_("name is missing"))
    elif CONTROL_CHARS.search(name):
        found.append(_("name contains control characters"))
    if start >= end:
        found.append(
            _("working hours {start}-{end} end before they start").format(
                start=f"{start:%H:%M}", end=f"{end:%H:%M}"
            )
        )
    return found
