"""Typed errors of the data layer. Each says where (file, row, column), what was expected and found."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One finding of the validator.

    ``row`` is the spreadsheet row number (the header is row 1, the first record row 2) or, for the
    basemap, the 1-based feature number; ``None`` when the problem concerns the whole file.
    """

    file: str
    row: int | None
    column: str | None
    expected: str
    found: str
    severity: str = "error"  # "error" or "warning"
    record: str | None = None  # the record's id, where the row number alone does not find it (database rows)

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.record:
            where += f" (id {self.record!r})"
        if self.column:
            where += f", column '{self.column}'"
        return f"{self.severity.upper()}: {where}: expected {self.expected}; found {self.found}"


class DataError(Exception):
    """Base class: something in the data cannot be used."""


class DataFileError(DataError):
    """A data file or directory cannot be read at all (missing, wrong encoding, not CSV)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class ValidationError(DataError):
    """The data was read but breaks one or more rules; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        errors = [p for p in problems if p.severity == "error"]
        head = f"{len(errors)} error(s) in the data"
        shown = "\n".join(str(p) for p in errors[:20])
        more = f"\n… and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{head}:\n{shown}{more}")
        self.problems = problems


class DatabaseError(DataError):
    """The database cannot be reached or used (down, wrong address, refused login, schema not initialised).

    The message names the server (host and port, never the password) and what failed.
    """
