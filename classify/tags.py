"""Typical-application tags: multi-label, from the taxonomy in classify/data/tags.toml.

One logistic regression per tag (one-vs-rest) over the shared text features, plus one extra
feature per tag: how many of the tag's vocabulary words the case uses. With 15-20 labelled cases
for some tags, the words evaluators would name for a tag carry evidence the few examples cannot;
the model learns how much to trust them.

Which tags a case gets is one rule for all tags, chosen on cross-validated probabilities (per-tag
thresholds would be fitted to a dozen positives each): the best tag always; others at or above a
threshold, only if they score at least a share (`ratio`) of the best one, and no more than
`max_tags` in all. The ratio and the cap stop the over-tagging that a threshold alone allows on
long cases that mention many applications in passing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import artifact
from .features import FeatureParams, TextFeatures
from .tokens import dictionary_hash, normalize

KIND = "tags"
TAXONOMY = Path(__file__).parent / "data" / "tags.toml"
DATA = Path(__file__).parent / "data" / "apps"
DEFAULT_MODEL = Path(__file__).parent / "trained" / "tags.npz"


@dataclass(frozen=True)
class Tag:
    id: str
    name: str
    area: int
    words: tuple[str, ...]


@lru_cache(maxsize=1)
def taxonomy(path: Path = TAXONOMY) -> dict[str, Tag]:
    """The tags by id, in file order. A bad entry is an error naming the file and the entry."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    tags: dict[str, Tag] = {}
    for n, entry in enumerate(data.get("tag", []), 1):
        try:
            tag = Tag(
                str(entry["id"]),
                str(entry["name"]),
                int(entry["area"]),
                tuple(normalize(w) for w in entry.get("words", [])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: 第 {n} 个标签有误（{exc}）") from exc
        if tag.id in tags:
            raise ValueError(f"{path}: 标签 {tag.id} 重复")
        tags[tag.id] = tag
    return tags


@dataclass(frozen=True)
class Case:
    """A labelled case: title and body, the tags that apply, its main area."""

    title: str
    text: str
    tags: tuple[str, ...]
    area: int | None = None
    id: str = ""


@dataclass(frozen=True)
class TagScore:
    tag: str
    score: float


@dataclass(frozen=True)
class TagParams(FeatureParams):
    C: float = 10.0
    vocabulary_weight: float = 0.3


def _vocabulary_counts(texts: Sequence[str], titles: Sequence[str | None], words) -> np.ndarray:
    """Per text, per tag: log(1 + number of vocabulary hits) in title and body."""
    out = np.zeros((len(texts), len(words)))
    for i, (text, title) in enumerate(zip(texts, titles, strict=True)):
        norm = normalize(f"{title or ''} {text}")
        for j, tag_words in enumerate(words):
            out[i, j] = sum(norm.count(w) for w in tag_words if w)
    return np.log1p(out)


@dataclass
class TagModel:
    params: TagParams
    features: TextFeatures
    tags: list[str]
    words: list[tuple[str, ...]]  # each tag's vocabulary, as trained
    coef: np.ndarray  # tags x features
    intercept: np.ndarray
    threshold: float = 0.5
    ratio: float = 0.0  # a further tag must score at least this share of the best one
    max_tags: int = 0  # at most this many tags per case; 0: no cap
    meta: dict = field(default_factory=dict)

    def _matrix(self, texts: Sequence[str], titles: Sequence[str | None] | None, fit: bool):
        from scipy.sparse import csr_matrix, hstack

        titles = list(titles) if titles is not None else [None] * len(texts)
        text_part = (self.features.fit_transform if fit else self.features.transform)(texts, titles)
        vocab = _vocabulary_counts(texts, titles, self.words) * self.params.vocabulary_weight
        return hstack([text_part, csr_matrix(vocab)], format="csr")

    def probabilities(
        self, texts: Sequence[str], titles: Sequence[str | None] | None = None
    ) -> np.ndarray:
        scores = np.asarray(self._matrix(texts, titles, fit=False) @ self.coef.T) + self.intercept
        return 1 / (1 + np.exp(-scores))

    def decide(self, probs: np.ndarray) -> np.ndarray:
        """0/1 per case and tag, by this model's decision rule."""
        return decide(probs, self.threshold, self.ratio, self.max_tags)

    def predict(
        self, texts: Sequence[str], titles: Sequence[str | None] | None = None
    ) -> list[list[TagScore]]:
        """Per text, the tags the decision rule keeps (see `decide`), best first; a case whose
        best tag is below the threshold gets none, and is left to the evaluator."""
        if not texts:
            return []
        probs = self.probabilities(texts, titles)
        chosen = self.decide(probs)
        return [
            [
                TagScore(self.tags[j], round(float(row[j]), 4))
                for j in np.argsort(-row)
                if keep[j] and row[j] >= self.threshold
            ]
            for row, keep in zip(probs, chosen, strict=True)
        ]

    def save(self, path: Path) -> None:
        arrays = {
            "coef": self.coef.astype(np.float32),
            "intercept": self.intercept.astype(np.float64),
            **self.features.arrays(),
        }
        meta = {
            **self.meta,
            "kind": KIND,
            "params": asdict(self.params),
            "tags": self.tags,
            "words": [list(w) for w in self.words],
            "threshold": self.threshold,
            "ratio": self.ratio,
            "max_tags": self.max_tags,
        }
        artifact.save(path, meta, arrays)

    @classmethod
    def load(cls, path: Path) -> TagModel:
        meta, arrays = artifact.load(path)
        if meta.get("kind") != KIND:
            raise artifact.ModelError(f"{path}: 不是典型应用标签模型（{meta.get('kind')}）")
        try:
            params = TagParams(**meta["params"])
            return cls(
                params=params,
                features=TextFeatures.from_arrays(params.features(), arrays),
                tags=list(meta["tags"]),
                words=[tuple(w) for w in meta["words"]],
                coef=arrays["coef"].astype(np.float64),
                intercept=arrays["intercept"],
                threshold=float(meta["threshold"]),
                ratio=float(meta.get("ratio", 0.0)),
                max_tags=int(meta.get("max_tags", 0)),
                meta={k: v for k, v in meta.items() if k not in ("params", "words")},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise artifact.ModelError(
                f"{path}: 模型文件不完整，请运行 infocity train 重新训练（{exc}）"
            ) from exc


def _targets(cases: Sequence[Case], tags: list[str]) -> np.ndarray:
    index = {t: i for i, t in enumerate(tags)}
    y = np.zeros((len(cases), len(tags)), dtype=int)
    for i, case in enumerate(cases):
        for tag in case.tags:
            y[i, index[tag]] = 1
    return y


def fit(cases: Sequence[Case], params: TagParams = TagParams()) -> TagModel:
    from sklearn.linear_model import LogisticRegression

    tags = list(taxonomy())
    model = TagModel(
        params=params,
        features=TextFeatures(params.features()),
        tags=tags,
        words=[taxonomy()[t].words for t in tags],
        coef=np.zeros(0),
        intercept=np.zeros(0),
    )
    X = model._matrix([c.text for c in cases], [c.title for c in cases], fit=True)
    y = _targets(cases, tags)
    coef = np.zeros((len(tags), X.shape[1]))
    intercept = np.full(len(tags), -10.0)  # a tag no case has is never predicted
    for j in range(len(tags)):
        if 0 < y[:, j].sum() < len(cases):
            clf = LogisticRegression(C=params.C, max_iter=3000, class_weight="balanced")
            clf.fit(X, y[:, j])
            coef[j], intercept[j] = clf.coef_[0], clf.intercept_[0]
    model.coef, model.intercept = coef, intercept
    return model


def out_of_fold(
    cases: Sequence[Case], params: TagParams = TagParams(), folds: int = 5, seed: int = 0
) -> np.ndarray:
    """Each case's tag probabilities from a model that never saw it."""
    from sklearn.model_selection import KFold

    probs = np.zeros((len(cases), len(taxonomy())))
    for train_idx, test_idx in KFold(folds, shuffle=True, random_state=seed).split(cases):
        model = fit([cases[i] for i in train_idx], params)
        held = [cases[i] for i in test_idx]
        probs[test_idx] = model.probabilities([c.text for c in held], [c.title for c in held])
    return probs


def micro_f1(y: np.ndarray, predicted: np.ndarray) -> float:
    tp = int((y & predicted).sum())
    fp = int(((1 - y) & predicted).sum())
    fn = int((y & (1 - predicted)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def decide(
    probs: np.ndarray, threshold: float, ratio: float = 0.0, max_tags: int = 0
) -> np.ndarray:
    """Always the best tag (every case is about something); besides it, tags at or above the
    threshold that score at least `ratio` × the best, at most `max_tags` in all (0: no cap)."""
    best = probs.max(axis=1, keepdims=True)
    predicted = ((probs >= threshold) & (probs >= ratio * best)).astype(int)
    if max_tags > 0:
        rank = np.argsort(np.argsort(-probs, axis=1), axis=1)
        predicted[rank >= max_tags] = 0
    predicted[np.arange(len(probs)), probs.argmax(axis=1)] = 1
    return predicted


def precision(y: np.ndarray, predicted: np.ndarray) -> float:
    kept = int(predicted.sum())
    return int((y & predicted).sum()) / kept if kept else 0.0


def choose_rule(probs: np.ndarray, y: np.ndarray) -> tuple[float, float, int]:
    """The threshold, ratio and cap with the best micro-F1 on held-out probabilities; among
    equals (within 0.002), the most precise: a wrong tag misleads, a missing one is added."""
    scored = []
    for t in np.arange(0.15, 0.801, 0.025):
        for ratio in (0.0, 0.2, 0.3, 0.4, 0.5, 0.6):
            for cap in (0, 4, 3, 2):
                predicted = decide(probs, t, ratio, cap)
                scored.append((micro_f1(y, predicted), precision(y, predicted), t, ratio, cap))
    top = max(s[0] for s in scored)
    _, _, t, ratio, cap = max((s for s in scored if s[0] >= top - 0.002), key=lambda s: s[1])
    return round(float(t), 3), ratio, cap


def choose_threshold(probs: np.ndarray, y: np.ndarray) -> float:
    return choose_rule(probs, y)[0]


data_hash = artifact.data_hash
REPEATS = 3  # cross-validation splits the decision rule is chosen on


def train(
    cases: Sequence[Case], params: TagParams = TagParams(), folds: int = 5
) -> tuple[TagModel, np.ndarray]:
    """The final model with its threshold chosen on out-of-fold probabilities (returned too)."""
    unknown = {t for c in cases for t in c.tags} - set(taxonomy())
    if unknown:
        raise ValueError(f"训练数据含有分类表中没有的标签：{', '.join(sorted(unknown))}")
    # The rule is chosen on three different 5-fold splits stacked: on one split alone the best
    # rule moves with the split (a dozen positives per tag), on three it settles.
    runs = [out_of_fold(cases, params, folds, seed) for seed in range(REPEATS)]
    y = _targets(cases, list(taxonomy()))
    model = fit(cases, params)
    model.threshold, model.ratio, model.max_tags = choose_rule(
        np.vstack(runs), np.vstack([y] * len(runs))
    )
    probs = np.mean(runs, axis=0)
    model.meta = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_hash": data_hash(cases),
        "examples": len(cases),
        "dictionary": dictionary_hash(),
    }
    return model, probs


def _case(row: dict) -> Case:
    tags = tuple(str(t) for t in row["tags"])
    if not tags or not str(row["text"]).strip():
        raise ValueError("no tags or empty text")
    area = row.get("area")
    return Case(
        str(row.get("title") or ""),
        str(row["text"]),
        tags,
        int(area) if area is not None else None,
        str(row.get("id", "")),
    )


def load_cases(paths: Iterable[Path] | None = None) -> list[Case]:
    """Labelled cases (JSON lines with title, text, tags, optional area); the bundled ones by
    default."""
    files = sorted(DATA.glob("*.jsonl")) if paths is None else list(paths)
    return artifact.read_labelled(files, _case, "典型应用样本")


@lru_cache(maxsize=4)
def load_model(path: Path | None = None) -> TagModel:
    return TagModel.load(path or DEFAULT_MODEL)
