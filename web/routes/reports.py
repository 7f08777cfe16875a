"""What the evaluators hand in: the draft assessment of a submission (Word), the diff between two
of a unit's submissions, and the period summary for the assessment meeting."""

from __future__ import annotations

from itertools import pairwise
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response

from corpus.compare import latest_period, periods
from corpus.diff import DiffError, parse_submission, submission_diff, submissions_of
from corpus.export import ExportError
from corpus.report import draft_report, report_file_name
from corpus.summary import period_summary, summary_docx, summary_xlsx
from extract.vocabulary import Period

from .. import security
from ..templating import render
from .common import Year, engine_of, optional_int, optional_period

router = APIRouter()
viewer = Depends(security.viewer)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, media: str, name: str, fallback: str) -> Response:
    return Response(
        content,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{fallback}"; '
            f"filename*=UTF-8''{quote(name)}"
        },
    )


@router.get("/city/{city}/{year}/{period}/report.docx")
def report_docx(request: Request, city: str, year: Year, period: str, user=viewer):
    period = optional_period(period) or Period.FY
    data = draft_report(engine_of(request), city, year, period)
    return _download(data, DOCX, report_file_name(city, year, period), "infocity-report.docx")


@router.get("/city/{city}/diff")
def diff_page(
    request: Request,
    city: str,
    before: str | None = None,
    after: str | None = None,
    user=viewer,
):
    """`?before=2016H1&after=2016FY`; without them, the unit's last two submissions."""

    engine = engine_of(request)
    available = submissions_of(engine, city)
    codes = [f"{y}{p}" for y, p in available]
    if before and after:
        old, new = parse_submission(before), parse_submission(after)
    elif len(available) >= 2:
        old, new = available[-2], available[-1]
    else:
        raise DiffError(f"{city} 在库中只有 {len(available)} 次报送，无法比较")
    return render(
        request,
        "diff.html",
        d=submission_diff(engine, city, old, new),
        pairs=list(pairwise(codes)),
        base=f"/city/{quote(city, safe='')}",
    )


@router.get("/summary")
def summary_page(request: Request, year: str | None = None, period: str | None = None, user=viewer):
    engine = engine_of(request)
    available = periods(engine)
    if not available:
        return render(request, "summary.html", s=None, available=available)
    y, p = optional_int(year, "年份", 2000, 2100), optional_period(period)
    if y is None or p is None:
        latest = latest_period(engine)
        y, p = y or latest[0], p or latest[1]
    return render(request, "summary.html", s=period_summary(engine, y, p), available=available)


@router.get("/summary/{year}/{period}.{fmt}")
def summary_file(request: Request, year: Year, period: str, fmt: str, user=viewer):
    engine = engine_of(request)
    period = optional_period(period) or Period.FY
    s = period_summary(engine, year, period)
    name = f"{s.label}报送情况汇总.{fmt}"
    if fmt == "xlsx":
        return _download(summary_xlsx(engine, s), XLSX, name, "infocity-summary.xlsx")
    if fmt == "docx":
        return _download(summary_docx(engine, s), DOCX, name, "infocity-summary.docx")
    raise ExportError(f"未知导出格式：{fmt}（可选：xlsx、docx）")
