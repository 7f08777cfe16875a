"""The web app's own exceptions: each carries its status and its Chinese message. Raised by
routes, security and uploads; web/boundary.py turns them, and the lower layers' errors, into a
status and an error page.
"""

from __future__ import annotations

from fastapi import Request

from corpus import errors as corpus_errors
from corpus.accounts import ROLES


class WebError(Exception):
    status = 400
    message = "请求有误。"

    def __str__(self) -> str:
        return self.message


class LoginRequired(WebError):
    status = 401
    message = "请先登录。"


class LoginFailed(WebError):
    status = 401
    message = "用户名或密码错误。"


class Forbidden(WebError, corpus_errors.Forbidden):
    status = 403

    def __init__(self, role: str, needed: str) -> None:
        self.message = (
            f"您的角色（{ROLES.get(role, role)}）无权执行此操作，需要{ROLES.get(needed, needed)}。"
        )


class CsrfFailed(WebError):
    status = 403
    message = "表单已过期或来源无法验证（CSRF 校验失败）。请刷新页面后重新提交。"


class RateLimited(WebError):
    status = 429

    def __init__(self, minutes: int) -> None:
        self.message = f"登录失败次数过多，请 {minutes} 分钟后再试。"


class UploadRejected(WebError):
    """The upload as a whole is refused (too large, too many files, nothing in it)."""

    status = 413

    def __init__(self, message: str, status: int = 413) -> None:
        self.message, self.status = message, status


class JobNotFound(WebError):
    status = 404
    message = "没有这个上传任务（任务只保留到服务重启）。"


class BadParameter(WebError):
    status = 400

    def __init__(self, message: str) -> None:
        self.message = message


def wants_json(request: Request) -> bool:
    """The page's own script asked (fetch with Accept: application/json), or a .json URL."""
    return request.url.path.endswith(".json") or "application/json" in request.headers.get(
        "accept", ""
    )


def _wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json") or "application/json" in request.headers.get(
        "accept", ""
    )
