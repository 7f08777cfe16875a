"""The shared vocabulary (extract/vocabulary.py) and the one canonical_city: codes equal their
strings, every code has its Chinese label, and no other module of ours spells the tables again."""

import ast
from pathlib import Path

import pytest

from extract import canonical_city, vocabulary
from extract.vocabulary import (
    CHECK_LABELS,
    FIGURE_KIND_LABELS,
    KIND_LABELS,
    LEVEL_LABELS,
    PERIOD_LABELS,
    REVIEW_LABELS,
    ROLE_LABELS,
    Check,
    FigureKind,
    FigureRole,
    Kind,
    Level,
    Period,
    Review,
    period_choices,
    period_label,
)

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("extract", "classify", "models", "corpus", "web")


@pytest.mark.parametrize(
    ("enum", "labels"),
    [
        (Period, PERIOD_LABELS),
        (Kind, KIND_LABELS),
        (Level, LEVEL_LABELS),
        (FigureRole, ROLE_LABELS),
        (FigureKind, FIGURE_KIND_LABELS),
        (Check, CHECK_LABELS),
        (Review, REVIEW_LABELS),
    ],
)
def test_every_code_has_one_chinese_label(enum, labels):
    assert set(labels) == {m.value for m in enum}
    assert all(label and not label.isascii() for label in labels.values())
    assert all(m == m.value for m in enum)  # rows written as plain strings still compare


def test_period_words():
    assert period_label("H1") == "上半年"
    assert period_label(Period.FY) == "全年"
    assert period_label("cumulative") == "cumulative"
    assert period_label(None) == ""
    assert period_choices() == "H1 上半年、FY 全年"
    assert sorted(["FY", "H1"], key=vocabulary.PERIOD_ORDER.get) == ["H1", "FY"]


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("杭州", "杭州市"),
        (" 杭州市 ", "杭州市"),
        ("洪泽县", "洪泽区"),
        ("浙江", "浙江省"),
        ("鼓楼区", "鼓楼区"),  # several units share the name: kept as typed
        ("不存在的城市", "不存在的城市"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_canonical_city(typed, kept):
    assert canonical_city(typed) == kept


def _modules():
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))
    yield from (
        sorted((ROOT / "cli").rglob("*.py")) if (ROOT / "cli").is_dir() else [ROOT / "cli.py"]
    )


# Files other branches are rewriting; their copies go when those land.
PENDING: set[str] = set()


def test_period_codes_are_spelled_only_in_the_vocabulary():
    """A dict or tuple literal holding both period codes, or a 上半年/全年 label table, is a copy
    of the vocabulary."""
    copies = []
    for path in _modules():
        rel = path.relative_to(ROOT).as_posix()
        if rel == "extract/vocabulary.py" or rel in PENDING:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict | ast.Tuple | ast.List | ast.Set):
                items = node.keys if isinstance(node, ast.Dict) else node.elts
                words = {k.value for k in items if isinstance(k, ast.Constant)}
                if {"H1", "FY"} <= words:
                    copies.append(f"{rel}:{node.lineno}")
            if isinstance(node, ast.Dict):
                values = {v.value for v in node.values if isinstance(v, ast.Constant)}
                if {"上半年", "全年"} <= values or {"达标", "未达标"} <= values:
                    copies.append(f"{rel}:{node.lineno}")
    assert copies == []


def test_city_names_are_made_canonical_only_by_canonical_city():
    """`city_named(x).name if … else x` written out again is a second normaliser."""
    copies = []
    for path in _modules():
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("extract/") or rel in PENDING:
            continue
        if "city_named" in path.read_text(encoding="utf-8"):
            copies.append(rel)
    assert copies == []
