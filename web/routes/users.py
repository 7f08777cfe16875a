"""Managing accounts: admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from corpus.accounts import (
    ROLES,
    activate,
    add_user,
    deactivate,
    list_users,
    set_password,
    set_role,
)
from corpus.review import recent_events

from .. import security
from ..templating import render
from .common import engine_of, see_other

router = APIRouter(prefix="/admin/users")
admin = Depends(security.admin)
csrf = [Depends(security.require_csrf)]
Name = Annotated[str, Form(max_length=200)]
Password = Annotated[str, Form(max_length=2000)]


@router.get("")
def users_page(request: Request, user=admin):
    engine = engine_of(request)
    events = [e for e in recent_events(engine, 500) if e.entity == "user"][:30]
    return render(request, "users.html", users=list_users(engine), roles=ROLES, events=events)


@router.post("", dependencies=csrf)
def add(request: Request, name: Name, password: Password, role: Annotated[str, Form()], user=admin):
    add_user(engine_of(request), name, password, role, by=user.name)
    return see_other("/admin/users")


@router.post("/{name}/role", dependencies=csrf)
def role(request: Request, name: str, role: Annotated[str, Form()], user=admin):
    set_role(engine_of(request), name, role, by=user.name)
    return see_other("/admin/users")


@router.post("/{name}/password", dependencies=csrf)
def password(request: Request, name: str, password: Password, user=admin):
    set_password(engine_of(request), name, password, by=user.name)
    return see_other("/admin/users")


@router.post("/{name}/active", dependencies=csrf)
def active(request: Request, name: str, value: Annotated[str, Form()] = "0", user=admin):
    (activate if value == "1" else deactivate)(engine_of(request), name, by=user.name)
    return see_other("/admin/users")
