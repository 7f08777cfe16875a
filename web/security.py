"""Sessions, CSRF tokens, roles and the login rate limit.

The session is Starlette's signed cookie (itsdangerous): HttpOnly, SameSite=Lax (and Secure when
`INFOCITY_HTTPS=1`), holding only the user's id, the user's session version and the CSRF token.
The user is looked up again on every request and the cookie's session version must equal the
stored one, which moves on at logout, password, role or active change: so a copy of the cookie
dies with the session it came from, and a deactivated account or a changed role takes effect at
once. Every POST form carries the session's CSRF token;
every route names the least role it needs (a test checks that none is left out).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from fastapi import Request

from corpus.settings import Settings

from .errors import CsrfFailed, Forbidden, LoginRequired, RateLimited

ROLE_RANK = {"viewer": 0, "evaluator": 1, "admin": 2}
SESSION_SECONDS = 12 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SECRET_FILE = "web-secret.key"


def secret_key(settings: Settings) -> str:
    """The key that signs session cookies: the setting, else one generated once and kept in the
    data directory (readable by its owner only), so sessions survive a restart."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / SECRET_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key)
    return key


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf_token(request: Request, sent: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not sent or not secrets.compare_digest(str(sent), expected):
        raise CsrfFailed()


async def require_csrf(request: Request) -> None:
    """Dependency of every POST route whose body is an ordinary form."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    check_csrf_token(request, sent)


def start_session(request: Request, user) -> None:
    """A new session for a logged-in user: anything from before the login is dropped, and the
    CSRF token is new."""
    request.session.clear()
    request.session["uid"] = user.id
    request.session["sv"] = user.session_version
    request.session["csrf"] = secrets.token_urlsafe(32)


def end_session(request: Request) -> None:
    """Logout: the stored session version moves on (every copy of this cookie stops working),
    then the cookie itself is emptied."""
    from corpus.accounts import end_sessions

    uid = request.session.get("uid")
    if uid is not None:
        end_sessions(request.app.state.engine, int(uid))
    request.session.clear()


class RequireRole:
    """Dependency: the logged-in user, whose role is at least `role`.

    Anonymous requests raise LoginRequired (a page redirects to the login form); a lesser role
    raises Forbidden. The user is put on `request.state.user` for the templates."""

    def __init__(self, role: str) -> None:
        self.role = role

    def __call__(self, request: Request):
        user = current_user(request)
        if user is None:
            raise LoginRequired()
        if ROLE_RANK.get(user.role, -1) < ROLE_RANK[self.role]:
            raise Forbidden(user.role, self.role)
        return user


viewer = RequireRole("viewer")
evaluator = RequireRole("evaluator")
admin = RequireRole("admin")


def current_user(request: Request):
    if hasattr(request.state, "user"):
        return request.state.user
    user = None
    uid = request.session.get("uid")
    if uid is not None:
        from corpus.accounts import get_user_by_id

        user = get_user_by_id(request.app.state.engine, int(uid))
        if user is not None and (
            not user.active or request.session.get("sv") != user.session_version
        ):
            user = None
        if user is None:
            request.session.clear()
    request.state.user = user
    return user


def trusted_networks(setting: str) -> list:
    """The INFOCITY_TRUSTED_PROXIES setting as networks; a bad entry is refused at start-up, as
    a proxy silently not trusted (or trusted too widely) would be worse."""
    networks = []
    for part in (setting or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"INFOCITY_TRUSTED_PROXIES: not an address or network: {part}"
            ) from exc
    return networks


def _trusted(address: str, networks: list) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(request: Request) -> str:
    """The address of the person, not of the proxy: X-Forwarded-For is read only when the
    request came from a configured trusted proxy, and then from the right, skipping further
    trusted proxies (the leftmost entries are whatever the client chose to send)."""
    peer = request.client.host if request.client else ""
    networks = getattr(request.app.state, "trusted_proxies", [])
    if not networks or not _trusted(peer, networks):
        return peer
    forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",")]
    for address in reversed([a for a in forwarded if a]):
        if not _trusted(address, networks):
            return address
    return peer


class LoginLimiter:
    """At most `limit` failed logins per (name, address) within `window` seconds; more answer
    429 until the oldest failure leaves the window.

    The failures live in the database (table `loginfailure`), so every process of
    `infocity serve --workers N` and every server on the same store counts the same ones, and a
    restart forgets nothing. `check` records the attempt before the password is even checked,
    under a lock on its (name, address) (an advisory lock on PostgreSQL, the write lock on
    SQLite): concurrent attempts through several processes cannot slip past the limit together.
    A successful login (`succeeded`) removes the key's failures, its own attempt included."""

    def __init__(
        self,
        engine,
        limit: int = 5,
        window: float = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine, self.limit, self.window, self.clock = engine, limit, window, clock

    @staticmethod
    def _key(name: str, address: str) -> tuple[str, str]:
        return name.strip().casefold()[:200], address[:100]

    def check(self, name: str, address: str) -> int:
        """Raises RateLimited while the key is over its limit; otherwise records this attempt
        as a failure until `succeeded` says otherwise, and returns the record's id."""
        from sqlalchemy import delete, func
        from sqlmodel import select

        from models.db import write_scope
        from models.tables import LoginFailure

        name, address = self._key(name, address)
        now = self.clock()
        with write_scope(self.engine) as session:
            if self.engine.dialect.name == "postgresql":
                session.connection().exec_driver_sql(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s, 7270020))",
                    (f"{name}\x1f{address}",),
                )
            session.exec(delete(LoginFailure).where(LoginFailure.at <= now - self.window))  # type: ignore[arg-type]
            count, oldest = session.exec(
                select(func.count(LoginFailure.id), func.min(LoginFailure.at)).where(
                    LoginFailure.name == name, LoginFailure.address == address
                )
            ).one()
            if count >= self.limit:
                wait = self.window - (now - oldest)
                raise RateLimited(max(1, int(wait // 60) + 1))
            row = LoginFailure(name=name, address=address, at=now)
            session.add(row)
            session.flush()
            return int(row.id or 0)

    def failed(self, name: str, address: str, attempt: int | None = None) -> None:
        """A failure; nothing to do for an attempt `check` already recorded."""
        if attempt:
            return
        from models.db import session_scope
        from models.tables import LoginFailure

        name, address = self._key(name, address)
        with session_scope(self.engine) as session:
            session.add(LoginFailure(name=name, address=address, at=self.clock()))

    def succeeded(self, name: str, address: str) -> None:
        from sqlalchemy import delete

        from models.db import session_scope
        from models.tables import LoginFailure

        name, address = self._key(name, address)
        with session_scope(self.engine) as session:
            session.exec(
                delete(LoginFailure).where(  # type: ignore[arg-type]
                    LoginFailure.name == name, LoginFailure.address == address
                )
            )
