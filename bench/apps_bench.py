"""Typical-application tags: quality against a held-out set, with a vocabulary-only baseline.

    python bench/apps_bench.py

Quality: 5-fold cross-validation on the training cases (classify/data/apps/), then the model
trained on all of them scored on bench/data/apps_holdout.jsonl (written independently, other
cities, never trained on). Baseline in the same run: tags whose taxonomy words appear in the case
(classify/data/tags.toml), the best one always. Also: the case's main area from the area model,
and tagging speed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from classify import load_area_model  # noqa: E402
from classify.tags import decide, load_cases, micro_f1, taxonomy, train  # noqa: E402
from classify.tokens import normalize  # noqa: E402

HOLDOUT = ROOT / "bench" / "data" / "apps_holdout.jsonl"


def targets(cases, tags: list[str]) -> np.ndarray:
    return np.array([[1 if t in c.tags else 0 for t in tags] for c in cases])


def vocabulary_baseline(cases, tags: list[str]) -> np.ndarray:
    words = [taxonomy()[t].words for t in tags]
    scores = np.array(
        [
            [sum(normalize(f"{c.title} {c.text}").count(w) for w in ws) for ws in words]
            for c in cases
        ],
        dtype=float,
    )
    predicted = (scores >= 2).astype(int)
    predicted[np.arange(len(cases)), scores.argmax(axis=1)] = 1
    return predicted


def per_tag_f1(y: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    tp = (y & predicted).sum(axis=0)
    fp = ((1 - y) & predicted).sum(axis=0)
    fn = (y & (1 - predicted)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(2 * tp / (2 * tp + fp + fn))


def main() -> None:
    cases = load_cases()
    holdout = load_cases([HOLDOUT])
    print(f"training cases: {len(cases)}; held-out cases: {len(holdout)}")
    start = time.perf_counter()
    model, oof = train(cases)
    print(f"trained in {time.perf_counter() - start:.1f} s; threshold {model.threshold:.2f}")
    y = targets(cases, model.tags)
    print(f"5-fold CV micro-F1: {micro_f1(y, decide(oof, model.threshold)):.3f}")

    yh = targets(holdout, model.tags)
    probs = model.probabilities([c.text for c in holdout], [c.title for c in holdout])
    predicted = decide(probs, model.threshold)
    print(f"held-out micro-F1:  {micro_f1(yh, predicted):.3f}")
    f1 = per_tag_f1(yh, predicted)
    print("  per tag F1:", " ".join(f"{t}:{v:.2f}" for t, v in zip(model.tags, f1, strict=True)))
    tp = int((yh & predicted).sum())
    print(f"  precision {tp / predicted.sum():.3f}, recall {tp / yh.sum():.3f}")
    base = vocabulary_baseline(holdout, model.tags)
    print(f"baseline taxonomy words, held-out micro-F1: {micro_f1(yh, base):.3f}")

    areas = load_area_model().predict([c.text for c in holdout], [c.title for c in holdout])
    right = sum(p.area == c.area for p, c in zip(areas, holdout, strict=True))
    print(f"main area from the area model, held-out accuracy: {right / len(holdout):.3f}")

    texts = [c.text for c in cases] * 3
    titles = [c.title for c in cases] * 3
    model.predict(texts[:20], titles[:20])
    start = time.perf_counter()
    model.predict(texts, titles)
    rate = len(texts) / (time.perf_counter() - start)
    mean = sum(map(len, texts)) / len(texts)
    print(f"speed: {rate:,.0f} cases/s on one core (mean {mean:.0f} characters)")


if __name__ == "__main__":
    main()
