"""Work order statuses with their default Norwegian labels and colours."""

from __future__ import annotations

from enum import StrEnum


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
    Status.OPEN: "Åpen",
    Status.PLANNING: "Under planlegging",
    Status.READY_TO_PRINT: "Klar til utskrift",
    Status.AWAITING_RESPONSE: "Venter på respons",
    Status.MANUAL_FOLLOWUP: "Manuell oppfølging",
    Status.READY_FOR_EXECUTION: "Klar til utførelse",
    Status.IN_PROGRESS: "Under arbeid",
    Status.RESOLVED: "Løst",
    Status.REOPENED: "Reåpnet",
    Status.CLOSED: "Lukket",
    Status.REJECTED_QUANT: "Avvist i Quant",
    Status.ON_HOLD: "På vent",
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
