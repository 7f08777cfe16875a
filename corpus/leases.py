"""Leases: which processes may be copying files into the store right now (reliability row 12).

An ingest copies each file into `files/` before the transaction that refers to it commits. A file
without a row is therefore either left by a crash (an orphan, to sweep) or in flight in another
running ingest (to keep). Each ingest, and each web server that runs ingests, holds a lease row
while it runs; the sweep only deletes files older than the oldest live lease.

A lease is live while its process is: on this machine (same host name and boot) that is checked
by pid, so a `kill -9`ed ingest stops protecting its leftovers at once; for another machine
sharing the data directory, by a heartbeat renewed every `HEARTBEAT_S` seconds.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, delete, select

from models.db import session_scope
from models.tables import IngestLease

HEARTBEAT_S = 30.0
STALE_S = 10 * HEARTBEAT_S
CLOCK_SKEW_S = 120.0  # another machine's clock may differ from ours by this much


def this_host() -> str:
    """Host name and boot id: a pid is only meaningful on its own machine since its last boot."""
    boot = ""
    with contextlib.suppress(OSError):
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    return f"{socket.gethostname()}/{boot}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    # A zombie (killed, not yet reaped by its parent) holds its pid but does nothing.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def is_live(lease: IngestLease, now: float | None = None, host: str | None = None) -> bool:
    if lease.host == (host or this_host()):
        return _pid_alive(lease.pid)
    return (now or time.time()) - lease.heartbeat < STALE_S


@dataclass
class Lease:
    id: int
    started: float


def acquire(engine: Engine, kind: str = "ingest") -> Lease:
    now = time.time()
    with session_scope(engine) as session:
        row = IngestLease(host=this_host(), pid=os.getpid(), kind=kind, started=now, heartbeat=now)
        session.add(row)
        session.flush()
        return Lease(row.id, now)  # type: ignore[arg-type]


def release(engine: Engine, lease: Lease) -> None:
    # Best effort: a lease left behind by a failing store is dead once this process is.
    with contextlib.suppress(Exception), session_scope(engine) as session:
        session.exec(delete(IngestLease).where(IngestLease.id == lease.id))  # type: ignore[call-overload]


def renew(engine: Engine, lease: Lease) -> None:
    with session_scope(engine) as session:
        row = session.get(IngestLease, lease.id)
        if row is not None:
            row.heartbeat = time.time()
            session.add(row)


@contextlib.contextmanager
def held(engine: Engine, kind: str = "ingest") -> Iterator[Lease]:
    """A lease for the duration of the block, renewed by a background thread."""
    lease = acquire(engine, kind)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_S):
            with contextlib.suppress(Exception):  # the ingest itself reports store faults
                renew(engine, lease)

    thread = threading.Thread(target=beat, name="infocity-lease", daemon=True)
    thread.start()
    try:
        yield lease
    finally:
        stop.set()
        release(engine, lease)


def live_leases(engine: Engine, *, drop_dead: bool = False) -> list[IngestLease]:
    """The live leases; `drop_dead` deletes the rows of dead processes on the way."""
    now, host = time.time(), this_host()
    with Session(engine) as session:
        rows = session.exec(select(IngestLease)).all()
    live = [r for r in rows if is_live(r, now, host)]
    dead = [r.id for r in rows if r not in live]
    if drop_dead and dead:
        with contextlib.suppress(Exception), session_scope(engine) as session:
            session.exec(delete(IngestLease).where(IngestLease.id.in_(dead)))  # type: ignore[call-overload, union-attr]
    return live


def sweep_cutoff(engine: Engine, own: Lease) -> float:
    """Stored files modified before this moment belong to no running process."""
    host = this_host()
    cutoff = own.started
    for lease in live_leases(engine, drop_dead=True):
        if lease.id == own.id or lease.kind != "ingest":
            continue
        start = lease.started if lease.host == host else lease.started - CLOCK_SKEW_S
        cutoff = min(cutoff, start)
    return cutoff
