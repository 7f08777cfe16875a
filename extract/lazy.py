"""Light package `__init__`s. A package names its exports and the submodule each lives in; a name
is imported the first time it is used (PEP 562 module `__getattr__`). So `import corpus.errors`
costs that one module, not the package's whole subtree, and imports can sit at the top of the
modules that use them instead of hiding in functions to dodge cost or cycles.

    from extract.lazy import exports
    __getattr__, __dir__, __all__ = exports(__name__, {"ingest": ".ingest", "Alias": ".x:Name"})

A name that is also a submodule's name (`corpus.ingest` the function, corpus/ingest.py the
module) keeps meaning the export once the submodule is imported, as with an eager `__init__`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from types import ModuleType


class _Package(ModuleType):
    """A package whose exported names win over its submodules of the same name."""

    _shadowing: frozenset[str] = frozenset()

    def __setattr__(self, name: str, value) -> None:
        if name in self._shadowing and isinstance(value, ModuleType):
            return  # the import system binding the submodule: reachable via sys.modules
        super().__setattr__(name, value)


def exports(
    package: str, table: dict[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """`__getattr__`, `__dir__` and `__all__` for a package exporting `table`'s names: each maps
    to `.submodule` (same name there) or `.submodule:name`."""
    module = sys.modules[package]

    def __getattr__(name: str):
        try:
            where = table[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        submodule, _, real = where.partition(":")
        value = getattr(import_module(submodule, package), real or name)
        module.__dict__[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*module.__dict__, *table})

    shadowing = frozenset(n for n, where in table.items() if where.partition(":")[0] == f".{n}")
    if shadowing:
        module.__class__ = type("_Package", (_Package,), {"_shadowing": shadowing})
    return __getattr__, __dir__, sorted(table)
