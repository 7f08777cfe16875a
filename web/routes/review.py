"""Evaluators' edits: each form posts the version it showed, the corpus checks it and records the
change in the audit; a stale version is a Conflict page that shows what is there now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse

from corpus.corrections import review_figure_as_typed
from corpus.documents import set_document_metadata
from corpus.figure_review import choose_headline, set_figure_role
from corpus.queue import confirm_area
from corpus.review import (
    Conflict,
    InvalidValue,
    add_comment,
    get_passage,
    history,
    set_app_tags,
    set_outstanding,
    set_passage_area,
)

from .. import security
from ..errors import BadParameter, wants_json
from ..templating import area_label
from .common import (
    Id,
    engine_of,
    local_path,
    optional_int,
    optional_kind,
    optional_period,
    see_other,
)

router = APIRouter(dependencies=[Depends(security.require_csrf)])
# The review errors an evaluator can fix on the same page (a bad value, a conflict); a missing
# item or a forbidden edit still goes to the error page.
ReviewProblem = (InvalidValue, Conflict)
evaluator = Depends(security.evaluator)
Version = Annotated[int, Form(ge=0)]
Comment = Annotated[str, Form(max_length=6000)]
Next = Annotated[str, Form(max_length=2000)]


def saved(request: Request, change, back: str):
    """After an edit: JSON for the page's script (no reload), else back to the page."""
    if wants_json(request):
        summary = change.event.summary if change.event else "没有变化"
        answer = {"ok": True, "version": change.version, "message": "已保存", "summary": summary}
        after = change.event.after if change.event else None
        if change.entity == "passage" and after is not None:  # the area that now counts
            area = after.get("reviewed_area")
            area = after.get("predicted_area") if area is None else area
            answer |= {
                "area": area,
                "area_label": area_label(area),
                "reviewed": after.get("reviewed_area") is not None,
            }
        return JSONResponse(answer)
    request.session["saved"] = "已保存" if change.event else "没有变化，未记录"
    return see_other(back)


def kept(request: Request, exc: Exception, key: str, back: str, values: dict):
    """A refused edit re-shows the same page with the message at the form and the input kept;
    a conflict also carries what is there now (theirs) beside what was sent (yours)."""
    problem = {"key": key, "message": str(exc), "input": values}
    status = 400
    if isinstance(exc, Conflict):
        status = 409
        problem.update(theirs=_theirs(request, exc), version=exc.current_version)
    if wants_json(request):
        return JSONResponse({"ok": False, "error": str(exc), **problem}, status_code=status)
    request.session["form_error"] = problem
    return see_other(back)


def _theirs(request: Request, exc) -> str:
    """What the item holds now, in words, for the side-by-side choice."""

    engine = engine_of(request)
    if exc.entity == "passage":
        p = get_passage(engine, exc.entity_id)
        return f"领域 {area_label(p.area)}" + ("（已复核）" if p.reviewed_area is not None else "")
    events = history(engine, exc.entity, exc.entity_id)
    last = next((e for e in events if e.action != "comment"), None)
    return last.summary if last else "已被修改"


@router.post("/passages/{passage_id}/area")
def passage_area(
    request: Request,
    passage_id: Id,
    expected_version: Version,
    area: Annotated[str, Form()] = "",
    comment: Comment = "",
    next: Next = "",
    user=evaluator,
):
    """`area` '' goes back to the model's area; "confirm" makes the model's area the reviewed
    one (the default choice of the form, which used to change nothing)."""

    engine = engine_of(request)
    back = local_path(next, f"/passages/{passage_id}")
    key = f"passage-{passage_id}"
    try:
        if area == "confirm":
            change = confirm_area(engine, passage_id, user=user, expected_version=expected_version)
        else:
            change = set_passage_area(
                engine,
                passage_id,
                optional_int(area, "领域", 0, 6),
                user=user,
                expected_version=expected_version,
                comment=comment or None,
            )
    except (*ReviewProblem, BadParameter) as exc:
        return kept(request, exc, key, back, {"area": area, "comment": comment})
    return saved(request, change, back)


