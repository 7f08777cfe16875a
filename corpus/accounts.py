"""Accounts of the web app: who may log in, and what each may do.

Passwords are hashed with argon2id (argon2-cffi's PasswordHasher, its parameters stored in the
hash, so they can be raised later and old hashes upgraded at the next login). Users are never
deleted: the audit names them, so an account that should no longer log in is deactivated.
Every change to an account is recorded as a ReviewEvent (entity "user") in the same transaction;
the password hash itself never reaches the audit.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Engine
from sqlmodel import Session, select

from models.db import session_scope
from models.tables import ReviewEvent, User

from .errors import Conflict, CorpusError, Invalid, NotFound

ROLES: dict[str, str] = {
    "admin": "管理员",  # everything, including managing users
    "evaluator": "评估员",  # reads, uploads and reviews
    "viewer": "只读用户",  # reads only
}
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # hashing a megabyte-long "password" is a cheap denial of service
MAX_NAME = 64


class AccountError(CorpusError):
    """A request about accounts that cannot be done; the message says why, in Chinese."""


class DuplicateUser(AccountError, Conflict):
    pass


class WeakPassword(AccountError, Invalid):
    pass


class UnknownRole(AccountError, Invalid):
    pass


class InvalidName(AccountError, Invalid):
    pass


class UnknownUser(AccountError, NotFound):
    pass


class LastAdmin(AccountError, Conflict):
    """Demoting or deactivating the only active admin would leave nobody to manage users."""


@dataclass
class UserInfo:
    """What the rest of the program knows about a user: never the password hash."""

    id: int
    name: str
    role: str
    active: bool
    created_at: datetime | None = None
    session_version: int = 0  # a web session made under another version is no longer valid

    @property
    def can_review(self) -> bool:
        return self.active and self.role in ("admin", "evaluator")

    @property
    def is_admin(self) -> bool:
        return self.active and self.role == "admin"

    def to_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=1)
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against when the user is unknown, so that the answer takes as long as
    for a known user and the timing does not tell which names exist."""
    return _hasher().hash("infocity-no-such-user")


def _info(user: User) -> UserInfo:
    return UserInfo(
        user.id, user.name, user.role, user.active, user.created_at, user.session_version or 0
    )


def clean_name(name: str) -> str:
    """The stored form of a user name: NFC, surrounding spaces removed; refused when empty, too
    long, or holding control characters (it is shown in pages and in the audit)."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise InvalidName("用户名不能为空")
    if len(name) > MAX_NAME:
        raise InvalidName(f"用户名过长（最多 {MAX_NAME} 个字符）")
    if any(unicodedata.category(ch)[0] == "C" for ch in name):
        raise InvalidName("用户名不能包含控制字符")
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UnknownRole(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    return role


def _check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise WeakPassword(f"密码太短：至少 {MIN_PASSWORD} 个字符")
    if len(password) > MAX_PASSWORD:
        raise WeakPassword(f"密码太长：最多 {MAX_PASSWORD} 个字符")
    return password


def _audit(session: Session, user: User, action: str, by: str, before, after) -> None:
    session.add(
        ReviewEvent(
            user=by or "system",
            entity="user",
            entity_id=user.id,
            action=action,
            before=before,
            # The user's name and role go with every account event, so the audit names whom it
            # was about, whatever happens to the account later.
            after={**(after or {}), "name": user.name, "role": user.role},
        )
    )


def _get(session: Session, name: str, *, lock: bool = False) -> User:
    query = select(User).where(User.name == clean_name(name))
    if lock:
        query = query.with_for_update()
    user = session.exec(query).first()
    if user is None:
        raise UnknownUser(f"没有用户 {name}")
    return user


def _active_admins(session: Session) -> int:
    """Counted with the admins' rows locked (PostgreSQL), so two admins demoting each other at
    the same moment cannot both succeed."""
    query = select(User.id).where(User.role == "admin", User.active).with_for_update()
    return len(session.exec(query).all())


def add_user(engine: Engine, name: str, password: str, role: str, *, by: str = "") -> UserInfo:
    """Creates an account. A name already taken (even by a deactivated user) is refused, so the
    audit's names stay unambiguous."""
    from sqlalchemy.exc import IntegrityError

    name = clean_name(name)
    _check_role(role)
    hashed = _hasher().hash(_check_password(password))
    try:
        with session_scope(engine) as session:
            if session.exec(select(User.id).where(User.name == name)).first() is not None:
                raise DuplicateUser(f"用户名 {name} 已存在")
            user = User(name=name, role=role, password_hash=hashed, active=True)
            session.add(user)
            session.flush()
            _audit(session, user, "create", by, None, {"name": name, "role": role})
            info = _info(user)
    except IntegrityError as exc:  # another process added the same name at the same moment
        raise DuplicateUser(f"用户名 {name} 已存在") from exc
    return info


