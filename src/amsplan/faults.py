"""Named crash points for the crash-safety tests (AMSPLAN_CRASH_AT=name kills the process)."""

from __future__ import annotations

import os


def crash_point(name: str) -> None:
    if os.environ.get("AMSPLAN_CRASH_AT") == name:
        os._exit(137)  # like SIGKILL: no cleanup, no commit, no flush
