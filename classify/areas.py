"""Which of the guide's six demonstration areas (or none, 0) a passage reports on.

Word n-grams (jieba with the domain dictionary) and character n-grams, TF-IDF weighted, feed a
multinomial logistic regression. Character n-grams carry the classifier over words jieba splits
badly and over phrasing it has not seen; the passage's heading path is a separate, lighter block
of features, because headings help but mislead in the hard cases where a passage sits under
another area's heading.

The model learns from two kinds of passages: ones written for the project and real paragraphs of
public government documents (classify/data/areas/README.md). Real paragraphs are long and mix
areas, so a long passage is also cut into runs of whole sentences; each run is scored and the
runs vote, weighted by length, together with the whole passage. A paragraph that reports on two
areas then shows both, the second as `second_area`.

Probabilities are calibrated on cross-validated scores of the real paragraphs (written text is
cleaner and would make the model look surer than it is on real reports), so that "confidence 0.8"
means right about eight times in ten on real text; the review threshold is chosen on those same
held-out scores. (A shift of area 0's prior fitted there as well lowered the log-loss but moved
macro-F1 up on one half of the real documents and down on the other, so it is not used.) Real paragraphs of one document always fall in
the same fold: a model must not be scored on a paragraph whose neighbours it learned from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import artifact
from .features import FeatureParams, TextFeatures
from .tokens import dictionary_hash

AREAS: dict[int, str] = {
    0: "不属于六个示范领域",
    1: "加快信息基础设施升级改造",
    2: "增强信息消费高端供给水平",
    3: "提升公共服务能力",
    4: "推动新兴文化服务发展",
    5: "挖掘信息消费新需求",
    6: "释放大众创业万众创新潜能",
}
SHORT_NAMES: dict[int, str] = {
    0: "其他",
    1: "信息基础设施",
    2: "高端供给",
    3: "公共服务",
    4: "新兴文化",
    5: "新需求",
    6: "双创",
}
KIND = "areas"
DATA = Path(__file__).parent / "data" / "areas"
DEFAULT_MODEL = Path(__file__).parent / "trained" / "areas.npz"
# Real paragraphs kept from whole documents that are never trained on (bench/areas_bench.py).
REAL_HOLDOUT = DATA / "real_holdout.jsonl"


@dataclass(frozen=True)
class Example:
    """A labelled passage. `source` is where a real paragraph was published (empty for written
    ones) and `doc` the document it belongs to, which keeps a document's paragraphs together."""

    text: str
    area: int
    title: str | None = None
    id: str = ""
    source: str = ""
    doc: str = ""

    @property
    def real(self) -> bool:
        return bool(self.source)


@dataclass(frozen=True)
class Prediction:
    area: int
    confidence: float
    second_area: int
    second_confidence: float
    needs_review: bool


@dataclass(frozen=True)
class Params(FeatureParams):
    """Chosen by cross-validation on the training corpus (bench/areas_bench.py prints the grid).

    `segment_chars`: passages longer than this are also scored in runs of whole sentences of
    about this length (0 turns the vote off); `whole_weight` is the whole passage's share of the
    vote. `real_weight` scales how much the real paragraphs of an area count (see
    `sample_weights`): 2, chosen after the fourth round of real paragraphs because it beat 1 on
    the real part of 5-fold CV with each of three fold seeds (bench/README.md)."""

    C: float = 20.0
    segment_chars: int = 200
    whole_weight: float = 0.5
    real_weight: float = 2.0


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


