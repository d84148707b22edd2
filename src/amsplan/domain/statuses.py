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

# Colours are rich colour names or #rrggbb; the same colour is used in every table.
DEFAULT_COLOURS: dict[Status, str] = {
    Status.OPEN: "#9e9e9e",
    Status.PLANNING: "#42a5f5",
    Status.READY_TO_PRINT: "#7e57c2",
    Status.AWAITING_RESPONSE: "#ffb300",
    Status.MANUAL_FOLLOWUP: "#e53935",
    Status.READY_FOR_EXECUTION: "#43a047",
    Status.IN_PROGRESS: "#00897b",
    Status.RESOLVED: "#26c6da",
    Status.REOPENED: "#ff7043",
    Status.CLOSED: "#616161",
    Status.REJECTED_QUANT: "#ad1457",
    Status.ON_HOLD: "#8d6e63",
}
