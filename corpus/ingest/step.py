"""The work on one file that needs no database: extract it in an isolated worker, settle its city,
year and period (the evaluator's options win), and analyse its text (corpus.analysis) in the same
worker, so the ingest process only writes.

`AnalyseStep` is what travels to the worker: the models' paths and the options, small to pickle;
the models load once per worker and stay there for the next files. `analyse_file` is the whole
step for one file, for callers that take files one at a time (a task queue)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from classify import AreaModel, When
from classify.tags import TagModel
from extract import Document as Extracted
from extract import Failure, Limits, canonical_city, extract_file

from ..analysis import Analysis, Models, analyse
from .results import Overrides

if TYPE_CHECKING:  # the worker needs no database layer (triage's)
    from .triage import Source


@dataclass
class AnalysedDocument:
    """A file read and analysed, ready to write: plain data, sent from the worker."""

    extracted: Extracted
    analysis: Analysis
    city: str | None
    year: int | None
    period: str | None
    evidence: dict  # field → what said so, the options first
    source: Source | None = None  # set by the ingest process, which knows where the file came from

    @property
    def path(self) -> str:
        """The path the worker read (as extract_files was given it)."""
        return self.extracted.path


@dataclass
class FailedDocument:
    source: Source
    failure: Failure


def settle(meta, overrides: Overrides) -> tuple[str | None, int | None, str | None, dict]:
    """City, year, period and their evidence: extraction's, with the evaluator's options first."""
    evidence = {k: [e.__dict__ for e in v] for k, v in meta.evidence.items()}
    city = meta.city
    if overrides.city:
        city = canonical_city(overrides.city)
        evidence["city"] = [
            {"value": city, "source": "option", "text": overrides.city},
            *evidence.get("city", []),
        ]
    for key, value in (("year", overrides.year), ("period", overrides.period)):
        if value:
            evidence[key] = [{"value": str(value), "source": "option", "text": str(value)}]
    return city, overrides.year or meta.year, overrides.period or meta.period, evidence


@dataclass
class AnalyseStep:
    """Run by an extraction worker on each extracted document (extract.extract_files' `then`).

    The models are named by path (None: the shipped default) or given as objects; either way
    they are loaded once in each process that runs the step, never pickled back."""

    areas_path: Path | None = None
    tags_path: Path | None = None
    review_threshold: float | None = None
    overrides: Overrides = field(default_factory=Overrides)
    areas: AreaModel | None = None
    tags: TagModel | None = None
    _models: Models | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_models": None}

    def models(self) -> Models:
        if self._models is None:
            from classify import load_area_model
            from classify.tags import load_model as load_tag_model

            self._models = Models(
                self.areas or load_area_model(self.areas_path),
                self.tags or load_tag_model(self.tags_path),
                self.review_threshold,
            )
        return self._models

    def warm(self) -> None:
        """Loads the models and the tokenisers' dictionaries (jieba, OpenCC) now: a worker does
        it as it starts, before its first file (extract.isolate's warm-up)."""
        from classify.tokens import warm

        self.models()
        warm()

    def __call__(self, doc: Extracted) -> AnalysedDocument:
        city, year, period, evidence = settle(doc.metadata, self.overrides)
        analysis = analyse(doc, self.models(), When(year, period))
        return AnalysedDocument(doc, analysis, city, year, period, evidence)


def analyse_file(
    source: Source, step: AnalyseStep, limits: Limits | None = None
) -> AnalysedDocument | FailedDocument:
    """One file, extracted and analysed in an isolated worker: what `write` stores."""
    outcome = extract_file(source.path, limits, source.folders, then=step)
    return attach(source, outcome)


def attach(source: Source, outcome: object) -> AnalysedDocument | FailedDocument:
    if isinstance(outcome, Failure):
        return FailedDocument(source, outcome)
    assert isinstance(outcome, AnalysedDocument), type(outcome)
    outcome.source = source
    return outcome