@dataclass
class AreaModel:
    params: Params
    features: TextFeatures
    coef: np.ndarray  # classes x features
    intercept: np.ndarray
    classes: np.ndarray
    temperature: float = 1.0
    threshold: float = 0.5
    meta: dict = field(default_factory=dict)

    def _linear(self, texts: Sequence[str], titles: Sequence[str | None] | None) -> np.ndarray:
        return np.asarray(self.features.transform(texts, titles) @ self.coef.T) + self.intercept

    def scores(self, texts: Sequence[str], titles: Sequence[str | None] | None = None):
        """Uncalibrated class scores (logits), one row per text: for a long text, the whole
        text's scores and its sentence runs' length-weighted mean, mixed by `whole_weight`."""
        titles = list(titles) if titles is not None else [None] * len(texts)
        whole = self._linear(texts, titles)
        limit = self.params.segment_chars
        if limit <= 0:
            return whole
        owners: list[int] = []
        pieces: list[str] = []
        for i, text in enumerate(texts):
            runs = segments(text, limit)
            if len(runs) > 1:
                owners += [i] * len(runs)
                pieces += runs
        if not pieces:
            return whole
        piece_scores = self._linear(pieces, [titles[i] for i in owners])
        weights = np.array([len(p) for p in pieces], dtype=float)
        owner = np.array(owners)
        summed = np.zeros_like(whole)
        np.add.at(summed, owner, piece_scores * weights[:, None])
        total = np.bincount(owner, weights=weights, minlength=len(texts))
        split = total > 0
        mixed = whole.copy()
        w = self.params.whole_weight
        mixed[split] = w * whole[split] + (1 - w) * summed[split] / total[split, None]
        return mixed

    def probabilities(
        self, texts: Sequence[str], titles: Sequence[str | None] | None = None
    ) -> np.ndarray:
        return _softmax(np.asarray(self.scores(texts, titles)) / self.temperature)

    def predict(
        self,
        texts: Sequence[str],
        titles: Sequence[str | None] | None = None,
        threshold: float | None = None,
    ) -> list[Prediction]:
        if not texts:
            return []
        return predictions(
            self.probabilities(texts, titles),
            self.classes,
            self.threshold if threshold is None else threshold,
        )

    def save(self, path: Path) -> None:
        arrays = {
            "coef": self.coef.astype(np.float32),
            "intercept": self.intercept.astype(np.float64),
            "classes": self.classes.astype(np.int64),
        }
        arrays.update(self.features.arrays())
        meta = {
            **self.meta,
            "kind": KIND,
            "params": asdict(self.params),
            "temperature": self.temperature,
            "threshold": self.threshold,
        }
        artifact.save(path, meta, arrays)

    @classmethod
    def load(cls, path: Path) -> AreaModel:
        meta, arrays = artifact.load(path)
        if meta.get("kind") != KIND:
            raise artifact.ModelError(f"{path}: 不是领域分类模型（{meta.get('kind')}）")
        try:
            params = Params(**meta["params"])
            model = cls(
                params=params,
                features=TextFeatures.from_arrays(params.features(), arrays),
                coef=arrays["coef"].astype(np.float64),
                intercept=arrays["intercept"],
                classes=arrays["classes"],
                temperature=float(meta["temperature"]),
                threshold=float(meta["threshold"]),
                meta={k: v for k, v in meta.items() if k not in ("params",)},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise artifact.ModelError(
                f"{path}: 模型文件不完整，请运行 infocity train 重新训练（{exc}）"
            ) from exc
        if model.meta.get("dictionary") != dictionary_hash():
            # The words the model knows no longer match how text is cut: it would quietly
            # lose accuracy, so say so instead.
            model.meta["warning"] = "词典或停用词已修改，建议运行 infocity train 重新训练"
        return model


_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")


def segments(text: str, limit: int) -> list[str]:
    """Given a passage, returns runs of whole sentences of about `limit` characters (the whole
    text when it is not longer than 1.5 × limit). Sentences are cut on Chinese sentence-final
    punctuation only: a run never ends inside a sentence, so where a paragraph's topic changes
    the vote can follow."""
    text = text.strip()
    if len(text) <= limit * 3 // 2:
        return [text]
    runs: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        if current and len(current) + len(sentence) > limit:
            runs.append(current)
            current = ""
        current += sentence
    if current.strip():
        if runs and len(current) < limit // 3:
            runs[-1] += current  # a short tail joins the run before it
        else:
            runs.append(current)
    return [r for r in runs if r.strip()]


def predictions(probs: np.ndarray, classes: np.ndarray, threshold: float) -> list[Prediction]:
    order = np.argsort(-probs, axis=1)
    out = []
    for row, ranks in zip(probs, order, strict=True):
        first, second = int(ranks[0]), int(ranks[1])
        confidence = float(row[first])
        out.append(
            Prediction(
                area=int(classes[first]),
                confidence=round(confidence, 4),
                second_area=int(classes[second]),
                second_confidence=round(float(row[second]), 4),
                needs_review=confidence < threshold,
            )
        )
    return out


def fit(examples: Sequence[Example], params: Params = Params()) -> AreaModel:
    """Fits vectorisers and the linear model; no calibration (train() adds it)."""
    from sklearn.linear_model import LogisticRegression

    model = AreaModel(
        params=params,
        features=TextFeatures(params.features()),
        coef=np.zeros(0),
        intercept=np.zeros(0),
        classes=np.zeros(0),
    )
    X = model.features.fit_transform([e.text for e in examples], [e.title for e in examples])
    y = np.array([e.area for e in examples])
    clf = LogisticRegression(C=params.C, max_iter=3000)
    clf.fit(X, y, sample_weight=sample_weights(examples, params.real_weight))
    model.coef, model.intercept, model.classes = clf.coef_, clf.intercept_, clf.classes_
    return model


def sample_weights(examples: Sequence[Example], real_weight: float = 1.0) -> np.ndarray:
    """Training weights: every area counts the same in total (as class_weight="balanced"), and
    within an area the real paragraphs count as at most as many as its written ones (times
    `real_weight`). Real paragraphs of government documents are mostly area 0; unweighted, the
    model would learn that the look of a real document means "area 0" and send real reports on
    broadband or e-commerce there too."""
    y = np.array([e.area for e in examples])
    real = np.array([e.real for e in examples])
    weights = np.ones(len(examples))
    totals = {}
    for area in np.unique(y):
        n_real = int((real & (y == area)).sum())
        n_written = int((~real & (y == area)).sum())
        counted = min(n_real, n_written) * real_weight if n_written else n_real * real_weight
        if n_real:
            weights[real & (y == area)] = counted / n_real
        totals[area] = n_written + counted
    mean_total = np.mean(list(totals.values()))
    for area, total in totals.items():
        weights[y == area] *= mean_total / total
    return weights * len(examples) / weights.sum()


def out_of_fold_scores(
    examples: Sequence[Example], params: Params = Params(), folds: int = 5, seed: int = 0
) -> np.ndarray:
    """Each example's class scores from a model that never saw it (stratified k-fold; the real
    paragraphs of one document stay in one fold)."""
    from sklearn.model_selection import StratifiedGroupKFold

    y = np.array([e.area for e in examples])
    classes = np.unique(y)
    groups = [e.doc or e.source or f"#{i}" for i, e in enumerate(examples)]
    scores = np.zeros((len(examples), len(classes)))
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y, groups):
        model = fit([examples[i] for i in train_idx], params)
        held = [examples[i] for i in test_idx]
        part = np.asarray(model.scores([e.text for e in held], [e.title for e in held]))
        # Grouping by document can leave a small corpus's fold without an area: that area
        # then scores far below the others instead of breaking the matrix.
        full = np.repeat(part.min(axis=1, keepdims=True) - 30.0, len(classes), axis=1)
        full[:, np.searchsorted(classes, model.classes)] = part
        scores[test_idx] = full
    return scores


