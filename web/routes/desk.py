"""The review desk: the queue of what waits for review, confirming a page of it at once, undoing
one's own last change, and the source beside the text (the original file, its pages as images),
retiring and restoring documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, JSONResponse

from classify.tags import taxonomy
from corpus.pageimage import original, page_image
from corpus.queue import QUEUE_SORTS, TAG_SURE, confirm_many, last_undoable, queue_page, undo_last
from corpus.retire import restore_document, retire_document
from extract import canonical_city

from .. import security
from ..errors import wants_json
from ..templating import render
from .common import (
    Id,
    engine_of,
    local_path,
    optional_int,
    optional_period,
    query_string,
    see_other,
)

router = APIRouter()
viewer = Depends(security.viewer)
evaluator = Depends(security.evaluator)
admin = Depends(security.admin)
csrf = [Depends(security.require_csrf)]
Next = Annotated[str, Form(max_length=2000)]


@router.get("/queue")
def queue(
    request: Request,
    city: str = "",
    year: str = "",
    period: str = "",
    page: str = "",
    sort: str = "",
    user=viewer,
):
    """What waits for review, oldest first: everywhere, or in one submission."""

    engine = engine_of(request)
    filters = {
        "city": canonical_city(city),
        "year": optional_int(year, "年份", 1900, 2200),
        "period": optional_period(period),
    }
    sort = sort if sort in QUEUE_SORTS else ""
    page_no = optional_int(page, "页码", 1, 10**6) or 1
    result = request.app.state.page_cache.get(  # what waits changes only with the store
        ("queue", *filters.values(), page_no, sort),
        lambda: queue_page(engine, **filters, page=page_no, sort=sort or "oldest"),
    )
    here = "/queue" + (
        ("?" + query_string(**filters, sort=sort, page=result.page))
        if any(filters.values()) or result.page > 1 or sort
        else ""
    )
    return render(
        request,
        "queue.html",
        q=result,
        filters=filters,
        here=here,
        page_link=lambda n: "/queue?" + query_string(**filters, sort=sort, page=n),
        sort=sort or "oldest",
        tag_sure=TAG_SURE,
        tag_names={k: t.name for k, t in taxonomy().items()},
        sort_link=lambda key: "/queue?" + query_string(**filters, sort=key),
        undoable=last_undoable(engine, user.name) if user.can_review else None,
    )


@router.post("/queue/confirm", dependencies=csrf)
async def queue_confirm(request: Request, user=evaluator):
    """ "Confirm all on this page": every passage listed on the page (`v-<id>` = the version the
    page showed) gets the model's area; those changed meanwhile are named, the rest saved."""

    form = await request.form()
    versions = {}
    for key, value in form.multi_items():
        if key.startswith("v-"):
            pid = optional_int(key[2:], "段落编号", 0, 2**31 - 1)
            versions[pid] = optional_int(str(value), "版本号", 0, 2**31 - 1)
    result = confirm_many(engine_of(request), versions, user=user)
    message = f"已确认 {len(result.confirmed)} 个段落的模型判断"
    if result.refused:
        message += f"；{len(result.refused)} 个未保存：" + "；".join(
            f"段落 {pid}：{why}" for pid, why in result.refused.items()
        )
    if wants_json(request):
        return JSONResponse(
            {"ok": not result.refused, "confirmed": result.confirmed, "message": message}
        )
    request.session["saved"] = message
    return see_other(local_path(str(form.get("next") or ""), "/queue"))


@router.post("/undo", dependencies=csrf)
def undo(request: Request, next: Next = "", user=evaluator):
    """Undoes the user's own last change (audited as an undo)."""

    change = undo_last(engine_of(request), user=user)
    message = f"已撤销：{change.event.after.get('undone')}" if change.event else "已撤销"
    if wants_json(request):
        return JSONResponse({"ok": True, "message": message, "version": change.version})
    request.session["saved"] = message
    return see_other(local_path(next, "/queue"))


@router.get("/documents/{doc_id}/file")
def original_file(request: Request, doc_id: Id, user=viewer):
    """The file as it was handed in, under its own name."""

    source = original(engine_of(request), request.app.state.settings.data_dir, doc_id)
    return FileResponse(source.path, media_type=source.media_type, filename=source.name)


@router.get("/documents/{doc_id}/pages/{page}.png")
def page_png(request: Request, doc_id: Id, page: Id, user=viewer):
    """One page of a PDF or scan as an image, rendered once and cached in the data directory."""

    data_dir = request.app.state.settings.data_dir
    source = original(engine_of(request), data_dir, doc_id)
    path = page_image(data_dir, source, page)
    response = FileResponse(path, media_type="image/png")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@router.post("/documents/{doc_id}/retire", dependencies=csrf)
def retire(
    request: Request,
    doc_id: Id,
    comment: Annotated[str, Form(max_length=5000)] = "",
    user=evaluator,
):
    retire_document(engine_of(request), doc_id, user=user, comment=comment)
    request.session["saved"] = "文件已撤回：不再出现在检索、报送情况和城市视图中；管理员可以恢复。"
    return see_other(f"/documents/{doc_id}")


@router.post("/documents/{doc_id}/restore", dependencies=csrf)
def restore(request: Request, doc_id: Id, user=admin):
    restore_document(engine_of(request), doc_id, user=user)
    request.session["saved"] = "文件已恢复。"
    return see_other(f"/documents/{doc_id}")
