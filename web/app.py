"""The evaluators' web app: `create_app(settings)` builds it over the store the settings name.

Server-rendered pages (Jinja2, autoescaped), a little plain JavaScript, every asset served from
`web/static/`: nothing is fetched from elsewhere, so the app runs offline.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.staticfiles import StaticFiles

from corpus import Settings, get_settings, open_store

from . import boundary
from .cache import PageCache
from .jobs import Jobs
from .routes import ROUTERS
from .security import SESSION_SECONDS, LoginLimiter, secret_key, trusted_networks

STATIC = Path(__file__).parent / "static"

# Pages may load only what the app itself serves; inline SVG needs no source of its own.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


class HeadAsGet:
    """HEAD answered wherever GET is (FastAPI's routes answer only the methods they name): the
    request runs as a GET and the body is dropped, so the headers are exactly a GET's."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def headers_only(message):
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        return await self.app(dict(scope, method="GET"), receive, headers_only)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app over the store of `settings` (default: from the environment). Opening the store
    runs its migrations; StoreUnavailable says what is wrong."""
    settings = settings or get_settings()
    engine = open_store(settings)
    jobs = Jobs(settings, engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        jobs.shutdown()

    app = FastAPI(
        title="infocity",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.jobs = jobs
    app.state.login_limiter = LoginLimiter(engine)
    app.state.trusted_proxies = trusted_networks(settings.trusted_proxies)
    app.state.page_cache = PageCache(engine)

    @app.middleware("http")
    async def security_headers(request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.url.path != "/static" and not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key(settings),
        session_cookie="infocity_session",
        max_age=SESSION_SECONDS,
        same_site="lax",
        https_only=settings.https,
    )
    app.add_middleware(HeadAsGet)
    boundary.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    for router in ROUTERS:
        app.include_router(router)
    return app
