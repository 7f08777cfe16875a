"""web/: the evaluators' web app, a thin face over corpus/."""

from .app import create_app

__all__ = ["create_app"]
