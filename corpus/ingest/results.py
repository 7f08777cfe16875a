"""What ingest reports: per file and per batch, and the evaluator's overrides."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Overrides:
    """What the evaluator said on the command line; wins over what extraction recognised."""

    city: str | None = None
    year: int | None = None
    period: str | None = None


@dataclass
class FileResult:
    name: str
    status: str  # added | version | present | failed | skipped (not a file to read: said why)
    message: str = ""
    document_id: int | None = None
    pages: int = 0
    code: str | None = None
    needs_review: bool = False  # stored, but its city or period is for the evaluator to say
    unconfirmed: dict = field(default_factory=dict)  # field → Chinese reason, for the evaluator
    not_carried: list = field(default_factory=list)  # reviews of the previous version left behind


@dataclass
class IngestSummary:
    results: list[FileResult] = field(default_factory=list)
    swept: int = 0

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    def to_dict(self) -> dict:
        return {
            "added": self.count("added"),
            "versions": self.count("version"),
            "present": self.count("present"),
            "failed": self.count("failed"),
            "skipped": self.count("skipped"),
            "swept_orphans": self.swept,
            "files": [r.__dict__ for r in self.results],
        }
