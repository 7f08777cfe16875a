"""Each untrusted file is parsed in its own child process (reliability row 6).

The child gets an address-space limit and the parent a wall-clock limit; a breach kills the child
and the file is marked `failed: resource limit` while the batch goes on. Children come from a
fork server that has already imported the readers, so a fork is cheap and never inherits the
caller's threads or open database connections.
"""

from __future__ import annotations

import multiprocessing
import resource
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass
from pathlib import Path

from .document import Document
from .errors import ExtractError, ResourceLimit
from .limits import Limits


@dataclass
class Failure:
    """A file that could not be extracted, with the one-line reason shown to evaluators."""

    path: str
    code: str
    message: str

    @property
    def name(self) -> str:
        return Path(self.path).name


Outcome = Document | Failure

_context_lock = threading.Lock()
_context = None


def _mp_context():
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["extract.readers"])
            _context = ctx
        return _context


def _child(conn, path: str, limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    import logging
    import warnings

    logging.disable(logging.WARNING)  # library chatter per glyph must not flood the parent
    warnings.simplefilter("ignore")
    from .readers import read_document

    try:
        result: object = read_document(path, limits)
    except ExtractError as exc:
        result = exc
    except MemoryError:
        result = ResourceLimit(path, f"more than {limits.memory_bytes // 2**20} MB of memory")
    except RecursionError:
        result = ResourceLimit(path, "structure nested too deeply")
    except Exception as exc:
        from .errors import CorruptDocument

        result = CorruptDocument(path, f"internal error {type(exc).__name__}: {str(exc)[:200]}")
    try:
        conn.send(result)
    except MemoryError:
        conn.send(ResourceLimit(path, "result too large"))
    finally:
        conn.close()


def extract_file(path: str | Path, limits: Limits | None = None) -> Outcome:
    """Given a file, returns its Document or a Failure; never raises for a bad file."""
    limits = limits or Limits()
    path = str(path)
    ctx = _mp_context()
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, path, limits), daemon=True)
    proc.start()
    sender.close()
    try:
        if receiver.poll(limits.timeout_s):
            try:
                result = receiver.recv()
            except (EOFError, OSError):
                result = None  # the child died before answering (killed, out of memory)
        else:
            result = ResourceLimit(path, f"parsing took longer than {limits.timeout_s:g} s")
    finally:
        receiver.close()
        if proc.is_alive():
            proc.kill()
        proc.join()
    if result is None:
        code = proc.exitcode
        detail = f"the parser was stopped (exit {code})"
        if code is not None and code < 0:
            detail = f"the parser was killed by signal {-code}, likely out of memory"
        result = ResourceLimit(path, detail)
    if isinstance(result, ExtractError):
        return Failure(path, result.code, result.message)
    return result


def extract_files(
    paths: Iterable[str | Path], limits: Limits | None = None, jobs: int = 1
) -> Iterator[Outcome]:
    """Extracts files `jobs` at a time, yielding outcomes as they finish.

    At most `2 * jobs` files are in flight, so memory stays flat however long the list is.
    """
    limits = limits or Limits()
    jobs = max(1, jobs)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        pending: set[Future[Outcome]] = set()
        for path in paths:
            pending.add(pool.submit(extract_file, path, limits))
            if len(pending) >= 2 * jobs:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        for future in as_completed(pending):
            yield future.result()