@router.post("/figures/{figure_id}/review")
def figure_review(
    request: Request,
    figure_id: Id,
    expected_version: Version,
    action: Annotated[str, Form()],
    corrected_value: Annotated[str, Form(max_length=50)] = "",
    comment: Comment = "",
    next: Next = "",
    user=evaluator,
):
    back = local_path(next, "/")
    try:
        change = review_figure_as_typed(
            engine_of(request),
            figure_id,
            action,
            corrected_value,
            user=user,
            expected_version=expected_version,
            comment=comment or None,
        )
    except ReviewProblem as exc:
        values = {"action": action, "corrected_value": corrected_value, "comment": comment}
        return kept(request, exc, f"figure-{figure_id}", back, values)
    return saved(request, change, back)


@router.post("/figures/{figure_id}/role")
def figure_role(
    request: Request,
    figure_id: int,
    expected_version: Version,
    role: Annotated[str, Form(max_length=20)] = "",
    comment: Comment = "",
    next: Next = "",
    user=evaluator,
):
    """`role` '' goes back to the extractor's role."""

    set_figure_role(
        engine_of(request),
        figure_id,
        role or None,
        user=user,
        expected_version=expected_version,
        comment=comment or None,
    )
    return see_other(local_path(next, "/"))


@router.post("/figures/{figure_id}/headline")
def figure_headline(
    request: Request,
    figure_id: int,
    expected_version: Version,
    clear: Annotated[str, Form(max_length=5)] = "",
    comment: Comment = "",
    next: Next = "",
    user=evaluator,
):
    """Choose the figure as its indicator's headline; `clear` drops the choice."""

    choose_headline(
        engine_of(request),
        figure_id,
        user=user,
        expected_version=expected_version,
        comment=comment or None,
        clear=bool(clear),
    )
    return see_other(local_path(next, "/"))


@router.post("/apps/{app_id}/tags")
def app_tags(
    request: Request,
    app_id: Id,
    expected_version: Version,
    tags: Annotated[list[str], Form()] = (),
    comment: Comment = "",
    next: Next = "",
    user=evaluator,
):
    set_app_tags(
        engine_of(request),
        app_id,
        list(tags),
        user=user,
        expected_version=expected_version,
        comment=comment or None,
    )
    return see_other(local_path(next, f"/apps/{app_id}"))


@router.post("/apps/{app_id}/outstanding")
def app_outstanding(
    request: Request,
    app_id: Id,
    expected_version: Version,
    value: Annotated[str, Form()] = "0",
    comment: Comment = "",
    next: Next = "",
    user=evaluator,
):
    set_outstanding(
        engine_of(request),
        app_id,
        value == "1",
        user=user,
        expected_version=expected_version,
        comment=comment or None,
    )
    return see_other(local_path(next, f"/apps/{app_id}"))


@router.post("/comments")
def comment(
    request: Request,
    entity: Annotated[str, Form(max_length=20)],
    entity_id: Annotated[int, Form()],
    text: Comment,
    next: Next = "",
    user=evaluator,
):
    add_comment(engine_of(request), entity, entity_id, text, user=user)
    return see_other(local_path(next, "/history"))


@router.post("/documents/{doc_id}/metadata")
def document_metadata(
    request: Request,
    doc_id: Id,
    city: Annotated[str, Form(max_length=100)] = "",
    year: Annotated[str, Form(max_length=10)] = "",
    period: Annotated[str, Form(max_length=10)] = "",
    was_city: Annotated[str, Form(max_length=100)] = "",
    was_year: Annotated[str, Form(max_length=10)] = "",
    was_period: Annotated[str, Form(max_length=10)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    was_kind: Annotated[str, Form(max_length=20)] = "",
    comment: Comment = "",
    next: Next = "",
    user=evaluator,
):
    """Saving confirms the document (its values are no longer suggestions), even unchanged."""

    set_document_metadata(
        engine_of(request),
        doc_id,
        city,
        optional_int(year, "年份"),
        optional_period(period),
        kind=optional_kind(kind),
        user=user,
        expected=(
            was_city or None,
            optional_int(was_year, "年份"),
            optional_period(was_period),
            *([optional_kind(was_kind)] if was_kind else []),
        ),
        comment=comment or None,
    )
    return see_other(local_path(next, f"/documents/{doc_id}"))
