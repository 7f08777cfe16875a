"""The web app's one error boundary: each of our exceptions becomes a status and an error page.

Routes raise; they never build error messages or pick statuses themselves. The lower layers'
errors are keyed on their roots and kinds (corpus.errors: NotFound 404, Conflict 409, Invalid 400,
Forbidden 403, Unavailable 503; classify's ClassifyError 503) and carry their Chinese message;
the web's own (web/errors.py) carry theirs. Anything else is a 500 page that shows no traceback.
"""

from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from starlette.exceptions import HTTPException

from classify.errors import ClassifyError
from corpus import errors as corpus_errors
from corpus import review
from corpus.applications import get_app
from corpus.errors import CorpusError

from .errors import LoginFailed, LoginRequired, RateLimited, WebError, wants_json
from .templating import render

log = logging.getLogger("infocity.web")


def corpus_statuses() -> dict[type[Exception], int]:
    """The lower layers' error roots and kinds, and their statuses; an exception takes the status
    of the nearest of these in its class's MRO."""
    statuses: dict[type[Exception], int] = {
        CorpusError: 400,
        corpus_errors.Invalid: 400,
        corpus_errors.NotFound: 404,
        corpus_errors.Forbidden: 403,  # a viewer's edit: the corpus's own second lock on the door
        corpus_errors.Conflict: 409,
        corpus_errors.Unavailable: 503,
        ClassifyError: 503,  # a trained model or catalogue that cannot be used: the server's fault
        OperationalError: 503,  # the database went away, or stayed locked too long
        InterfaceError: 503,
    }
    return statuses


TITLES = {
    400: "请求有误",
    401: "需要登录",
    403: "无权操作",
    404: "未找到",
    405: "不支持的操作",
    409: "修改冲突",
    413: "上传被拒绝",
    422: "提交的内容有误",
    429: "请稍后再试",
    500: "服务器内部错误",
    503: "数据库暂不可用",
}


def _page(request: Request, status: int, message: str, **extra):
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    return render(
        request,
        "error.html",
        status_code=status,
        title=TITLES.get(status, "出错了"),
        message=message,
        **extra,
    )


def _conflict_current(request: Request, exc) -> dict:
    """What the item holds now, so the evaluator sees the value that won."""
    engine = request.app.state.engine
    try:
        if exc.entity == "passage":
            return {"current_passage": review.get_passage(engine, exc.entity_id)}
        if exc.entity == "application":
            return {"current_app": get_app(engine, exc.entity_id)}
        if exc.entity == "figure":
            events = review.history(engine, "figure", exc.entity_id)
            return {"current_events": events[:3]}
    except Exception:  # the conflict page must render even if the item vanished meanwhile
        log.exception("reading the current value after a conflict")
    return {}


async def handle_web_error(request: Request, exc: WebError):
    if isinstance(exc, LoginRequired) and not wants_json(request) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    if isinstance(exc, LoginFailed | RateLimited) and request.url.path == "/login":
        return render(
            request,
            "login.html",
            status_code=exc.status,
            error=str(exc),
            next=getattr(request.state, "login_next", ""),
        )
    return _page(request, exc.status, str(exc))


async def handle_http_error(request: Request, exc: HTTPException):
    messages = {
        404: "没有这个页面。",
        405: "不支持这种请求方式（例如用浏览器地址栏打开了只能由表单提交的地址）。",
    }
    fallback = TITLES.get(exc.status_code, "请求有误") + "。"
    return _page(request, exc.status_code, messages.get(exc.status_code, fallback))


DATABASE_DOWN = "数据库暂时无法访问或正忙，请稍后重试。已保存的内容不受影响。"


def _corpus_handler(status: int):
    async def handle(request: Request, exc: Exception):
        extra = _conflict_current(request, exc) if status == 409 and hasattr(exc, "entity") else {}
        if status == 503:
            log.error("store unavailable on %s: %s", request.url.path, exc)
        if isinstance(exc, SQLAlchemyError):  # its text is SQL, not for evaluators
            return _page(request, status, DATABASE_DOWN)
        return _page(request, status, str(exc), **extra)

    return handle


FIELD_NAMES = {  # form and query fields as evaluators know them
    "expected_version": "版本号",
    "area": "领域",
    "action": "操作",
    "corrected_value": "正确数值",
    "comment": "说明",
    "text": "评语",
    "entity": "对象类型",
    "entity_id": "对象编号",
    "name": "用户名",
    "password": "密码",
    "role": "角色",
    "tags": "标签",
    "city": "城市",
    "year": "年份",
    "period": "时段",
    "next": "返回地址",
    "ids": "编号",
}
PROBLEMS = {  # pydantic's error types, in Chinese
    "missing": "缺少此项",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "greater_than_equal": "数值太小",
    "greater_than": "数值太小",
    "less_than_equal": "数值超出范围",
    "less_than": "数值超出范围",
    "string_too_long": "内容过长",
    "string_too_short": "内容太短",
    "bool_parsing": "应为是或否",
}


def validation_message(exc: RequestValidationError) -> str:
    """FastAPI's validation errors as one Chinese sentence naming each field; never JSON."""
    parts = []
    for error in exc.errors():
        loc = [str(x) for x in error.get("loc", ()) if x not in ("body", "query", "path")]
        field = FIELD_NAMES.get(loc[-1], loc[-1]) if loc else "请求"
        parts.append(f"{field}：{PROBLEMS.get(error.get('type', ''), '格式不正确')}")
    return "提交的内容有误：" + "；".join(dict.fromkeys(parts)) + "。请返回上一页检查后重新提交。"


async def handle_validation_error(request: Request, exc: RequestValidationError):
    """A bad value in the path names no page (404: `/documents/99999999999`, `/documents/x`);
    a bad form or query field is a 422 page in Chinese."""
    if any(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
        return _page(request, 404, "没有这个页面：地址中的编号不存在。")
    return _page(request, 422, validation_message(exc), back=_back(request))


def _back(request: Request) -> str:
    """Where "返回上一页" leads: the page the form was on, when it is on this site."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.url.netloc:
        return ""
    return referer.path + (f"?{referer.query}" if referer.query else "") if referer.path else ""


async def handle_unexpected(request: Request, exc: Exception):
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _page(request, 500, "服务器内部错误，请稍后重试；问题持续时请联系管理员。")


def install(app) -> None:
    app.add_exception_handler(WebError, handle_web_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(HTTPException, handle_http_error)
    for cls, status in corpus_statuses().items():
        app.add_exception_handler(cls, _corpus_handler(status))
    app.add_exception_handler(Exception, handle_unexpected)
