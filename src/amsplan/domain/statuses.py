"""Work order statuses with their default labels (English msgids, shown in the planner's
language: amsplan.i18n) and colours."""

from __future__ import annotations

from enum import StrEnum

from amsplan.i18n import N_


class Status(StrEnum):
    OPEN = "open"
    PLANNING = "planning"
    READY_TO_PRINT = "ready_to_print"
    AWAITING_RESPONSE = "awaiting_response"
    MANUAL_FOLLOWUP = "manual_followup"
    READY_FOR_EXECUTION = "ready_for_execution"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"
    REJECTED_QUANT = "rejected_quant"
    ON_HOLD = "on_hold"


DEFAULT_LABELS: dict[Status, str] = {
    Status.OPEN: N_("Open"),
    Status.PLANNING: N_("Planning"),
    Status.READY_TO_PRINT: N_("Ready to print"),
    Status.AWAITING_RESPONSE: N_("Awaiting response"),
    Status.MANUAL_FOLLOWUP: N_("Manual follow-up"),
    Status.READY_FOR_EXECUTION: N_("Ready for execution"),
    Status.IN_PROGRESS: N_("In progress"),
    Status.RESOLVED: N_("Resolved"),
    Status.REOPENED: N_("Reopened"),
    Status.CLOSED: N_("Closed"),
    Status.REJECTED_QUANT: N_("Rejected in Quant"),
    Status.ON_HOLD: N_("On hold"),
}

# Colours are rich colour names or #rrggbb; the same colour is used in every table. The
# defaults are distinct, also as a 16- or 256-colour terminal shows them (a test checks).
DEFAULT_COLOURS: dict[Status, str] = {
    Status.OPEN: "#9e9e9e",  # light grey
    Status.PLANNING: "#1565c0",  # blue
    Status.READY_TO_PRINT: "#8e24aa",  # purple
    Status.AWAITING_RESPONSE: "#ffb300",  # amber
    Status.MANUAL_FOLLOWUP: "#e53935",  # red
    Status.READY_FOR_EXECUTION: "#00c853",  # green
    Status.IN_PROGRESS: "#00897b",  # teal
    Status.RESOLVED: "#10e0e0",  # cyan
    Status.REOPENED: "#ef6c00",  # orange
    Status.CLOSED: "#616161",  # dark grey
    Status.REJECTED_QUANT: "#b71c1c",  # dark red
    Status.ON_HOLD: "#c050c0",  # orchid
}
