"""Problems found in an input: data with a stable code, a severity and a location."""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, described so a person can find and fix it."""

    code: str
    severity: str
    location: str
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity,
                "location": self.location, "message": self.message}

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.severity}: {self.message} [{self.code}]"


@dataclass
class Problems:
    """Collects every problem in one pass, so a user sees them all at once."""

    items: list[Problem] = field(default_factory=list)

    def error(self, code: str, location: str, message: str) -> None:
        self.items.append(Problem(code, ERROR, location, message))

    def warning(self, code: str, location: str, message: str) -> None:
        self.items.append(Problem(code, WARNING, location, message))

    def extend(self, other: "Problems | list[Problem]") -> None:
        self.items.extend(other.items if isinstance(other, Problems) else other)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if not p.is_error]

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
