"""What the routes share: the engine, redirects after a POST, and parsing optional numbers."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Path, Request
from fastapi.responses import RedirectResponse

from extract.vocabulary import KIND_LABELS, PERIOD_LABELS, period_choices

from ..errors import BadParameter

# Row ids in paths: beyond what the database's integer holds there is no such row (404), rather
# than an overflow deep in the driver (500). boundary.py turns a bad path value into a 404 page.
MAX_ID = 2**31 - 1
Id = Annotated[int, Path(ge=0, le=MAX_ID)]
Year = Annotated[int, Path(ge=1900, le=2200)]


def engine_of(request: Request):
    return request.app.state.engine


def local_path(target: str | None, default: str = "/") -> str:
    """`target` when it is a path on this site (so a form's `next` cannot send the user away),
    else `default`."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ch in target for ch in "\r\n\x00"):
        return default
    return target


def see_other(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


def optional_int(value: str | None, what: str, low: int | None = None, high: int | None = None):
    """An optional number from a query or form ('' is None); a bad one is a clear 400."""
    if value is None or str(value).strip() == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise BadParameter(f"{what}应为整数：{value}") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise BadParameter(f"{what}超出范围：{number}")
    return number


def optional_period(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if value not in PERIOD_LABELS:
        raise BadParameter(f"未知时段：{value}（可选：{period_choices()}）")
    return value


def optional_kind(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if value not in KIND_LABELS:
        raise BadParameter(f"未知文件类型：{value}")
    return value


def query_string(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})
