"""Worker processes for expensive, untrusted work (the editor's evaluate), off the server process.

Why: work in a thread of the server holds the interpreter lock, so a few heavy evaluations slow
every other request (the event loop waits for the lock after each system call). In worker
processes they cost the server nothing but a pipe, run at a lower OS priority (``nice``) and
can be stopped for sure: a worker whose client went away or whose time is up is killed and
replaced.

Rules:

- **Forked once, with the data.** :meth:`WorkerPool.start` forks a *template* process from
  the server after the dataset is loaded: a single-threaded copy that does nothing but fork the
  workers on request (so every worker shares the dataset's memory copy-on-write and starts in
  milliseconds, and no worker is forked from a server with running threads).
- **A worker** lowers its priority (``nice``), caps its data memory (``RLIMIT_DATA``: what it
  has at start plus ``memory`` bytes), builds its handler with ``setup()`` once and then answers
  one task at a time: ``handler(task)``. A task that fails sends its error back as
  :class:`WorkError` (HTTP status, detail, headers), never a traceback.
- **Bounded.** At most ``size`` workers; a caller waits for a free one (checking its cancel
  flag). :meth:`WorkerPool.run` kills the worker when ``cancel`` is set (the client went away)
  or ``deadline`` seconds pass, and a replacement is forked on the next task.
- **CPU is counted.** Every task reports the worker's CPU seconds for it (read from ``/proc``
  when the worker was killed), so rate limits count work done in a worker like work done in
  the server.

>>> pool = WorkerPool(lambda: lambda task: task * 2, size=1, nice=0, memory=None)
>>> pool.start()
>>> pool.run(21, threading.Event(), deadline=30).value
42
>>> pool.close()
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

POLL_SECONDS = 0.05
"""How often a caller waiting for a worker checks its cancel flag."""


class WorkError(Exception):
    """A task's refusal or failure, as the HTTP answer it stands for."""

    def __init__(
        self,
        status: int,
        detail: str,
        headers: dict[str, str] | None = None,
        *,
        fatal: bool = False,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers
        self.fatal = fatal
        """The worker ends after answering (e.g. it ran out of memory: its heap is suspect)."""
        self.cpu_seconds = 0.0


class WorkStopped(Exception):
    """The worker was killed: ``reason`` is ``"cancelled"``, ``"deadline"`` or ``"died"``."""

    def __init__(self, reason: str, cpu_seconds: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cpu_seconds = cpu_seconds


@dataclass(frozen=True)
class Done:
    """A task's result and the worker's CPU seconds for it."""

    value: Any
    cpu_seconds: float


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (and its reaped children) from ``/proc``; 0 when
    it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _data_bytes() -> int:
    """This process's data segment now (``VmData``), what ``RLIMIT_DATA`` counts."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmData:"):
            return int(line.split()[1]) * 1024
    return 0


def _quiet_signals() -> None:
    """A forked child must not run the server's signal handlers or wake its event loop."""
    with contextlib.suppress(ValueError):
        signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the server; we follow on EOF
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _worker(conn: Connection, setup: Callable[[], Callable[[Any], Any]], nice: int,
            memory: int | None) -> None:  # fmt: skip
    """A worker's life: lower priority, cap memory, then answer tasks until EOF."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if nice:
        os.nice(nice)
    if memory is not None:
        limit = _data_bytes() + memory
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    handler = setup()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        start = time.process_time()
        fatal = False
        try:
            answer: tuple[str, Any] = ("ok", handler(task))
        except WorkError as exc:
            fatal = exc.fatal
            answer = ("error", (exc.status, exc.detail, exc.headers, fatal))
        except MemoryError:
            fatal = True
            answer = ("error", (413, "the work needed more memory than allowed", None, True))
        except BaseException as exc:  # noqa: BLE001 - answered as a 500, logged here
            traceback.print_exc(file=sys.stderr)
            answer = ("error", (500, f"internal error ({type(exc).__name__}); see the server "
                                "log", None, False))  # fmt: skip
        try:
            conn.send((answer, time.process_time() - start))
        except (OSError, ValueError):
            os._exit(1)
        if fatal:  # its heap may be fragmented: a fresh worker takes its place
            os._exit(1)


def _template(sock: socket.socket, setup: Callable[[], Callable[[Any], Any]], nice: int,
              memory: int | None) -> None:  # fmt: skip
    """The template process: fork a worker for every byte received, hand back its pipe."""

    def reap(*_: Any) -> None:  # dead workers' CPU lands in this process's cutime/cstime
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass

    signal.signal(signal.SIGCHLD, reap)
    while True:
        try:
            wanted = sock.recv(1)
        except OSError:
            wanted = b""
        if not wanted:
            os._exit(0)
        mine, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            try:
                sock.close()
                mine.close()
                _worker(Connection(theirs.detach()), setup, nice, memory)
            finally:
                os._exit(1)
        theirs.close()
        socket.send_fds(sock, [struct.pack("q", pid)], [mine.fileno()])
        mine.close()


class _Worker:
    """The server's end of one worker."""

    def __init__(self, pid: int, conn: Connection) -> None:
        self.pid = pid
        self.conn = conn

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.conn.close()


def _gone(worker: _Worker) -> bool:
    """Whether an idle worker's end of the pipe is closed: an idle worker never writes, so
    anything to read (end of file) means it has exited."""
    try:
        return worker.conn.poll(0)
    except OSError:
        return True


class WorkerPool:
    """``size`` worker processes running ``setup()``'s handler (see the module docstring)."""

    def __init__(
        self,
        setup: Callable[[], Callable[[Any], Any]],
        *,
        size: int,
        nice: int = 10,
        memory: int | None = None,
    ) -> None:
        self.setup = setup
        self.size = size
        self.nice = nice
        self.memory = memory
        self.template_pid: int | None = None
        self._sock: socket.socket | None = None
        self._idle: list[_Worker] = []
        self._busy = 0
        self._lock = threading.Condition()
        self._fork_lock = threading.Lock()

    @property
    def started(self) -> bool:
        return self._sock is not None

    def start(self) -> None:
        """Fork the template process (call once the data every worker needs is loaded)."""
        if self._sock is not None:
            return
        ours, its = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            try:
                ours.close()
                _quiet_signals()
                _template(its, self.setup, self.nice, self.memory)
            finally:
                os._exit(1)
        its.close()
        self.template_pid, self._sock = pid, ours

    def pids(self) -> list[int]:
        """The template's and the idle workers' process ids (for measurements)."""
        with self._lock:
            return [p for p in [self.template_pid, *(w.pid for w in self._idle)] if p]

    def _fork(self) -> _Worker:
        assert self._sock is not None, "WorkerPool.start() first"
        with self._fork_lock:
            self._sock.sendall(b"w")
            data, fds, _, _ = socket.recv_fds(self._sock, 8, 1)
        if len(data) != 8 or not fds:
            raise WorkStopped("died")
        return _Worker(struct.unpack("q", data)[0], Connection(fds[0]))

    def _acquire(self, cancel: threading.Event) -> _Worker | None:
        with self._lock:
            while not self._idle and self._busy >= self.size:
                if cancel.is_set():
                    raise WorkStopped("cancelled")
                self._lock.wait(POLL_SECONDS)
            self._busy += 1
            return self._idle.pop() if self._idle else None

    def _release(self, worker: _Worker | None) -> None:
        with self._lock:
            self._busy -= 1
            if worker is not None:
                self._idle.append(worker)
            self._lock.notify()

    def run(self, task: Any, cancel: threading.Event, deadline: float) -> Done:
        """``handler(task)`` in a worker. Raises :class:`WorkError` (the task's refusal) or
        :class:`WorkStopped` (killed: ``cancel`` was set or ``deadline`` seconds passed, or the
        worker died)."""
        worker = self._acquire(cancel)
        keep: _Worker | None = None
        try:
            if worker is not None and _gone(worker):
                worker.kill()  # died while idle (killed from outside, out of memory): not the
                worker = None  # task's fault, so it gets a fresh worker instead of a refusal
            if worker is None:
                worker = self._fork()
            cpu_before = process_cpu_seconds(worker.pid)
            ends = time.monotonic() + deadline
            try:
                worker.conn.send(task)
                while not worker.conn.poll(POLL_SECONDS):
                    if cancel.is_set() or time.monotonic() > ends:
                        spent = max(0.0, process_cpu_seconds(worker.pid) - cpu_before)
                        worker.kill()
                        reason = "cancelled" if cancel.is_set() else "deadline"
                        raise WorkStopped(reason, spent)
                (kind, value), cpu = worker.conn.recv()
            except (EOFError, OSError):
                spent = max(0.0, process_cpu_seconds(worker.pid) - cpu_before)
                worker.kill()
                raise WorkStopped("died", spent) from None
            keep = worker
            if kind == "error":
                status, detail, headers, fatal = value
                error = WorkError(status, detail, headers, fatal=fatal)
                error.cpu_seconds = cpu
                if fatal:
                    keep = None  # it ends by itself
                raise error
            return Done(value, cpu)
        finally:
            self._release(keep)

    def close(self) -> None:
        """Kill every worker and the template."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self.template_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.template_pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.template_pid, 0)
            self.template_pid = None
