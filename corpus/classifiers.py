"""Which trained models the store uses, and retraining them with the evaluators' corrections.

The package ships default area and tag models; `infocity train` writes new ones into the data
directory (the package folder may be read-only), which from then on wins. Every trained model
is kept under its version name and recorded in the ModelVersion table, so the model that
classified a passage can always be found again.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Engine
from sqlmodel import Session, select

from classify import AreaModel, Evaluation, Example, evaluate, load_area_model, load_examples
from classify import train as train_areas_model
from classify.tags import Case, TagModel, load_cases, micro_f1
from classify.tags import load_model as load_tag_model
from classify.tags import train as train_tags_model
from classify.tokens import normalize
from models.db import session_scope
from models.tables import Application, ApplicationTag, Document, ModelVersion, Passage

CURRENT = "areas.npz"
CURRENT_TAGS = "tags.npz"


def models_dir(data_dir: Path) -> Path:
    return data_dir / "models"


def area_model(data_dir: Path) -> AreaModel:
    """The model trained in this data directory if there is one, else the shipped default."""
    path = models_dir(data_dir) / CURRENT
    return load_area_model(path if path.exists() else None)


def tag_model(data_dir: Path) -> TagModel:
    """The tag model trained in this data directory if there is one, else the shipped default."""
    path = models_dir(data_dir) / CURRENT_TAGS
    return load_tag_model(path if path.exists() else None)


def corrections(engine: Engine) -> list[Example]:
    """Passages whose area an evaluator has set, as training examples (current documents only:
    a superseded version's passages were reviewed again in the new one, or not at all)."""
    with Session(engine) as session:
        rows = session.exec(
            select(Passage.id, Passage.text, Passage.heading_path, Passage.reviewed_area)
            .join(Document, Document.id == Passage.document_id)
            .where(Passage.reviewed_area.is_not(None), Document.is_current)
        ).all()
    return [
        Example(text, int(area), " > ".join(path or []) or None, f"db-{pid}")
        for pid, text, path, area in rows
    ]


def merge(corpus: list[Example], extra: list[Example]) -> list[Example]:
    """The corpus plus the corrections; an evaluator's label wins over the corpus's for the same
    text, so a correction is never outvoted by the example it corrects."""
    corrected = {normalize(e.text) for e in extra}
    return [e for e in corpus if normalize(e.text) not in corrected] + extra


@dataclass
class TrainResult:
    version: str
    path: Path
    examples: int
    corrections: int
    evaluation: Evaluation


def train_areas(
    engine: Engine | None,
    data_dir: Path,
    *,
    corpus_files: list[Path] | None = None,
    out: Path | None = None,
    folds: int = 5,
) -> TrainResult:
    """Trains on the bundled corpus (or `corpus_files`) plus, when a store is given, the
    evaluators' corrections; saves the versioned model and makes it current."""
    corpus = load_examples(corpus_files)
    fixes = corrections(engine) if engine is not None else []
    examples = merge(corpus, fixes)
    model, probs = train_areas_model(examples, folds=folds)
    y = np.array([e.area for e in examples])
    evaluation = evaluate(y, probs, model.classes, model.threshold)
    version = "areas-" + model.meta["trained_at"].replace(":", "").replace("-", "")[:15]
    model.meta.update(
        version=version,
        corrections=len(fixes),
        macro_f1=evaluation.macro_f1,
        accuracy=evaluation.accuracy,
    )
    target = _save(model, data_dir, version, CURRENT, out)
    load_area_model.cache_clear()
    _record(
        engine,
        "areas",
        version,
        model.meta["data_hash"],
        macro_f1=evaluation.macro_f1,
        accuracy=evaluation.accuracy,
        examples=len(examples),
        corrections=len(fixes),
        path=str(target),
    )
    return TrainResult(version, target, len(examples), len(fixes), evaluation)


def tag_corrections(engine: Engine) -> list[Case]:
    """Cases whose tags an evaluator set (source "evaluator"), as training cases with exactly
    those tags: an evaluator who tags a case has said which tags apply."""
    with Session(engine) as session:
        rows = session.exec(
            select(Application.id, Application.title, Application.body, ApplicationTag.tag)
            .join(ApplicationTag, ApplicationTag.application_id == Application.id)
            .join(Document, Document.id == Application.document_id)
            .where(ApplicationTag.source == "evaluator", Document.is_current)
        ).all()
    grouped: dict[int, tuple[str, str, list[str]]] = {}
    for app_id, title, body, tag in rows:
        grouped.setdefault(app_id, (title, body, []))[2].append(tag)
    return [
        Case(title, body, tuple(tags), None, f"db-{app_id}")
        for app_id, (title, body, tags) in grouped.items()
    ]


@dataclass
class TagTrainResult:
    version: str
    path: Path
    cases: int
    corrections: int
    micro_f1: float  # cross-validated
    threshold: float


def train_tags(
    engine: Engine | None,
    data_dir: Path,
    *,
    corpus_files: list[Path] | None = None,
    out: Path | None = None,
    folds: int = 5,
) -> TagTrainResult:
    """Trains the tag model on the bundled cases (or `corpus_files`) plus the evaluators' tags;
    saves the versioned model and makes it current (or writes it to `out`)."""
    corpus = load_cases(corpus_files)
    fixes = tag_corrections(engine) if engine is not None else []
    fixed = {normalize(c.text) for c in fixes}
    cases = [c for c in corpus if normalize(c.text) not in fixed] + fixes
    model, probs = train_tags_model(cases, folds=folds)
    y = np.array([[1 if t in c.tags else 0 for t in model.tags] for c in cases])
    score = round(micro_f1(y, model.decide(probs)), 4)
    version = "tags-" + model.meta["trained_at"].replace(":", "").replace("-", "")[:15]
    model.meta.update(version=version, corrections=len(fixes), micro_f1=score)
    target = _save(model, data_dir, version, CURRENT_TAGS, out)
    load_tag_model.cache_clear()
    _record(
        engine,
        "tags",
        version,
        model.meta["data_hash"],
        micro_f1=score,
        cases=len(cases),
        corrections=len(fixes),
        path=str(target),
    )
    return TagTrainResult(version, target, len(cases), len(fixes), score, model.threshold)


def _record(engine: Engine | None, kind: str, version: str, data_hash: str, **metrics) -> None:
    """Every trained model is listed in the store, so the one that classified a passage can be
    traced (no store when training without corrections)."""
    if engine is None:
        return
    with session_scope(engine) as session:
        session.add(ModelVersion(kind=kind, version=version, data_hash=data_hash, metrics=metrics))


def _save(model, data_dir: Path, version: str, current: str, out: Path | None) -> Path:
    """Saves under its version and makes it current atomically; or just to `out`."""
    if out is not None:
        model.save(out)
        return out
    folder = models_dir(data_dir)
    target = folder / f"{version}.npz"
    model.save(target)
    tmp = folder / f".{current}.tmp"
    shutil.copyfile(target, tmp)
    tmp.replace(folder / current)  # readers see the old model or the new one
    return target
