"""Each untrusted file is parsed in a worker process (reliability row 6).

Workers come from a fork server that has already imported the readers, never inherit the caller's
threads or database connections, and carry an address-space limit; the parent holds a
wall-clock limit per file. A breach kills that worker, the file is marked `failed: resource
limit`, a fresh worker takes its place and the batch goes on. Workers are reused for many files
(starting one costs the caller's imports again, up to half a second) and recycled after
`RECYCLE_AFTER` files so a slow leak in a parsing library cannot pile up.

A caller may give a `then` step (a picklable callable, e.g. corpus.ingest's analysis): the worker
runs it on the extracted Document and returns its result instead, so the work a document needs
after parsing uses the workers' cores and memory limit too. It gets a budget of its own
(`timeout_s` again, from the moment extraction ends); the step is sent once per worker and kept
there (models load once per worker). `WorkerPool.start` starts the workers before the first
file and sends each the step at once, which a step with a `warm()` method uses to load what it
needs (models, dictionaries) while the caller is still deciding which files to read.

OCR makes a long scanned report legitimately slow (about 2 s a page), so each page the worker
reports as read by OCR adds `Limits.ocr_page_timeout_s` to the file's wall-clock budget: a
500-page scan can finish, while a hang, which reports nothing, is still stopped.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import resource
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass
from pathlib import Path

from .document import Document
from .errors import CorruptDocument, ExtractError, ResourceLimit, TooLarge
from .limits import Limits

RECYCLE_AFTER = 200
# Files that extract.legacy converts with LibreOffice (its readers' suffixes): WorkerPool sends
# them to the worker whose office is running.
OFFICE_SUFFIXES = frozenset({".doc", ".wps", ".et"})


@dataclass
class Failure:
    """A file that could not be extracted, with the one-line reason shown to evaluators."""

    path: str
    code: str
    message: str

    @property
    def name(self) -> str:
        from .files import display_name

        return display_name(Path(self.path).name)[0]


Outcome = Document | Failure


Then = Callable[[Document], object]


@dataclass(frozen=True)
class _Extracted:
    """Sent by a worker when extraction is done and its `then` step starts."""


@dataclass(frozen=True)
class _Page:
    """Sent by a worker for each page it has read by OCR: it is making progress."""

    number: int


_context_lock = threading.Lock()
_context = None


def _mp_context():
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            # The readers and the parsers nearly every file needs (pdfium, python-docx): code
            # only, imported once here instead of in each worker.
            ctx.set_forkserver_preload(["extract.readers", "extract.pdf", "extract.word"])
            _context = ctx
        return _context


def _extract_one(path: str, limits: Limits, folders: Sequence[str] = ()) -> object:
    """The document, or the error; an error's detail never carries the absolute path (libraries
    put it in their messages; evaluators see the file's name, not where the server keeps it)."""
    result = _read(path, limits, folders)
    if isinstance(result, ExtractError):
        result.detail = result.detail.replace(path, Path(path).name)
        result.detail = result.detail.replace(str(Path(path).parent) + "/", "")
    return result


def _read(path: str, limits: Limits, folders: Sequence[str]) -> object:
    from .readers import read_document

    try:
        return check_output(read_document(path, limits, folders), limits)
    except ExtractError as exc:
        return exc
    except MemoryError:
        return ResourceLimit(path, f"more than {limits.memory_bytes // 2**20} MB of memory")
    except RecursionError:
        return ResourceLimit(path, "structure nested too deeply")
    except Exception as exc:
        return CorruptDocument(path, f"internal error {type(exc).__name__}: {str(exc)[:200]}")


def check_output(doc: Document, limits: Limits) -> Document:
    """Raises TooLarge when a document produces more blocks or characters than one document may;
    run in the worker, so nothing that large is ever sent to the ingest process."""
    if len(doc.blocks) > limits.max_blocks:
        raise TooLarge(doc.path, f"内容过多：{len(doc.blocks):,} 段，上限 {limits.max_blocks:,} 段")
    chars = 0
    for block in doc.blocks:
        chars += len(block.text) + sum(len(c) for row in block.rows or () for c in row)
        if chars > limits.max_chars:
            raise TooLarge(doc.path, f"内容过多：超过 {limits.max_chars:,} 个字符的上限")
    return doc


def _one_malloc_arena() -> None:
    """glibc reserves 64 MB of address space for each thread that allocates (ONNX Runtime and
    OpenCV start a few), and the address-space limit counts reservations, not use: with one
    arena, an OCR worker peaks at 0.9 GB instead of 1.5 GB (bench/README.md)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-8, 1)  # M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


def _then(step: Then, doc: object, path: str, limits: Limits) -> object:
    """The caller's step on an extracted document, its failures as a failure of that file."""
    try:
        return step(doc)
    except ExtractError as exc:
        return exc
    except MemoryError:
        limit = limits.memory_bytes + limits.analysis_memory_bytes
        return ResourceLimit(path, f"more than {limit // 2**20} MB of memory (analysis)")
    except RecursionError:
        return ResourceLimit(path, "structure nested too deeply")
    except Exception as exc:
        return CorruptDocument(path, f"internal error {type(exc).__name__}: {str(exc)[:200]}")


