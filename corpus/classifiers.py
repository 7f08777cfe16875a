"""Which trained models the store uses, and retraining them with the evaluators' corrections.

The package ships a default area model; `infocity train` writes a new one into the data
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
from classify.tokens import normalize
from models.db import session_scope
from models.tables import Document, ModelVersion, Passage

CURRENT = "areas.npz"


def models_dir(data_dir: Path) -> Path:
    return data_dir / "models"


def area_model(data_dir: Path) -> AreaModel:
    """The model trained in this data directory if there is one, else the shipped default."""
    path = models_dir(data_dir) / CURRENT
    return load_area_model(path if path.exists() else None)


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
    if out is None:
        folder = models_dir(data_dir)
        target = folder / f"{version}.npz"
        model.save(target)
        tmp = folder / f".{CURRENT}.tmp"
        shutil.copyfile(target, tmp)
        tmp.replace(folder / CURRENT)  # atomic: readers see the old model or the new one
    else:
        target = out
        model.save(target)
    load_area_model.cache_clear()
    if engine is not None:
        with session_scope(engine) as session:
            session.add(
                ModelVersion(
                    kind="areas",
                    version=version,
                    data_hash=model.meta["data_hash"],
                    metrics={
                        "macro_f1": evaluation.macro_f1,
                        "accuracy": evaluation.accuracy,
                        "examples": len(examples),
                        "corrections": len(fixes),
                        "path": str(target),
                    },
                )
            )
    return TrainResult(version, target, len(examples), len(fixes), evaluation)
