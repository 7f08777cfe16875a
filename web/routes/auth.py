"""Logging in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from corpus.accounts import authenticate

from ..errors import LoginFailed
from ..security import client_address, current_user, end_session, require_csrf, start_session
from ..templating import render
from .common import engine_of, local_path, see_other

router = APIRouter()


def _address(request: Request) -> str:
    return client_address(request)


@router.get("/login")
def login_form(request: Request, next: str = ""):
    if current_user(request) is not None:
        return see_other(local_path(next))
    return render(request, "login.html", next=local_path(next, ""))


@router.post("/login", dependencies=[Depends(require_csrf)])
def login(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
):
    request.state.login_next = local_path(next, "")
    limiter = request.app.state.login_limiter
    address = _address(request)
    attempt = limiter.check(name, address)
    user = authenticate(engine_of(request), name, password)
    if user is None:
        limiter.failed(name, address, attempt)
        raise LoginFailed()
    limiter.succeeded(name, address)
    start_session(request, user)
    return see_other(local_path(next))


@router.post("/logout", dependencies=[Depends(require_csrf)])
def logout(request: Request):
    end_session(request)
    return see_other("/login")
