"""The `infocity` command: the Typer app, its consoles, and the one error boundary."""

from __future__ import annotations

import typer
from rich.console import Console
from typer.core import TyperGroup

from classify.errors import ClassifyError
from corpus.errors import CorpusError
from extract.errors import ExtractError

# The error roots of the layers below: what the boundary turns into `✗ message` and exit 1.
OUR_ERRORS: tuple[type[Exception], ...] = (CorpusError, ClassifyError, ExtractError)


class _Boundary(TyperGroup):
    """The CLI's one error boundary: any command that raises one of our errors (a store fault,
    an unknown document, a model that cannot be used…) ends with its one-line Chinese message
    on stderr and a non-zero exit, never a traceback. A search query the engine cannot read is
    a usage error (exit 2)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # Loaded by then if it raised (costly at --help): a query it cannot read is exit 2.
            from corpus.search import QueryError

            if not isinstance(exc, OUR_ERRORS):
                raise
            err.print(f"✗ {exc}", markup=False, highlight=False)
            raise typer.Exit(2 if isinstance(exc, QueryError) else 1) from exc


app = typer.Typer(
    cls=_Boundary,
    help="infocity：国家信息消费示范城市进展报告的读取、分类与检索工具。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