def _warm(step: Then | None) -> None:
    """The step's own warm-up, if it has one. A failure here is left for the first file's step
    to meet again and report as that file's failure (out of memory: a resource limit)."""
    warm = getattr(step, "warm", None)
    if warm is not None:
        with contextlib.suppress(Exception, MemoryError):
            warm()


def _serve(conn, memory_bytes: int) -> None:
    """The worker's loop: a path in, a Document (or its `then` step's result) or an ExtractError
    out, until the pipe closes. A step arrives once and stays for the next files."""
    _one_malloc_arena()
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    import logging
    import warnings

    logging.disable(logging.WARNING)  # library chatter per glyph must not flood the parent
    warnings.simplefilter("ignore")
    from .ocr import set_progress

    set_progress(lambda number: conn.send(_Page(number)))
    step: Then | None = None
    while True:
        try:
            path, limits, folders, new_step = conn.recv()
        except (EOFError, OSError):
            from .legacy import stop_converters

            stop_converters()
            return
        if new_step is not None:
            step = new_step
        if path is None:  # a warm-up: the step loads what it needs before the first file
            _warm(step)
            continue
        result = _extract_one(path, limits, folders)
        if step is not None and isinstance(result, Document):
            conn.send(_Extracted())
            result = _then(step, result, path, limits)
        try:
            conn.send(result)
        except MemoryError:
            conn.send(ResourceLimit(path, "result too large"))


class _Worker:
    def __init__(self, memory_bytes: int, warm: Then | None = None) -> None:
        ctx = _mp_context()
        self.memory_bytes = memory_bytes
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, memory_bytes), daemon=True)
        self.proc.start()
        child.close()
        self.done = 0
        self.step: Then | None = None  # the step this worker holds
        if warm is not None:
            # Sent now, so the worker loads it while no file is waiting. The first file's budget
            # starts when that file is sent, as every file's does, so it may include the end of
            # the warm-up (about half a second, against a budget of minutes).
            self.conn.send((None, None, (), warm))
            self.step = warm

    def run(
        self, path: str, limits: Limits, folders: Sequence[str] = (), then: Then | None = None
    ) -> tuple[object, bool]:
        """Returns (result, worker still usable)."""
        try:
            send = then if then is not self.step else None
            self.conn.send((path, limits, tuple(folders), send))
            self.step = then
            start = time.monotonic()
            deadline = start + limits.timeout_s
            phase = "parsing"
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self.conn.poll(remaining):
                    budget = deadline - start
                    return ResourceLimit(path, f"{phase} took longer than {budget:g} s"), False
                result = self.conn.recv()
                if isinstance(result, _Extracted):  # the step's own budget
                    phase = "analysis"
                    start = time.monotonic()
                    deadline = start + limits.timeout_s
                    continue
                if not isinstance(result, _Page):
                    break
                deadline += limits.ocr_page_timeout_s
        except (EOFError, OSError, BrokenPipeError):
            self.proc.join(timeout=5)
            code = self.proc.exitcode
            detail = f"the parser was stopped (exit {code})"
            if code is not None and code < 0:
                detail = f"the parser was killed by signal {-code}, likely out of memory"
            return ResourceLimit(path, detail), False
        self.done += 1
        usable = not isinstance(result, ResourceLimit) and self.done < RECYCLE_AFTER
        return result, usable

    def close(self) -> None:
        self.conn.close()  # the worker ends on EOF
        self.proc.join(timeout=2)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()


_STARTING = object()  # WorkerPool._office while the worker that will hold it is being started


