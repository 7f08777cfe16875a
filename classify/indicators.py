"""The indicator catalogue: what a figure measures, and whether it meets the guide's target.

Evaluators compare cities indicator by indicator (fibre coverage, 20M broadband share, …), and
the 2016 guide sets targets for some of them. Both the words that name an indicator and its
target are data, in `classify/data/indicators.toml`, so an evaluator can add an indicator or a
synonym without touching code. The file is read once, checked entry by entry (a mistake names the
file and the entry), and cached.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from .errors import ClassifyError
from .units import CANONICAL_UNITS

CATALOGUE_PATH = Path(__file__).resolve().parent / "data" / "indicators.toml"

Verdict = Literal["met", "not_met", "not_comparable"]
COMPARATORS = (">", ">=", "<", "<=", "=")

# A figure stated as approximate (约, 近, 余, 左右) is taken to lie within this relative distance of
# its value: "近100%" cannot be said to meet a target of 100%, and "约96%" does not settle ">= 95".
APPROX_TOLERANCE = 0.02

# The longest gap "…" stands for in a synonym, and the characters it may not cross (a clause end).
_GAP = "[^，,；;。！？!?\n]{0,12}?"
_CLAUSE_END_RE = re.compile(r"[，,；;。！？!?\n]")
_ID_RE = re.compile(r"[a-z][a-z0-9_]*")
_FIELDS = {"id", "name", "unit", "units", "synonyms", "target"}
_TARGET_FIELDS = {"cmp", "value", "rising", "note"}


class CatalogueError(ClassifyError, ValueError):
    """The catalogue file is unreadable or an entry is malformed; the message names the file and
    the entry, so whoever edited it can find the mistake."""


class UnknownIndicator(ClassifyError, KeyError):
    """An indicator id that is not in the catalogue."""


@dataclass(frozen=True, slots=True)
class Target:
    """The guide's target: a comparison with a number (`cmp`, `value`), a rise from the previous
    report (`rising`), or only a note (nothing to score)."""

    cmp: str | None = None
    value: float | None = None
    rising: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    name: str
    unit: str
    units: tuple[str, ...]  # every unit a figure of it may carry; `unit` first
    synonyms: tuple[str, ...]
    target: Target | None = None


@dataclass(frozen=True)
class Catalogue:
    """The loaded catalogue, with one compiled synonym pattern per unit (a figure only ever looks
    at the indicators its unit agrees with, so a percentage never resolves to a user count)."""

    path: Path
    indicators: dict[str, Indicator]
    _patterns: dict[str, tuple[re.Pattern[str], dict[str, str]]] = field(repr=False)

    def get(self, indicator_id: str) -> Indicator:
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise UnknownIndicator(f"{indicator_id!r} is not in {self.path}") from None

    def resolve(self, context: str, unit: str) -> str | None:
        """Given the text before a figure and the figure's unit, returns the id of the indicator
        whose synonym appears closest before the figure in the same clause, or None."""
        entry = self._patterns.get(unit)
        if entry is None or not context:
            return None
        clause = clause_tail(context) if _CLAUSE_END_RE.search(context) else context
        pattern, ids = entry
        last = None
        for match in pattern.finditer(clause):
            last = match  # the last match is the closest to the figure
        return ids[last.lastgroup] if last is not None and last.lastgroup else None


def clause_tail(text: str) -> str:
    """The last clause of `text`: what follows its last ，；。！？ (or all of it)."""
    end = 0
    for end_match in _CLAUSE_END_RE.finditer(text):
        end = end_match.end()
    return text[end:]


# Loading and validation -----------------------------------------------------------------------


def _fail(path: Path, where: str, problem: str) -> CatalogueError:
    return CatalogueError(f"{path}: {where}: {problem}")


def _str_list(value: Any, path: Path, where: str, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(path, where, f"{name} must be a list of non-empty strings, got {value!r}")
    return tuple(v.strip() for v in value)


def _target(raw: Any, path: Path, where: str) -> Target:
    if not isinstance(raw, dict):
        raise _fail(
            path, where, f'target must be a table such as {{cmp = ">", value = 50}}, got {raw!r}'
        )
    unknown = set(raw) - _TARGET_FIELDS
    if unknown:
        raise _fail(
            path,
            where,
            f"target has unknown field(s) {sorted(unknown)}; allowed: {sorted(_TARGET_FIELDS)}",
        )
    cmp, value, rising, note = (
        raw.get("cmp"),
        raw.get("value"),
        raw.get("rising", False),
        raw.get("note"),
    )
    if not isinstance(rising, bool):
        raise _fail(path, where, f"target.rising must be true or false, got {rising!r}")
    if note is not None and not isinstance(note, str):
        raise _fail(path, where, f"target.note must be a string, got {note!r}")
    if rising and (cmp is not None or value is not None):
        raise _fail(path, where, "target has both rising and cmp/value; give one or the other")
    if (cmp is None) != (value is None):
        raise _fail(
            path, where, 'target needs cmp and value together, e.g. {cmp = ">=", value = 95}'
        )
    if cmp is not None and cmp not in COMPARATORS:
        raise _fail(path, where, f"target.cmp must be one of {', '.join(COMPARATORS)}, got {cmp!r}")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise _fail(path, where, f"target.value must be a number, got {value!r}")
    return Target(cmp=cmp, value=None if value is None else float(value), rising=rising, note=note)


def _indicator(raw: Any, index: int, path: Path, known_units: frozenset[str]) -> Indicator:
    where = f"indicator #{index + 1}"
    if not isinstance(raw, dict):
        raise _fail(path, where, "each entry must be an [[indicator]] table")
    ident = raw.get("id")
    if isinstance(ident, str):
        where = f"indicator #{index + 1} ({ident})"
    unknown = set(raw) - _FIELDS
    if unknown:
        raise _fail(path, where, f"unknown field(s) {sorted(unknown)}; allowed: {sorted(_FIELDS)}")
    for name in ("id", "name", "unit", "synonyms"):
        if name not in raw:
            raise _fail(path, where, f"missing field {name!r}")
    if not isinstance(ident, str) or not _ID_RE.fullmatch(ident):
        raise _fail(path, where, f"id must be lower-case letters, digits and _, got {ident!r}")
    name = raw["name"]
    if not isinstance(name, str) or not name.strip():
        raise _fail(path, where, "name must be a non-empty string")
    unit = raw["unit"]
    units = (unit, *_str_list(raw.get("units", []), path, where, "units"))
    for each in units:
        if not isinstance(each, str) or each not in known_units:
            raise _fail(
                path,
                where,
                f"unit {each!r} is not a unit the figures extractor gives; "
                f"use one of {' '.join(sorted(known_units))}",
            )
    synonyms = _str_list(raw["synonyms"], path, where, "synonyms")
    if not synonyms:
        raise _fail(path, where, "synonyms must not be empty")
    for synonym in synonyms:
        if synonym.startswith("…") or synonym.endswith("…") or "……" in synonym:
            raise _fail(
                path, where, f"synonym {synonym!r}: … goes between two words, e.g. 20M以上…占比"
            )
    target = _target(raw["target"], path, where) if "target" in raw else None
    return Indicator(ident, name.strip(), unit, tuple(dict.fromkeys(units)), synonyms, target)


def _synonym_regex(synonym: str) -> str:
    return _GAP.join(re.escape(part) for part in synonym.split("…"))


def _compile(indicators: dict[str, Indicator]) -> dict[str, tuple[re.Pattern[str], dict[str, str]]]:
    """One alternation per unit, longest synonyms first (so that at one position the most specific
    wins: 光纤宽带用户 over 宽带用户), each synonym its own named group mapped to its indicator."""
    by_unit: dict[str, list[tuple[str, str]]] = {}
    for indicator in indicators.values():
        for unit in indicator.units:
            for synonym in indicator.synonyms:
                by_unit.setdefault(unit, []).append((synonym, indicator.id))
    compiled = {}
    for unit, pairs in by_unit.items():
        pairs.sort(key=lambda pair: len(pair[0].replace("…", "")), reverse=True)
        ids = {f"s{n}": ident for n, (_, ident) in enumerate(pairs)}
        alternation = "|".join(f"(?P<s{n}>{_synonym_regex(s)})" for n, (s, _) in enumerate(pairs))
        # a look-ahead on the first characters lets the engine skip most positions in one test
        firsts = "".join(sorted({c for s, _ in pairs for c in (s[0].lower(), s[0].upper())}))
        lead = f"(?=[{re.escape(firsts)}])"
        compiled[unit] = (re.compile(f"{lead}(?:{alternation})", re.IGNORECASE), ids)
    return compiled


def parse_catalogue(text: str, path: Path, known_units: frozenset[str]) -> Catalogue:
    """Given the text of a catalogue file, returns the validated catalogue or raises
    CatalogueError naming `path` and the faulty entry."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not valid TOML: {exc}") from exc
    unknown = set(data) - {"indicator"}
    if unknown:
        raise CatalogueError(
            f"{path}: unknown top-level key(s) {sorted(unknown)}; entries are [[indicator]] tables"
        )
    entries = data.get("indicator")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{path}: no [[indicator]] entries")
    indicators: dict[str, Indicator] = {}
    for index, raw in enumerate(entries):
        indicator = _indicator(raw, index, path, known_units)
        if indicator.id in indicators:
            raise _fail(path, f"indicator #{index + 1} ({indicator.id})", "duplicate id")
        indicators[indicator.id] = indicator
    return Catalogue(path=path, indicators=indicators, _patterns=_compile(indicators))


