"""Evaluators' edits: each form posts the version it showed, the corpus checks it and records the
change in the audit; a stale version is a Conflict page that shows what is there now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from .. import security
from .common import Id, engine_of, local_path, optional_int, optional_period, see_other

router = APIRouter(dependencies=[Depends(security.require_csrf)])
evaluator = Depends(security.evaluator)
Version = Annotated[int, Form(ge=0)]
Comment = Annotated[str, Form(max_length=6000)]
Next = Annotated[str, Form(max_length=2000)]


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
    """`area` '' goes back to the model's area."""
    from corpus.review import set_passage_area

    set_passage_area(
        engine_of(request),
        passage_id,
        optional_int(area, "领域", 0, 6),
        user=user,
        expected_version=expected_version,
        comment=comment or None,
    )
    return see_other(local_path(next, f"/passages/{passage_id}"))


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
    from corpus.review import review_figure

    review_figure(
        engine_of(request),
        figure_id,
        action,
        user=user,
        expected_version=expected_version,
        corrected_value=corrected_value.strip().replace(",", "") or None,
        comment=comment or None,
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
    from corpus.review import set_app_tags

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
    from corpus.review import set_outstanding

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
    from corpus.review import add_comment

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
    next: Next = "",
    user=evaluator,
):
    from corpus.documents import set_document_metadata

    set_document_metadata(
        engine_of(request),
        doc_id,
        city,
        optional_int(year, "年份"),
        optional_period(period),
        user=user,
        expected=(was_city or None, optional_int(was_year, "年份"), optional_period(was_period)),
    )
    return see_other(local_path(next, f"/documents/{doc_id}"))
