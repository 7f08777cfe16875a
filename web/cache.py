"""Pages' expensive results kept per store version: compare's matrix and indicator table, the
city view's overview. Cached results are thrown away as soon as the store changes.

The store's version is read with three index-only aggregates on every use (the newest audit
event, the newest document, the number of current documents): every evaluator's change writes
an audit event in its own transaction, and ingest adds documents, so a page never shows a
result older than the store. A result may also be brought up to date from the newest one
kept for its key (`get(..., update=)`). One process, one small dict; each worker of a multi-process
server keeps its own.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from models.tables import Document, ReviewEvent

MAX_ENTRIES = 256


def store_version(engine: Engine) -> tuple:
    with Session(engine) as session:
        event = session.exec(select(func.max(ReviewEvent.id))).one()
        newest, current = session.exec(
            select(func.max(Document.id), func.count(Document.id)).where(Document.is_current)
        ).one()
    return (event, newest, current)


class PageCache:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._latest: OrderedDict[tuple, tuple[tuple, Any]] = OrderedDict()  # key → newest
        self._lock = Lock()

    def get(
        self,
        key: tuple,
        compute: Callable[[], Any],
        update: Callable[[tuple, Any, tuple], Any] | None = None,
    ) -> Any:
        """`compute()`'s result for `key` in the store as it is now. With `update`, a result
        kept for `key` at an older store version is brought up to date by
        `update(its version, it, the version now)` instead: a page built per city recomputes
        only the cities changed since (compare)."""
        version = store_version(self.engine)
        full = (version, *key)
        with self._lock:
            if full in self._items:
                self._items.move_to_end(full)
                return self._items[full]
            previous = self._latest.get(key)
        # outside the lock: two first requests may both compute, harmlessly
        if update is not None and previous is not None:
            value = update(previous[0], previous[1], version)
        else:
            value = compute()
        with self._lock:
            self._items[full] = value
            self._latest[key] = (version, value)
            self._latest.move_to_end(key)
            while len(self._items) > MAX_ENTRIES:
                self._items.popitem(last=False)
            while len(self._latest) > MAX_ENTRIES:
                self._latest.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget everything (the next page is computed in full, as after a restart)."""
        with self._lock:
            self._items.clear()
            self._latest.clear()
