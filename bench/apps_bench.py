"""Typical-application tags: quality against a held-out set, with a vocabulary-only baseline.

    python bench/apps_bench.py

Quality, side by side: 5-fold cross-validation on the training cases (classify/data/apps/; the
decision rule is chosen on three such splits, the CV column averages them), the model trained on
all of them scored on bench/data/apps_holdout.jsonl (written independently, other cities, never
trained on), and on bench/data/apps_holdout_real.jsonl: 55 real paragraphs of the area model's
real held-out set (classify/data/areas/real_holdout.jsonl) that report on typical applications,
tagged by hand (one labeller; no real typical-application submissions are labelled yet). Each row gives micro-F1, precision and recall; rows: the model with its
decision rule (threshold, ratio to the best tag, cap; chosen on the cross-validated
probabilities), the same model with the threshold alone (the rule before the ratio and cap), and
the baseline of tags whose taxonomy words appear in the case (classify/data/tags.toml), the best
one always. Also: the case's main area from the area model, and tagging speed.
"""

from __future__ import annotations

import argparse
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
from classify.tags import TagModel, decide, load_cases, micro_f1, taxonomy, train  # noqa: E402
from classify.tokens import normalize  # noqa: E402

HOLDOUT = ROOT / "bench" / "data" / "apps_holdout.jsonl"
REAL = ROOT / "bench" / "data" / "apps_holdout_real.jsonl"


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


def choose_threshold_only(probs: np.ndarray, y: np.ndarray) -> float:
    """The rule before ratio and cap: the one threshold with the best cross-validated micro-F1."""
    grid = np.arange(0.2, 0.81, 0.05)
    return round(float(grid[int(np.argmax([micro_f1(y, decide(probs, t)) for t in grid]))]), 2)


def per_tag_f1(y: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    tp = (y & predicted).sum(axis=0)
    fp = ((1 - y) & predicted).sum(axis=0)
    fn = (y & (1 - predicted)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(2 * tp / (2 * tp + fp + fn))


def scores(y: np.ndarray, predicted: np.ndarray) -> str:
    tp = int((y & predicted).sum())
    p = tp / predicted.sum() if predicted.sum() else 0.0
    return f"{micro_f1(y, predicted):.3f} / {p:.3f} / {tp / y.sum():.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--against", type=Path, help="another tag model file to time on the same cases"
    )
    args = parser.parse_args()
    cases = load_cases()
    holdout = load_cases([HOLDOUT])
    real = load_cases([REAL])
    print(
        f"training cases: {len(cases)}; held-out cases: {len(holdout)} written, "
        f"{len(real)} real paragraphs"
    )
    start = time.perf_counter()
    model, oof = train(cases)
    print(
        f"trained in {time.perf_counter() - start:.1f} s; rule: threshold {model.threshold:.3f}, "
        f"ratio to the best tag {model.ratio:.1f}, at most {model.max_tags or 'any'} tags"
    )
    y = targets(cases, model.tags)
    yh = targets(holdout, model.tags)
    probs = model.probabilities([c.text for c in holdout], [c.title for c in holdout])
    predicted = model.decide(probs)
    yr = targets(real, model.tags)
    probs_r = model.probabilities([c.text for c in real], [c.title for c in real])
    old_threshold = choose_threshold_only(oof, y)
    print(
        "\nmicro-F1 / precision / recall     5-fold CV              held-out written"
        "       held-out real"
    )
    print(
        f"  model, its rule              {scores(y, model.decide(oof))}    {scores(yh, predicted)}"
        f"    {scores(yr, model.decide(probs_r))}"
    )
    print(
        f"  model, threshold {old_threshold:.2f} only   "
        f"{scores(y, decide(oof, old_threshold))}    {scores(yh, decide(probs, old_threshold))}"
        f"    {scores(yr, decide(probs_r, old_threshold))}"
    )
    print(
        f"  baseline taxonomy words      {scores(y, vocabulary_baseline(cases, model.tags))}    "
        f"{scores(yh, vocabulary_baseline(holdout, model.tags))}    "
        f"{scores(yr, vocabulary_baseline(real, model.tags))}"
    )
    print("  (no guide-section baseline for tags: the guide's sections are areas, not tags)")
    per_case = predicted.sum(axis=1)
    print(
        f"held-out tags per case: {per_case.mean():.2f} predicted, {yh.sum(axis=1).mean():.2f} "
        f"true; most {int(per_case.max())}"
    )
    f1 = per_tag_f1(yh, predicted)
    print("  per tag F1:", " ".join(f"{t}:{v:.2f}" for t, v in zip(model.tags, f1, strict=True)))

    areas = load_area_model().predict([c.text for c in holdout], [c.title for c in holdout])
    right = sum(p.area == c.area for p, c in zip(areas, holdout, strict=True))
    print(f"main area from the area model, held-out accuracy: {right / len(holdout):.3f}")

    texts = [c.text for c in cases] * 3
    titles = [c.title for c in cases] * 3

    def rate_of(m) -> float:
        m.predict(texts[:20], titles[:20])
        start = time.perf_counter()
        m.predict(texts, titles)
        return len(texts) / (time.perf_counter() - start)

    mean = sum(map(len, texts)) / len(texts)
    print(f"speed: {rate_of(model):,.0f} cases/s on one core (mean {mean:.0f} characters)")
    if args.against:
        other = TagModel.load(args.against)
        pairs = [(rate_of(other), rate_of(model)) for _ in range(3)]  # alternate: same load
        print(
            f"speed against {args.against.name}, alternating: "
            f"{max(p[0] for p in pairs):,.0f} cases/s then, {max(p[1] for p in pairs):,.0f} now"
        )


if __name__ == "__main__":
    main()