@lru_cache(maxsize=8)
def load_catalogue(path: Path | str = CATALOGUE_PATH) -> Catalogue:
    """The catalogue at `path` (the bundled one by default), read and validated once per path."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(
            f"{path}: cannot read the indicator catalogue: {exc.strerror}"
        ) from exc
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{path}: not UTF-8 text") from exc
    return parse_catalogue(text, path, CANONICAL_UNITS)


def resolve(context: str, unit: str, *, catalogue: Catalogue | None = None) -> str | None:
    """Given the text before a figure and the figure's canonical unit, returns the id of the
    indicator it measures, or None. See Catalogue.resolve."""
    return (catalogue or load_catalogue()).resolve(context, unit)


# Targets --------------------------------------------------------------------------------------

# An interval: (low, low_open, high, high_open).
_Interval = tuple[float, bool, float, bool]


def _required(cmp: str, value: float) -> _Interval:
    """The values a target accepts: `> 50` is (50, ∞), `>= 95` is [95, ∞)."""
    return {
        ">": (value, True, math.inf, True),
        ">=": (value, False, math.inf, True),
        "<": (-math.inf, True, value, True),
        "<=": (-math.inf, True, value, False),
    }.get(cmp, (value, False, value, False))


def _stated(cmp: str | None, value: float, approx: bool = False) -> _Interval:
    """The values a figure's statement allows. `超过50%` is (50, ∞) and `不足50%` is (-∞, 50).
    `达到93.5%`, by far the commonest ">=", states the level reached, so ">=" is read as the value
    itself, like a figure without comparator. An approximate figure (约, 近, 余, 左右) spreads by
    APPROX_TOLERANCE on each side."""
    slack = abs(value) * APPROX_TOLERANCE if approx else 0.0
    low, high = value - slack, value + slack
    if cmp == ">":
        return (low, not approx, math.inf, True)
    if cmp == "<":
        return (-math.inf, True, high, not approx)
    if cmp == "<=":
        return (-math.inf, True, high, False)
    return (low, False, high, False)


def _inside(inner: _Interval, outer: _Interval) -> bool:
    lo, lo_open, hi, hi_open = inner
    olo, olo_open, ohi, ohi_open = outer
    low_ok = lo > olo or (lo == olo and (lo_open or not olo_open))
    high_ok = hi < ohi or (hi == ohi and (hi_open or not ohi_open))
    return low_ok and high_ok


def _apart(a: _Interval, b: _Interval) -> bool:
    def below(x: _Interval, y: _Interval) -> bool:
        return x[2] < y[0] or (x[2] == y[0] and (x[3] or y[1]))

    return below(a, b) or below(b, a)


def judge(stated: _Interval, required: _Interval) -> Verdict:
    """met when every value the figure allows meets the target, not_met when none does, and
    not_comparable otherwise ("超过40%" against "> 50" could be either)."""
    if _inside(stated, required):
        return "met"
    if _apart(stated, required):
        return "not_met"
    return "not_comparable"


def check_target(
    indicator_id: str,
    value: float,
    unit: str,
    previous: float | None = None,
    *,
    cmp: str | None = None,
    approx: bool = False,
    catalogue: Catalogue | None = None,
) -> Verdict:
    """Given a level figure of an indicator, returns whether it meets the guide's target.

    `cmp` and `approx` are the figure's own comparator and approximation ("超过50%" is > 50).
    A rising target compares with `previous` (the city's figure in its last report) and is
    not_comparable without it. A unit the indicator does not use, or an indicator without a
    numeric or rising target, is not_comparable. Kind (level/change/target) is the caller's
    concern: see figures.check_figure."""
    indicator = (catalogue or load_catalogue()).get(indicator_id)
    target = indicator.target
    if target is None or unit not in indicator.units:
        return "not_comparable"
    stated = _stated(cmp, value, approx)
    if target.rising:
        if previous is None:
            return "not_comparable"
        return judge(stated, _required(">", previous))
    if target.cmp is None or target.value is None:
        return "not_comparable"
    return judge(stated, _required(target.cmp, target.value))
