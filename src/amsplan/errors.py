"""Domain errors. Each carries the exit code the CLI returns; the CLI prints one line."""

from __future__ import annotations


class AmsplanError(Exception):
    """Base class: a problem the user can fix. Never shown with a traceback."""

    exit_code = 1


class ConfigError(AmsplanError):
    exit_code = 3


class NotInitialised(AmsplanError):
    exit_code = 3


class NotFound(AmsplanError):
    exit_code = 4


class InputError(AmsplanError):
    """A bad argument or a bad input file. Files: every bad row is listed in `problems`."""

    exit_code = 5

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


class TransitionRefused(AmsplanError):
    """`transition` (its name: "send_to_execution", or "cancel", "sms") may not be applied
    to the order. The message names it by `label`, the transition's label in the
    planner's language (the raiser has it), and gives the reason: "AMS-1: Lås avtale:
    mangler gate"."""

    exit_code = 6

    def __init__(self, order_no: str, transition: str, reason: str, label: str | None = None):
        super().__init__(f"{order_no}: {label or transition}: {reason}")
        self.order_no = order_no
        self.transition = transition
        self.reason = reason


class Conflict(AmsplanError):
    """Someone else changed the same data at the same time; re-run the command."""

    exit_code = 7


class Unavailable(AmsplanError):
    """A server amsplan talks to (the mail server, the IMAP mailbox) cannot be reached or
    refused the login; nothing was lost: run again later (or fix the settings)."""

    exit_code = 8


class PermissionDenied(AmsplanError):
    """PostgreSQL: the login lacks a right (its role does not allow the command, or it
    asked to act in another's name); nothing was changed."""

    exit_code = 9