def fit_temperature(scores: np.ndarray, y: np.ndarray, classes: np.ndarray) -> float:
    """The temperature that minimises the log-loss of held-out scores."""
    from scipy.optimize import minimize_scalar

    index = np.searchsorted(classes, y)

    def nll(t: float) -> float:
        probs = _softmax(scores / t)
        return float(-np.log(probs[np.arange(len(y)), index] + 1e-12).mean())

    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)


def choose_threshold(confidence: np.ndarray, correct: np.ndarray, target: float = 0.95) -> float:
    """The lowest confidence above which held-out predictions are right at least `target` of the
    time, and never below 0.5: a passage whose best area is not even more likely than all the
    others together goes to the evaluator."""
    for t in np.arange(0.50, 0.91, 0.05):
        kept = confidence >= t
        if kept.any() and correct[kept].mean() >= target:
            return round(float(t), 2)
    return 0.9


data_hash = artifact.data_hash
MIN_REAL_FOR_CALIBRATION = 100


def train(
    examples: Sequence[Example], params: Params = Params(), folds: int = 5, seed: int = 0
) -> tuple[AreaModel, np.ndarray]:
    """The final model, calibrated on out-of-fold scores; returns it with those calibrated
    out-of-fold probabilities, which are the honest measure of how it will do."""
    y = np.array([e.area for e in examples])
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError("训练数据至少需要两个类别")
    oof = out_of_fold_scores(examples, params, folds, seed)
    # Calibrate where the model will be used: on real paragraphs, when there are enough.
    real = np.array([e.real for e in examples])
    on = real if real.sum() >= MIN_REAL_FOR_CALIBRATION else np.ones(len(y), dtype=bool)
    temperature = fit_temperature(oof[on], y[on], classes)
    probs = _softmax(oof / temperature)
    predicted = classes[probs.argmax(axis=1)]
    threshold = choose_threshold(probs[on].max(axis=1), predicted[on] == y[on])
    model = fit(examples, params)
    model.temperature, model.threshold = temperature, threshold
    model.meta = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_hash": data_hash(examples),
        "examples": len(examples),
        "real_examples": int(real.sum()),
        "calibrated_on": "real" if on is real else "all",
        "dictionary": dictionary_hash(),
    }
    return model, probs


def _example(row: dict) -> Example:
    area = int(row["area"])
    if area not in AREAS or not str(row["text"]).strip():
        raise ValueError(f"area {area} or empty text")
    return Example(
        str(row["text"]),
        area,
        row.get("title") or None,
        str(row.get("id", "")),
        str(row.get("source") or ""),
        str(row.get("doc") or ""),
    )


def load_examples(paths: Iterable[Path] | None = None) -> list[Example]:
    """The labelled corpus (JSON lines with text, area, optional title and, for real paragraphs,
    source and doc); by default the bundled one, without its held-out file."""
    if paths is None:
        files = [p for p in sorted(DATA.glob("*.jsonl")) if p != REAL_HOLDOUT]
    else:
        files = list(paths)
    return artifact.read_labelled(files, _example, "训练样本")


@lru_cache(maxsize=4)
def load_model(path: Path | None = None) -> AreaModel:
    """The model at `path`, or the one shipped with the package."""
    return AreaModel.load(path or DEFAULT_MODEL)
