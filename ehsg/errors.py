"""Exceptions ehsg raises for mistakes a user can fix; the CLI prints them without a traceback."""

from __future__ import annotations

from .problems import Problem


class EhsgError(Exception):
    """Base of every error ehsg reports to a user as a message, not a traceback."""

    exit_code = 2


class GuideError(EhsgError):
    """Raised when the guide data (descriptors/ folder) cannot be loaded or is invalid."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"The guide data has {len(problems)} problem(s):\n{lines}")


class InputFileError(EhsgError):
    """Raised when an input file is missing, unreadable or not of the expected kind."""


class RefusedError(EhsgError):
    """Raised when ehsg declines to write an output (for example, no permission to share)."""

    exit_code = 1


class TemplateError(EhsgError):
    """Raised when a Word template cannot be used: broken tag, unknown field, unsafe access."""

    def __init__(self, message: str, problems: "tuple[Problem, ...] | list[Problem]" = ()):
        super().__init__(message)
        self.problems = tuple(problems)
