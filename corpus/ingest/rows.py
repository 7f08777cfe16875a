"""One row builder per entity a document writes: its passages, their figures, its typical
applications and their tags. Each row is a complete dict (every column, the model's defaults
where ingest says nothing), so a bulk INSERT or COPY stores exactly what the ORM would."""

from __future__ import annotations

from functools import cache

from models.tables import Application, ApplicationTag, Figure, Passage

from ..analysis import Analysis


@cache
def defaults(model: type) -> dict:
    """Every column of `model` but its id, with the model's default."""
    fields = model.model_fields  # type: ignore[attr-defined]
    out = {}
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        if column.key == "id":
            continue
        info = fields.get(column.key)
        out[column.key] = (
            None
            if info is None or info.is_required()
            else info.get_default(call_default_factory=True)
        )
    return out


def passage_rows(document_id: int, analysis: Analysis) -> list[dict]:
    base = defaults(Passage)
    rows = []
    for item in analysis.passages:
        p, pred = item.passage, item.prediction
        rows.append(
            {
                **base,
                "document_id": document_id,
                "order": p.order,
                "page": p.page,
                "heading_path": list(p.heading_path),
                "box": [round(v, 2) for v in p.box] if p.box else None,
                "text": p.text,
                "words": item.words,
                "extra": item.extra,
                "area": pred.area,
                "area_confidence": pred.confidence,
                "second_area": pred.second_area,
                "second_confidence": pred.second_confidence,
                "needs_review": pred.needs_review,
            }
        )
    return rows


def figure_rows(passage_ids: list[int], analysis: Analysis) -> list[dict]:
    base = defaults(Figure)
    return [
        {
            **base,
            "passage_id": passage_id,
            "raw": f.raw,
            "value": f.value,
            "unit": f.unit,
            "approx": f.approx,
            "cmp": f.cmp,
            "kind": f.kind,
            "period": f.period,
            "indicator": f.indicator,
            "target_check": check,
            "start": f.start,
            "end": f.end,
            "row": f.row,
            "col": f.col,
            "role": f.role,
            "as_of": f.as_of,
            "as_of_precision": f.precision,
            "as_of_source": f.as_of_source,
            "pair_start": f.pair_start,
        }
        for passage_id, item in zip(passage_ids, analysis.passages, strict=True)
        for f, check in item.figures
    ]


def application_rows(
    document_id: int, analysis: Analysis, city: str | None, year: int | None, period: str | None
) -> list[dict]:
    base = defaults(Application)
    rows = []
    for found in analysis.cases:
        case = found.case
        rows.append(
            {
                **base,
                "document_id": document_id,
                "title": case.title,
                "body": case.body,
                "city": city,
                "year": year,
                "period": period,
                "page": case.page,
                "organisations": list(case.organisations),
                "places": list(case.places),
                "figures": [
                    {"raw": f.raw, "value": f.value, "unit": f.unit, "indicator": f.indicator}
                    for f in found.figures
                ],
                "area": found.area.area,
                "area_confidence": found.area.confidence,
            }
        )
    return rows


def tag_rows(application_ids: list[int], analysis: Analysis) -> list[dict]:
    base = defaults(ApplicationTag)
    return [
        {**base, "application_id": app_id, "tag": t.tag, "score": t.score}
        for app_id, found in zip(application_ids, analysis.cases, strict=True)
        for t in found.tags
    ]


def block_dict(block) -> dict:
    data = {"kind": block.kind, "text": block.text, "page": block.page, "level": block.level}
    if block.rows:
        data["rows"] = block.rows
    if block.original:
        data["original"] = block.original
    return data
