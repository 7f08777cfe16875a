"""Uploading report folders, files or .zip archives; the ingest's progress; confirming each
document's city, year and period."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from corpus import Overrides, store_status
from corpus.documents import documents_metadata, set_document_metadata
from corpus.status import sources_of
from extract import ACCEPTED_SUFFIXES, canonical_city

from .. import security
from ..errors import UploadRejected
from ..jobs import Job
from ..templating import render
from ..upload import MB, receive_upload
from .common import engine_of, optional_int, optional_kind, optional_period, see_other

router = APIRouter()
evaluator = Depends(security.evaluator)
admin = Depends(security.admin)


def _limits(request: Request) -> dict:
    settings = request.app.state.settings
    return {
        "max_file_mb": settings.max_file_mb,
        "max_upload_mb": settings.max_upload_mb,
        "max_files": settings.max_upload_files,
    }


@router.get("/upload")
def upload_form(request: Request, user=evaluator):
    return render(
        request,
        "upload.html",
        limits=_limits(request),
        jobs=request.app.state.jobs.recent(),
        accepted=sorted(ACCEPTED_SUFFIXES),
    )


@router.post("/upload")
async def upload(request: Request, user=evaluator):
    """Streams the files to the job's folder (limits checked as they arrive), then queues the
    ingest and sends the browser to the progress page. The CSRF token is the form's first field,
    checked before any file is written."""
    settings = request.app.state.settings
    jobs = request.app.state.jobs
    job_id, folder = jobs.new_folder()

    def check_token(received) -> None:
        security.check_csrf_token(
            request, request.headers.get(security.CSRF_HEADER) or received.get("csrf_token")
        )

    received = await receive_upload(
        request,
        folder,
        max_file_bytes=int(settings.max_file_mb * MB),
        max_total_bytes=int(settings.max_upload_mb * MB),
        max_files=settings.max_upload_files,
        before_first_file=check_token,
    )
    try:
        check_token(received)
        if not received.files:
            raise UploadRejected("没有收到任何文件：请选择文件夹、文件或 .zip 压缩包。", status=400)
        overrides = Overrides(
            city=canonical_city(received.get("city")),
            year=optional_int(received.get("year"), "年份", 2000, 2100),
            period=optional_period(received.get("period")),
        )
    except Exception:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        raise
    jobs.submit(
        Job(
            id=job_id,
            user=user.name,
            folder=folder,
            files=len(received.files),
            skipped=received.skipped,
            overrides=overrides,
        )
    )
    return see_other(f"/upload/{job_id}")


@router.get("/upload/{job_id}")
def progress_page(request: Request, job_id: str, user=evaluator):
    job = request.app.state.jobs.get(job_id)
    return render(request, "progress.html", job=job, p=job.progress())


@router.post("/upload/{job_id}/resume", dependencies=[Depends(security.require_csrf)])
def resume(request: Request, job_id: str, user=evaluator):
    """Runs an upload interrupted by a server stop again: what was stored is found present,
    the rest is ingested."""
    request.app.state.jobs.resume(job_id, user.name)
    return see_other(f"/upload/{job_id}")


@router.post("/upload/{job_id}/retire", dependencies=[Depends(security.require_csrf)])
def retire_upload(
    request: Request,
    job_id: str,
    comment: Annotated[str, Form(max_length=5000)] = "",
    user=evaluator,
):
    """Withdraws every document this upload added (audited; an admin can restore them)."""
    from corpus.retire import retire_upload

    request.app.state.jobs.get(job_id)  # 404 for an unknown upload
    ids = retire_upload(engine_of(request), job_id, user=user, comment=comment)
    request.session["saved"] = f"已撤回这次上传的 {len(ids)} 个文件；管理员可以恢复。"
    return see_other(f"/upload/{job_id}")


@router.post("/upload/{job_id}/restore", dependencies=[Depends(security.require_csrf)])
def restore_upload(request: Request, job_id: str, user=admin):
    from corpus.retire import restore_upload

    request.app.state.jobs.get(job_id)
    ids = restore_upload(engine_of(request), job_id, user=user)
    request.session["saved"] = f"已恢复这次上传的 {len(ids)} 个文件。"
    return see_other(f"/upload/{job_id}")


@router.get("/upload/{job_id}/progress.json")
def progress_json(request: Request, job_id: str, user=evaluator):
    return request.app.state.jobs.get(job_id).progress()


@router.get("/upload/{job_id}/confirm")
def confirm_form(request: Request, job_id: str, user=evaluator):
    job = request.app.state.jobs.get(job_id)

    documents = documents_metadata(engine_of(request), job.document_ids)
    return render(
        request,
        "confirm.html",
        sources={d.id: sources_of(d.evidence, d.unconfirmed) for d in documents},
        job=job,
        p=job.progress(),
        documents=documents,
        cities=_known_cities(request),
    )


@router.post("/upload/{job_id}/confirm", dependencies=[Depends(security.require_csrf)])
async def confirm(request: Request, job_id: str, user=evaluator):
    """Each document's city, year, period and kind as the evaluator left them; only documents
    whose values changed, or that the evaluator ticked as confirmed, are written (each with its
    audit event)."""

    job = request.app.state.jobs.get(job_id)
    form = await request.form()
    engine = engine_of(request)
    changed = 0
    for doc_id in job.document_ids:
        if f"city-{doc_id}" not in form:
            continue

        def field(name: str, doc_id: int = doc_id) -> str:
            value = form.get(f"{name}-{doc_id}")
            return value.strip() if isinstance(value, str) else ""

        now = (field("city"), field("year"), field("period"), field("kind"))
        was = (field("was_city"), field("was_year"), field("was_period"), field("was_kind"))
        if now == was and not field("confirm"):
            continue
        set_document_metadata(
            engine,
            doc_id,
            now[0],
            optional_int(now[1], "年份", 2000, 2100),
            optional_period(now[2]),
            kind=optional_kind(now[3]),
            user=user,
            expected=(
                was[0] or None,
                optional_int(was[1], "年份"),
                optional_period(was[2]),
                *([optional_kind(was[3])] if was[3] else []),
            ),
        )
        changed += 1
    return see_other(f"/upload/{job_id}/confirm?saved={changed}")


def _known_cities(request: Request) -> list[str]:
    return sorted({c["city"] for c in store_status(engine_of(request)).cells if c["city"]})
