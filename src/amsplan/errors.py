"""Domain errors. Each carries the exit code the CLI returns; the CLI prints one line."""

from __future__ import annotations


class AmsplanError(Exception):
    """Base class: a problem the user can fix. Never shown with a traceback."""

    exit_code = 1


class PartialFailure(AmsplanError):
    """The command did its work, but some orders were refused (they are listed)."""

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
    exit_code = 6

    def __init__(self, order_no: str, transition: str, reason: str):
        super().__init__(f"{order_no}: {transition} refused: {reason}")
        self.order_no = order_no
        self.transition = transition
        self.reason = reason


class Conflict(AmsplanError):
    """Someone else changed the same data at the same time; re-run the command."""

    exit_code = 7


EXIT_CODES: list[tuple[int, str, str]] = [
    (0, "-", "success"),
    (1, "PartialFailure", "done, but some orders were refused (listed in the output)"),
    (2, "-", "bad command-line usage (unknown option, missing argument)"),
    (3, "ConfigError / NotInitialised", "bad configuration, or no database yet: run amsplan init"),
    (4, "NotFound", "an order, technician or file named on the command line does not exist"),
    (5, "InputError", "a bad argument or input file; nothing was changed"),
    (6, "TransitionRefused", "the workflow refused the status change"),
    (7, "Conflict", "another process changed the same orders; run again"),
]
