"""How good an area model is: per-class precision, recall and F1, the confusion matrix and how
well its confidence is calibrated, from held-out predictions only."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .areas import Example, Params, _softmax, fit_temperature, out_of_fold_scores


@dataclass
class Evaluation:
    labels: list[int]
    precision: list[float]
    recall: list[float]
    f1: list[float]
    support: list[int]
    macro_f1: float
    accuracy: float
    confusion: list[list[int]]  # rows: true area, columns: predicted area
    calibration_error: float  # expected calibration error over 10 confidence bins
    threshold: float
    review_share: float  # predictions below the threshold, sent to evaluators
    accuracy_kept: float  # accuracy of the predictions above it

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            total += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(total)


def evaluate(
    y_true: Sequence[int], probs: np.ndarray, classes: np.ndarray, threshold: float
) -> Evaluation:
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    y = np.asarray(y_true)
    predicted = classes[probs.argmax(axis=1)]
    labels = sorted(set(classes.tolist()) | set(y.tolist()))
    p, r, f, s = precision_recall_fscore_support(y, predicted, labels=labels, zero_division=0)
    confidence = probs.max(axis=1)
    correct = predicted == y
    kept = confidence >= threshold
    return Evaluation(
        labels=labels,
        precision=[round(float(v), 4) for v in p],
        recall=[round(float(v), 4) for v in r],
        f1=[round(float(v), 4) for v in f],
        support=[int(v) for v in s],
        macro_f1=round(float(np.mean(f)), 4),
        accuracy=round(float(correct.mean()), 4),
        confusion=confusion_matrix(y, predicted, labels=labels).tolist(),
        calibration_error=round(calibration_error(confidence, correct), 4),
        threshold=threshold,
        review_share=round(float((~kept).mean()), 4),
        accuracy_kept=round(float(correct[kept].mean()) if kept.any() else 0.0, 4),
    )


def cross_validate(
    examples: Sequence[Example],
    params: Params | None = None,
    folds: int = 5,
    threshold: float = 0.5,
) -> Evaluation:
    """Stratified k-fold: every example is predicted by a model that never saw it. The
    temperature is fitted on the same held-out scores, as train() does."""
    y = np.array([e.area for e in examples])
    classes = np.unique(y)
    scores = out_of_fold_scores(examples, params or Params(), folds)
    probs = _softmax(scores / fit_temperature(scores, y, classes))
    return evaluate(y, probs, classes, threshold)
