"""Jinja2 with autoescape on for every template, and the filters the pages share.

Text from documents is untrusted: it reaches pages only through autoescaped expressions. The one
place that builds markup from it, `highlight`, escapes each piece itself and adds only <mark>.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.templating import Jinja2Templates

from classify import AREAS, SHORT_NAMES, load_catalogue
from classify.tags import taxonomy
from corpus.accounts import ROLES
from corpus.labels import CHECKS, FIGURE_KINDS, FIGURE_REVIEW, KINDS, LEVELS, PERIODS, REASONS
from corpus.review import format_time
from extract.vocabulary import ROLE_LABELS

from .security import csrf_token, current_user
from .wording import failure_text, warning_text

TEMPLATES = Path(__file__).parent / "templates"


def highlight(snippet: str, spans) -> Markup:
    """The snippet with each (start, end) span wrapped in <mark>; every piece escaped."""
    out, pos = [], 0
    for start, end in sorted(spans or []):
        start, end = max(start, pos), min(end, len(snippet))
        if start >= end:
            continue
        out.append(escape(snippet[pos:start]))
        out.append(Markup("<mark>") + escape(snippet[start:end]) + Markup("</mark>"))
        pos = end
    out.append(escape(snippet[pos:]))
    return Markup("").join(out)


def area_label(area) -> str:
    if area is None or area == "":
        return "未分类"
    return f"{area} {SHORT_NAMES.get(int(area), '')}".strip()


def period_label(period) -> str:
    return PERIODS.get(period or "", "未识别")


def number(value, unit=None) -> str:
    """A figure's value with its unit; money (元, 万元, 亿元) in 万元/亿元 as evaluators say it."""
    if unit in MONEY:
        return money(value, unit)
    return _plain(value, unit)


MONEY = {"元": 1, "万元": 1e4, "亿元": 1e8}


def _plain(value, unit=None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value % 1:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:,.0f}"
    return f"{text} {unit or ''}".strip()


def money(value, unit=None) -> str:
    """Amounts in 元 as evaluators say them: 768.5亿元, 56万元; other units as `number`."""
    if value is None:
        return ""
    if unit in MONEY and isinstance(value, int | float):
        yuan = value * MONEY[unit]
        for size, name in ((1e8, "亿元"), (1e4, "万元")):
            if abs(yuan) >= size:
                text = f"{yuan / size:,.2f}".rstrip("0").rstrip(".")
                return f"{text} {name}"
    return _plain(value, unit)


def beijing(at) -> str:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if isinstance(at, datetime) and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return format_time(at)


def segment(value) -> str:
    """A value as one URL path segment: every reserved character quoted."""
    return quote(str(value), safe="")


def percent(value) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html", "svg"), default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        highlight=highlight,
        area=area_label,
        period=period_label,
        number=number,
        beijing=beijing,
        percent=percent,
        seg=segment,
        warning=warning_text,
        money=money,
    )
    env.globals.update(
        AREAS=AREAS,
        SHORT_NAMES=SHORT_NAMES,
        PERIODS=PERIODS,
        KINDS=KINDS,
        LEVELS=LEVELS,
        CHECKS=CHECKS,
        FIGURE_KINDS=FIGURE_KINDS,
        FIGURE_REVIEW=FIGURE_REVIEW,
        REASONS=REASONS,
        failure_text=failure_text,
        query_string=lambda **params: urlencode(
            {k: v for k, v in params.items() if v not in (None, "")}
        ),
        ROLES=ROLES,
        FIGURE_ROLES=ROLE_LABELS,
        tag_names={t.id: t.name for t in taxonomy().values()},
        indicator_names={i.id: i.name for i in load_catalogue().indicators.values()},
    )
    return env


templates = Jinja2Templates(env=make_env())


def render(request: Request, name: str, status_code: int = 200, **context):
    try:
        user = current_user(request)
    except Exception:  # an error page must render even when the store is down
        user = None
    context.setdefault("user", user)
    context["csrf_token"] = csrf_token(request)
    # A refused edit and the "saved" note live in the session for exactly one page view: the
    # page the form was on shows them at the form, with the evaluator's input kept.
    if status_code < 400 and hasattr(request, "session"):
        context.setdefault("form_error", request.session.pop("form_error", None))
        context.setdefault("saved_note", request.session.pop("saved", None))
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def render_blocks(name: str, **context) -> dict[str, Markup]:
    """The title and content blocks of a page rendered alone, for pages whose body is the same
    for every user (compare): cached as HTML and shown through `cached_page.html`."""
    template = templates.env.get_template(name)
    ctx = template.new_context({**context, "user": None, "csrf_token": ""})
    return {
        block: Markup("".join(template.blocks[block](ctx)))
        for block in ("title", "content")
        if block in template.blocks
    }