class WorkerPool:
    """`size` workers shared by the caller's threads; a broken worker is replaced. `then`: the
    step each worker runs on each extracted document (see the module's docstring)."""

    def __init__(self, size: int, limits: Limits, then: Then | None = None) -> None:
        self.limits = limits
        self.then = then
        self.size = size
        self._lock = threading.Condition()
        # Idle workers; None: a slot whose worker is not started yet (first use, or start()).
        self._idle: list[_Worker | None] = [None] * size
        # The worker whose LibreOffice runs (_STARTING while it is being started), or None.
        self._office: object = None

    def _memory(self) -> int:
        memory = self.limits.memory_bytes
        if self.then is not None:
            memory += self.limits.analysis_memory_bytes
        return memory

    def idle_workers(self) -> list[_Worker]:
        with self._lock:
            return [worker for worker in self._idle if worker is not None]

    def start(self, count: int | None = None) -> None:
        """Starts workers until `count` (default: all) are running, each warming its step up at
        once (see the module's docstring), so their start-up overlaps whatever the caller does
        before sending the first file. Idempotent; workers in use are left alone."""
        with self._lock:
            running = self.size - self._idle.count(None)
            for i, worker in enumerate(self._idle):
                if worker is None and running < (count or self.size):
                    self._idle[i] = _Worker(self._memory(), self.then)
                    running += 1

    def _take(self, office: bool) -> _Worker | None:
        """An idle worker, a started one first. A file LibreOffice converts (.doc, .wps, .et)
        waits for the worker whose office is running (or starting), if there is one, rather
        than start a second office (about 1 CPU-second each) in another worker."""
        with self._lock:
            while True:
                if office and self._office is not None:
                    if self._office in self._idle:
                        self._idle.remove(self._office)
                        return self._office  # type: ignore[return-value]
                elif self._idle:
                    started = [w for w in self._idle if w is not None]
                    worker = started[0] if started else None
                    self._idle.remove(worker)
                    if office:
                        self._office = worker or _STARTING
                    return worker
                self._lock.wait()

    def _give(self, worker: _Worker | None, taken: _Worker | None, office: bool) -> None:
        with self._lock:
            claimed = office and taken is None and self._office is _STARTING
            if claimed or (taken is not None and self._office is taken):
                # The worker holding the office is now `worker`: the one started for this
                # file, or None when it died or was recycled (its office went with it).
                self._office = worker
            self._idle.append(worker)
            self._lock.notify_all()

    def run(self, path: str | Path, folders: Sequence[str] = ()) -> Outcome:
        path = str(path)
        office = Path(path).suffix.lower() in OFFICE_SUFFIXES
        worker = taken = self._take(office)
        try:
            memory = self._memory()
            if worker is not None and worker.memory_bytes != memory:
                worker.close()  # started under other limits: replaced, not left running
                worker = None
            if worker is None:
                worker = _Worker(memory)
            result, usable = worker.run(path, self.limits, folders, self.then)
            if not usable:
                if isinstance(result, ResourceLimit):
                    _kill(worker)  # hung, dead or out of memory
                else:
                    worker.close()  # recycled after RECYCLE_AFTER files
                worker = None
        finally:
            self._give(worker, taken, office)
        if isinstance(result, ExtractError):
            return Failure(path, result.code, result.message)
        return result  # type: ignore[return-value]

    def close(self) -> None:
        with self._lock:
            workers, self._idle = self._idle, [None] * len(self._idle)
            self._office = None
        for worker in workers:
            if worker is not None:
                worker.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _kill(worker: _Worker) -> None:
    if worker.proc.is_alive():
        worker.proc.kill()
    worker.proc.join()
    worker.conn.close()


def extract_file(
    path: str | Path,
    limits: Limits | None = None,
    folders: Sequence[str] = (),
    then: Then | None = None,
) -> Outcome:
    """Given a file, returns its Document (or `then`'s result on it) or a Failure; never raises
    for a bad file.

    `folders`: the folder names between the ingest root and the file, innermost last (evidence
    of the issuer, year and period)."""
    with WorkerPool(1, limits or Limits(), then) as pool:
        return pool.run(path, folders)


FoldersOf = Mapping[str, Sequence[str]] | Callable[[str], Sequence[str]]


def _folders_of(folders: FoldersOf | None, path: str | Path) -> Sequence[str]:
    if folders is None:
        return ()
    if callable(folders):
        return folders(str(path))
    return folders.get(str(path), ())


def extract_files(
    paths: Iterable[str | Path],
    limits: Limits | None = None,
    jobs: int = 1,
    folders: FoldersOf | None = None,
    then: Then | None = None,
    pool: WorkerPool | None = None,
) -> Iterator[Outcome]:
    """Extracts files `jobs` at a time, yielding outcomes as they finish.

    At most `2 * jobs` files are in flight, so memory stays flat however long the list is.
    `folders` gives each file's folder names (innermost last), as a mapping from str(path) or a
    function of it; files it does not know have none. `then`: run by the worker on each
    extracted document; its result is yielded instead of the Document. `pool`: the caller's own
    pool of `jobs` workers (kept between batches; its limits and step are used and it is left
    open), else one made for this batch and closed after it.
    """
    limits = limits or Limits()
    jobs = max(1, jobs)
    # With several workers, one thread more than workers: a thread whose .doc waits for the
    # worker running LibreOffice leaves the other workers to the rest of the files. One worker
    # keeps one thread, so its files are read in the order given.
    threads_n = jobs + 1 if jobs > 1 else 1
    with contextlib.ExitStack() as stack, ThreadPoolExecutor(max_workers=threads_n) as threads:
        if pool is None:
            pool = stack.enter_context(WorkerPool(jobs, limits, then))
        pending: set[Future[Outcome]] = set()
        for path in paths:
            pending.add(threads.submit(pool.run, path, _folders_of(folders, path)))
            if len(pending) >= 2 * jobs:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        for future in as_completed(pending):
            yield future.result()
