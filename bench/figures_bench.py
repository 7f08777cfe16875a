"""Figures extractor: speed against a bare regex pass, and quality against a labelled set.

    python bench/figures_bench.py [--sentences 20000] [--repeat 3] [--labelled PATH] [--show 200]

Speed: `find_figures` over realistic sentences (those of the sample reports, scripts/samples/*.txt,
split at 。！？, cycled to --sentences), best of --repeat runs on one core, against a bare
`re.finditer(r"\\d+(\\.\\d+)?", s)` pass over the same sentences in the same run. The target is
5,000 sentences/s.

Quality, when bench/data/figures_labelled.jsonl exists (written independently of the extractor):
precision and recall of (value, unit) pairs, per unit, and for the matched pairs the agreement on
kind, cmp, approx, period and indicator; then every miss and every false hit, so they can be fixed.
Each line of the file is a JSON object with the text under "text" (or "sentence"/"passage"), or a
table under "rows" (a list of rows of cell strings), and the expected figures under "figures" (or
"labels"/"expected"/"gold"): objects with at least "value" and "unit".

Time, when bench/data/figures_asof.jsonl exists (labelled by hand before the code existed, see
figures_asof.md): the same (value, unit) precision and recall, and on the matched figures the
agreement on `role` and `as_of` (classify.figure_time, given each item's submission year and
period), with the commonest disagreements.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classify.figure_time import When, date_figures, date_table_figures  # noqa: E402
from classify.figures import Figure, find_figures  # noqa: E402
from classify.indicators import load_catalogue  # noqa: E402
from classify.table_figures import figures_in_table  # noqa: E402

LABELLED = ROOT / "bench" / "data" / "figures_labelled.jsonl"
ASOF = ROOT / "bench" / "data" / "figures_asof.jsonl"
SAMPLES = ROOT / "scripts" / "samples"
TEXT_KEYS = ("text", "sentence", "passage", "input")
TABLE_KEYS = ("rows", "table")
GOLD_KEYS = ("figures", "labels", "expected", "gold", "annotations")
FIELDS = ("kind", "cmp", "approx", "period", "indicator")
_SENTENCE_END = re.compile(r"(?<=[。！？])")


# Speed ------------------------------------------------------------------------------------------


def sample_sentences() -> list[str]:
    """The sentences of the sample reports' sources: prose as the reports write it."""
    sentences = []
    for path in sorted(SAMPLES.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("@") or line.startswith("|") or not line.strip():
                continue
            sentences.extend(s for s in _SENTENCE_END.split(line) if len(s.strip()) > 4)
    return sentences


def best_time(run: Callable[[], object], repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def bare_regex_pass(sentences: list[str]) -> int:
    count = 0
    for sentence in sentences:
        for _ in re.finditer(r"\d+(\.\d+)?", sentence):
            count += 1
    return count


def extract_all(sentences: list[str]) -> int:
    return sum(len(find_figures(s)) for s in sentences)


def extract_and_date(sentences: list[str]) -> int:
    when = When(2016, "FY")
    return sum(len(date_figures(s, find_figures(s), when)) for s in sentences)


def speed(n: int, repeat: int) -> None:
    pool = sample_sentences()
    sentences = list(itertools.islice(itertools.cycle(pool), n))
    load_catalogue()
    find_figures(pool[0])  # warm-up: regexes compiled, catalogue read
    ours = best_time(lambda: extract_all(sentences), repeat)
    bare = best_time(lambda: bare_regex_pass(sentences), repeat)
    timed = best_time(lambda: extract_and_date(sentences), repeat)
    figures = extract_all(sentences)
    chars = sum(len(s) for s in sentences)
    print(
        f"Speed: {n} sentences ({len(pool)} distinct, {chars / n:.0f} characters each on average), best of {repeat}"
    )
    print(f"  {'measurement':<36} {'sentences/s':>12} {'seconds':>9}")
    print(f"  {'find_figures':<36} {n / ours:>12,.0f} {ours:>9.3f}")
    print(f"  {'find_figures + date_figures':<36} {n / timed:>12,.0f} {timed:>9.3f}")
    baseline = 're.finditer(r"\\d+(\\.\\d+)?", s)'
    print(f"  {baseline:<36} {n / bare:>12,.0f} {bare:>9.3f}")
    print(
        f"  find_figures takes {ours / bare:.1f}× the bare pass; {figures / n:.2f} figures per sentence"
    )
    print(f"  target 5,000 sentences/s: {'met' if n / ours >= 5000 else 'NOT met'}")


# Quality ----------------------------------------------------------------------------------------


@dataclass
class Item:
    """One labelled line: its text or table, and its expected figures."""

    line: int
    text: str | None
    rows: list[list[str]] | None
    gold: list[dict[str, Any]]


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else math.nan

    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else math.nan


@dataclass
class Report:
    total: Tally = field(default_factory=Tally)
    by_unit: dict[str, Tally] = field(default_factory=dict)
    agree: Counter[str] = field(default_factory=Counter)
    compared: Counter[str] = field(default_factory=Counter)
    confusions: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict)
    misses: list[tuple[Item, dict[str, Any]]] = field(default_factory=list)
    false_hits: list[tuple[Item, Figure]] = field(default_factory=list)

    def unit(self, unit: str) -> Tally:
        return self.by_unit.setdefault(unit, Tally())


def _first(obj: dict[str, Any], keys: Iterable[str]) -> Any:
    for key in keys:
        if key in obj:
            return obj[key]
    return None


def read_labelled(path: Path) -> list[Item]:
    """The labelled lines; exits with a clear message when a line has no text/table or no
    figures list, naming the line and the keys it has."""
    items = []
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            obj = json.loads(raw)
            text = _first(obj, TEXT_KEYS)
            rows = _first(obj, TABLE_KEYS)
            gold = _first(obj, GOLD_KEYS)
            if (text is None and rows is None) or not isinstance(gold, list):
                sys.exit(
                    f"{path}:{number}: expected a text ({'/'.join(TEXT_KEYS)}) or a table "
                    f"({'/'.join(TABLE_KEYS)}) and a list of figures ({'/'.join(GOLD_KEYS)}); "
                    f"the line has keys {sorted(obj)}"
                )
            gold = [g for g in gold if isinstance(g, dict) and g.get("value") is not None]
            items.append(Item(number, text if isinstance(text, str) else None, rows, gold))
    return items


def _same_value(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _norm(name: str, value: Any) -> str:
    """A field value as text, so that None, null and "" compare equal and True prints as true."""
    if value is None or value == "":
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def match(
    gold: list[dict[str, Any]], found: list[Figure]
) -> tuple[list[tuple[dict, Figure]], list[dict], list[Figure]]:
    """Pairs expected and found figures by (value, unit); among equal pairs, the one whose raw
    text matches (when the label gives one) is taken first."""
    left = list(found)
    pairs, misses = [], []
    for expected in gold:
        value, unit = float(expected["value"]), str(expected.get("unit") or "")
        candidates = [f for f in left if f.unit == unit and _same_value(f.value, value)]
        if not candidates:
            misses.append(expected)
            continue
        raw = expected.get("raw")
        chosen = next((f for f in candidates if raw and raw in f.raw), candidates[0])
        left.remove(chosen)
        pairs.append((expected, chosen))
    return pairs, misses, left


def evaluate(items: list[Item]) -> Report:
    report = Report()
    for item in items:
        found = (
            figures_in_table(item.rows) if item.rows is not None else find_figures(item.text or "")
        )
        pairs, misses, false_hits = match(item.gold, found)
        for expected, figure in pairs:
            report.total.tp += 1
            report.unit(figure.unit).tp += 1
            for name in FIELDS:
                if name not in expected:
                    continue
                want, got = _norm(name, expected[name]), _norm(name, getattr(figure, name))
                report.compared[name] += 1
                if want == got:
                    report.agree[name] += 1
                else:
                    report.confusions.setdefault(name, Counter())[(want, got)] += 1
        for expected in misses:
            report.total.fn += 1
            report.unit(str(expected.get("unit") or "")).fn += 1
            report.misses.append((item, expected))
        for figure in false_hits:
            report.total.fp += 1
            report.unit(figure.unit).fp += 1
            report.false_hits.append((item, figure))
    return report


def _pct(x: float) -> str:
    return "   —" if math.isnan(x) else f"{100 * x:5.1f}%"


def _where(item: Item) -> str:
    if item.rows is not None:
        return f"line {item.line} (table) " + " | ".join(" / ".join(row) for row in item.rows)[:160]
    return f"line {item.line}: {item.text}"


def print_quality(path: Path, show: int) -> None:
    items = read_labelled(path)
    report = evaluate(items)
    total = report.total
    n_gold = total.tp + total.fn
    print(f"\nQuality against {path}: {len(items)} lines, {n_gold} expected figures")
    print(
        f"  (value, unit) pairs: precision {_pct(total.precision())}  recall {_pct(total.recall())}  "
        f"(matched {total.tp}, missed {total.fn}, false hits {total.fp})"
    )
    print(f"\n  {'unit':<12} {'expected':>8} {'found':>6} {'precision':>10} {'recall':>8}")
    for unit, tally in sorted(report.by_unit.items(), key=lambda kv: -(kv[1].tp + kv[1].fn)):
        print(
            f"  {unit or '(none)':<12} {tally.tp + tally.fn:>8} {tally.tp + tally.fp:>6} "
            f"{_pct(tally.precision()):>10} {_pct(tally.recall()):>8}"
        )
    print("\n  agreement on matched figures (where the label gives the field):")
    for name in FIELDS:
        if report.compared[name]:
            rate = report.agree[name] / report.compared[name]
            common = ", ".join(
                f"{want}→{got} ×{n}"
                for (want, got), n in report.confusions.get(name, Counter()).most_common(4)
            )
            print(
                f"    {name:<10} {_pct(rate)} of {report.compared[name]}"
                + (f"   (labelled→ours: {common})" if common else "")
            )
        else:
            print(f"    {name:<10} not labelled")
    print(f"\n  Misses ({len(report.misses)}; first {min(show, len(report.misses))}):")
    for item, expected in report.misses[:show]:
        label = {k: expected[k] for k in ("raw", "value", "unit") if k in expected}
        print(f"    {label}  ← {_where(item)}")
    print(f"\n  False hits ({len(report.false_hits)}; first {min(show, len(report.false_hits))}):")
    for item, figure in report.false_hits[:show]:
        print(f"    {figure.raw!r} = {figure.value:g} {figure.unit}  ← {_where(item)}")


def dated(obj: dict[str, Any]) -> list[Figure]:
    """An as-of item's figures, dated with its submission."""
    when = When(**obj.get("submission", {}))
    if obj.get("rows") is not None:
        rows = obj["rows"]
        return date_table_figures(rows, figures_in_table(rows), when)
    text = obj["text"]
    return date_figures(text, find_figures(text), when)


def print_time(path: Path, show: int) -> None:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    total = Tally()
    agree: Counter[str] = Counter()
    compared: Counter[str] = Counter()
    confusions: dict[str, Counter[tuple[str, str]]] = {"role": Counter(), "as_of": Counter()}
    wrong: list[str] = []
    for obj in items:
        found = dated(obj)
        pairs, misses, false_hits = match(obj["figures"], found)
        total.tp += len(pairs)
        total.fn += len(misses)
        total.fp += len(false_hits)
        for expected, figure in pairs:
            if "role" not in expected:
                continue
            for name in ("role", "as_of"):
                want, got = _norm(name, expected[name]), _norm(name, getattr(figure, name))
                compared[name] += 1
                if want == got:
                    agree[name] += 1
                else:
                    confusions[name][(want, got)] += 1
                    wrong.append(f"{obj['id']} {figure.raw!r} {name}: labelled {want}, got {got}")
    n_gold = total.tp + total.fn
    print(f"\nTime against {path}: {len(items)} items, {n_gold} expected figures")
    print(
        f"  (value, unit) pairs: precision {_pct(total.precision())}  recall {_pct(total.recall())}"
        f"  (matched {total.tp}, missed {total.fn}, false hits {total.fp})"
    )
    for name in ("role", "as_of"):
        rate = agree[name] / compared[name] if compared[name] else math.nan
        common = ", ".join(f"{w}→{g} ×{n}" for (w, g), n in confusions[name].most_common(5))
        print(f"  {name:<6} agreement {_pct(rate)} of {compared[name]}   (labelled→ours: {common})")
    print(f"\n  Disagreements ({len(wrong)}; first {min(show, len(wrong))}):")
    for line in wrong[:show]:
        print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    parser.add_argument("--asof", type=Path, default=ASOF, help="the role/as-of labelled set")
    parser.add_argument("--show", type=int, default=200, help="misses and false hits listed")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed measurement")
    args = parser.parse_args()
    if not args.no_speed:
        speed(args.sentences, args.repeat)
    if args.asof.exists():
        print_time(args.asof.resolve(), args.show)
    if args.labelled.exists():
        print_quality(args.labelled.resolve(), args.show)
    else:
        print(f"\nNo labelled set at {args.labelled}: quality not measured.")


if __name__ == "__main__":
    main()
