"""web/: the evaluators' web app, a thin face over corpus/."""

from extract.lazy import exports

__getattr__, __dir__, __all__ = exports(
    __name__,
    {
        "create_app": ".app",
    },
)
