"""The errors users see, and the exit codes the ``survey`` command gives them.

Every expected failure is a :class:`SurveyError`; the command prints its message on stderr
and exits with its code, without a traceback. Anything else is a bug and keeps its traceback.
This module does not format or print anything itself.
"""

from __future__ import annotations

__all__ = [
    "EXIT_INPUT",
    "EXIT_STATISTICAL",
    "EXIT_USAGE",
    "InputError",
    "StatisticalError",
    "SurveyError",
    "UsageError",
]

EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_STATISTICAL = 4


class SurveyError(Exception):
    """Base class of every error a user can cause and resolve.

    Parameters
    ----------
    message
        What went wrong, naming the file, the variable and the value.
    hint
        What the user can do about it; appended to the message.
    """

    exit_code: int = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  what to do: {self.hint}"
        return self.message


class UsageError(SurveyError):
    """The command was called wrongly (exit code 2)."""

    exit_code = EXIT_USAGE


class InputError(SurveyError):
    """An input file is unreadable, does not fit its codebook or holds bad values (exit code 3)."""

    exit_code = EXIT_INPUT


class StatisticalError(SurveyError):
    """A statistical failure the user must resolve, e.g. infeasible margins (exit code 4)."""

    exit_code = EXIT_STATISTICAL