def authenticate(engine: Engine, name: str, password: str) -> UserInfo | None:
    """The user when the name and password match an active account, else None. Unknown names,
    deactivated accounts and wrong passwords take the same time and give the same answer."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        name = clean_name(name)
    except InvalidName:
        name = ""
    password = password or ""
    too_long = len(password) > MAX_PASSWORD  # no stored password is that long
    with Session(engine) as session:
        user = session.exec(select(User).where(User.name == name)).first() if name else None
    hasher = _hasher()
    try:
        hasher.verify(
            user.password_hash if user and not too_long else _dummy_hash(),
            password[:MAX_PASSWORD],
        )
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active or too_long:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        with session_scope(engine) as session:
            row = session.get(User, user.id)
            if row is not None and row.password_hash == user.password_hash:
                row.password_hash = hasher.hash(password)
    return _info(user)


def get_user(engine: Engine, name: str) -> UserInfo | None:
    try:
        name = clean_name(name)
    except InvalidName:
        return None
    with Session(engine) as session:
        user = session.exec(select(User).where(User.name == name)).first()
        return _info(user) if user else None


def get_user_by_id(engine: Engine, user_id: int) -> UserInfo | None:
    """For the web session, which keeps the id: a renamed or deactivated user is seen at once."""
    with Session(engine) as session:
        user = session.get(User, user_id)
        return _info(user) if user else None


def end_sessions(engine: Engine, user_id: int) -> None:
    """Ends every web session of the user (logout): the session version moves on, so a copy of
    the cookie taken before is refused. Not audited: logging out changes nothing in the store."""
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        if user is not None:
            user.session_version = (user.session_version or 0) + 1


def list_users(engine: Engine) -> list[UserInfo]:
    with Session(engine) as session:
        return [_info(u) for u in session.exec(select(User).order_by(User.name))]


def set_password(engine: Engine, name: str, password: str, *, by: str = "") -> UserInfo:
    hashed = _hasher().hash(_check_password(password))
    with session_scope(engine) as session:
        user = _get(session, name, lock=True)
        user.password_hash = hashed
        user.session_version = (user.session_version or 0) + 1
        _audit(session, user, "set_password", by, None, None)
        return _info(user)


def set_role(engine: Engine, name: str, role: str, *, by: str = "") -> UserInfo:
    """Changes a user's role; refused when it would leave no active admin."""
    _check_role(role)
    with session_scope(engine) as session:
        user = _get(session, name, lock=True)
        if user.role == role:
            return _info(user)
        if user.role == "admin" and user.active and _active_admins(session) <= 1:
            raise LastAdmin(f"{user.name} 是唯一的管理员，不能改为其他角色")
        before = {"role": user.role}
        user.role = role
        user.session_version = (user.session_version or 0) + 1
        _audit(session, user, "set_role", by, before, {"role": role})
        return _info(user)


def deactivate(engine: Engine, name: str, *, by: str = "") -> UserInfo:
    """The user can no longer log in; the account and its place in the audit remain."""
    with session_scope(engine) as session:
        user = _get(session, name, lock=True)
        if not user.active:
            return _info(user)
        if user.role == "admin" and _active_admins(session) <= 1:
            raise LastAdmin(f"{user.name} 是唯一的管理员，不能停用")
        user.active = False
        user.session_version = (user.session_version or 0) + 1
        _audit(session, user, "deactivate", by, {"active": True}, {"active": False})
        return _info(user)


def activate(engine: Engine, name: str, *, by: str = "") -> UserInfo:
    with session_scope(engine) as session:
        user = _get(session, name, lock=True)
        if user.active:
            return _info(user)
        user.active = True
        user.session_version = (user.session_version or 0) + 1
        _audit(session, user, "activate", by, {"active": False}, {"active": True})
        return _info(user)
