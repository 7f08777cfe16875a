"""The stable batch interface behind `infocity classify`: records in, one result per record out.

Input is JSON lines (`id`, `text`, optional `title`) or plain text with one passage per
blank-line-separated block (ids are then the block numbers, from 1). A line that is not a valid
record yields an error naming its line and the rest goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .areas import AreaModel
from .figures import find_figures
from .tags import TagModel

BATCH = 256


@dataclass(frozen=True)
class Record:
    id: object
    text: str
    title: str | None = None
    line: int = 0


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str


def _looks_like_json_lines(first: str) -> bool:
    return first.lstrip().startswith("{")


def parse_input(lines: Iterable[str]) -> Iterator[Record | BadLine]:
    """Given the input's lines, yields records (or bad lines) in order."""
    lines = iter(lines)
    head: list[str] = []
    for line in lines:
        head.append(line)
        if line.strip():
            break
    if not head or not head[-1].strip():
        return
    if _looks_like_json_lines(head[-1]):
        yield from _json_lines(_chain(head, lines))
    else:
        yield from _blocks(_chain(head, lines))


def _chain(head: list[str], rest: Iterator[str]) -> Iterator[tuple[int, str]]:
    n = 0
    for n, line in enumerate(head, 1):
        yield n, line
    for m, line in enumerate(rest, n + 1):
        yield m, line


def _json_lines(lines: Iterable[tuple[int, str]]) -> Iterator[Record | BadLine]:
    for n, line in lines:
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BadLine(n, f"不是有效的 JSON（{exc.msg}）")
            continue
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            yield BadLine(n, "缺少文本字段 text")
            continue
        title = row.get("title")
        yield Record(row.get("id"), row["text"], title if isinstance(title, str) else None, n)


def _blocks(lines: Iterable[tuple[int, str]]) -> Iterator[Record]:
    block: list[str] = []
    start = 0
    count = 0
    for n, line in lines:
        if line.strip():
            if not block:
                start = n
            block.append(line.strip())
        elif block:
            count += 1
            yield Record(count, "".join(block), None, start)
            block = []
    if block:
        yield Record(count + 1, "".join(block), None, start)


def classify_records(
    records: list[Record],
    areas: AreaModel,
    threshold: float | None = None,
    tags: TagModel | None = None,
) -> list[dict]:
    """One result per record, in order."""
    texts, titles = [r.text for r in records], [r.title for r in records]
    predictions = areas.predict(texts, titles, threshold)
    tag_lists = tags.predict(texts, titles) if tags is not None else [[] for _ in records]
    return [
        {
            "id": record.id,
            "area": p.area,
            "confidence": p.confidence,
            "second_area": p.second_area,
            "second_confidence": p.second_confidence,
            "needs_review": p.needs_review,
            "figures": [
                {
                    "raw": f.raw,
                    "value": f.value,
                    "unit": f.unit,
                    "approx": f.approx,
                    "cmp": f.cmp,
                    "kind": f.kind,
                    "period": f.period,
                    "indicator": f.indicator,
                    "start": f.start,
                    "end": f.end,
                }
                for f in find_figures(record.text)
            ],
            "tags": [t.tag for t in tag_list],
        }
        for record, p, tag_list in zip(records, predictions, tag_lists, strict=True)
    ]


def run(
    lines: Iterable[str],
    areas: AreaModel,
    threshold: float | None = None,
    tags: TagModel | None = None,
) -> Iterator[dict | BadLine]:
    """Streams results in input order, classifying `BATCH` records at a time."""
    pending: list[Record | BadLine] = []

    def flush() -> Iterator[dict | BadLine]:
        records = [r for r in pending if isinstance(r, Record)]
        results = iter(classify_records(records, areas, threshold, tags)) if records else iter(())
        for item in pending:
            yield item if isinstance(item, BadLine) else next(results)
        pending.clear()

    for item in parse_input(lines):
        pending.append(item)
        if len(pending) >= BATCH:
            yield from flush()
    yield from flush()
