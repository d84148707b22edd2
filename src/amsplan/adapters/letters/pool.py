"""A small ordered pool of worker processes (used to render large batches of letters).

Each worker is a fresh Python (``sys.executable``) with the parent's ``sys.path`` that
imports this module, then the initializer and every task function *by name* (module and
qualified name): the parent's ``__main__`` is never imported or run again in a worker, so
a script without an ``if __name__ == "__main__"`` guard can use the pool too. Arguments,
results and exceptions travel pickled over the worker's stdin/stdout (a stray ``print``
in a worker goes to stderr, never into the channel).

- Tasks are handed out in submission order, one at a time to each idle worker; a task no
  worker has started yet can be taken back with ``Task.cancel()`` (the caller may then run
  it itself). ``map`` yields results in submission order.
- An exception in a worker is raised again in the parent, from ``Task.result()``: the
  same exception type, with the worker's traceback as its ``__cause__`` and a note that
  names the function and (shortened by ``reprlib``) the item it was running on.
- A worker that dies, or whose initializer fails, breaks the pool: every task not
  finished fails with ``PoolBroken`` (the reason is its ``__cause__``), and so does
  ``submit``. The caller decides what to do instead.
- ``close()`` (also on leaving a ``with`` block, on KeyboardInterrupt too) takes back
  every task not started, stops idle workers and terminates busy ones: their results
  would not be read. Workers ignore SIGINT (Ctrl-C reaches the whole process group): the
  parent decides when they stop. A worker whose parent is gone exits within a second.

What this module must not do: know about letters, WeasyPrint or anything of amsplan; run
the parent's ``__main__``; let a task's failure pass silently.
"""

from __future__ import annotations

import importlib
import os
import pickle
import reprlib
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError
from typing import IO, Any

__all__ = ["Pool", "PoolBroken", "RemoteTraceback", "Task"]

_PENDING, _RUNNING, _DONE, _CANCELLED = "pending", "running", "done", "cancelled"

# How a worker is started: it replaces its sys.path by the parent's (given as arguments,
# as multiprocessing's spawn does) and imports this module by name; nothing else.
_BOOT = (
    "import sys; sys.path[:] = sys.argv[1:]; "
    "from amsplan.adapters.letters.pool import _worker_main; _worker_main()"
)


class PoolBroken(RuntimeError):
    """A worker died or could not start: the pool takes no more tasks."""


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker (set as its ``__cause__``)."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f'\n"""\n{self.text}"""'


class Task:
    """One call handed to the pool: like a future, with its item kept for error notes."""

    def __init__(self, pool: Pool, function: tuple[str, str], args: tuple[Any, ...]):
        self._pool = pool
        self.function = function
        self.args = args
        self._state = _PENDING
        self._result: Any = None
        self._exception: BaseException | None = None
        self._done = threading.Event()

    def cancel(self) -> bool:
        """Take the task back if no worker has started it (True: it will never run)."""
        with self._pool._lock:
            if self._state == _PENDING:
                self._state = _CANCELLED
                self._done.set()
            return self._state == _CANCELLED

    def cancelled(self) -> bool:
        return self._state == _CANCELLED

    def running(self) -> bool:
        """Whether a worker is running it now."""
        return self._state == _RUNNING

    def done(self) -> bool:
        return self._done.is_set()

    def result(self, timeout: float | None = None) -> Any:
        """The function's return value; its exception if it raised; CancelledError."""
        if not self._done.wait(timeout):
            raise TimeoutError("the worker has not finished this task yet")
        if self._state == _CANCELLED:
            raise CancelledError()
        if self._exception is not None:
            raise self._exception
        return self._result

    def _finish(self, result: Any = None, exception: BaseException | None = None) -> None:
        with self._pool._lock:
            if self._state in (_DONE, _CANCELLED):
                return
            self._state = _DONE
            self._result = result
            self._exception = exception
            self._done.set()


class Pool:
    """``workers`` processes, each running ``initializer(*initargs)`` once, then tasks.

    ``initializer`` and every task function must be importable by name: module-level
    functions of a module other than ``__main__`` (no lambdas, no nested functions).
    The workers start at once; tasks submitted before a worker is ready wait for it.
    """

    def __init__(
        self,
        workers: int,
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
    ):
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        init = _reference(initializer) if initializer is not None else None
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queue: deque[Task] = deque()
        self._closing = False
        self.broken: BaseException | None = None
        self._workers: list[_Worker] = []
        try:
            for _ in range(workers):
                self._workers.append(_Worker(self, init, initargs))
        except BaseException:
            self.close()
            raise

    # -- use ---------------------------------------------------------------------------

    def submit(self, function: Callable[..., object], *args: Any) -> Task:
        """Queue ``function(*args)`` for the next idle worker."""
        task = Task(self, _reference(function), args)
        with self._lock:
            if self._closing:
                raise RuntimeError("the pool is closed")
            if self.broken is not None:
                raise PoolBroken("the worker pool is broken") from self.broken
            self._queue.append(task)
            self._wake.notify()
        return task

    def map(self, function: Callable[..., object], items: Iterable[Any]) -> Iterator[Any]:
        """``function(item)`` for each item, results in the order of the items.

        A failure is raised when its result is reached; the tasks after it are cancelled.
        """
        tasks = [self.submit(function, item) for item in items]
        try:
            for task in tasks:
                yield task.result()
        finally:
            for task in tasks:
                task.cancel()

    def ready(self) -> bool:
        """Whether every worker has run its initializer."""
        return self.broken is None and all(w.ready.is_set() for w in self._workers)

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until every worker is ready (False: timed out, or the pool broke)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for worker in self._workers:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not worker.ready.wait(left):
                return False
        return self.broken is None

    def pids(self) -> list[int]:
        return [worker.process.pid for worker in self._workers]

    # -- end ---------------------------------------------------------------------------

    def close(self) -> None:
        """Cancel what has not started, stop the workers (busy ones are terminated)."""
        with self._lock:
            self._closing = True
            self._drop_queue(None)
            busy = [worker for worker in self._workers if worker.task is not None]
            for worker in busy:
                if worker.task is not None:
                    worker.task._state = _CANCELLED
                    worker.task._done.set()
            self._wake.notify_all()
        for worker in busy:
            worker.terminate()
        for worker in self._workers:
            worker.stop()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- for the worker threads ---------------------------------------------------------

    def _next(self, worker: _Worker) -> Task | None:
        """The next task for ``worker`` (None: the pool is closing or broken)."""
        with self._lock:
            while True:
                if self._closing or self.broken is not None:
                    return None
                while self._queue and self._queue[0]._state != _PENDING:
                    self._queue.popleft()  # taken back by cancel()
                if self._queue:
                    task = self._queue.popleft()
                    task._state = _RUNNING
                    worker.task = task
                    return task
                self._wake.wait()

    def _break(self, reason: BaseException) -> None:
        with self._lock:
            if self._closing or self.broken is not None:
                return
            self.broken = reason
            self._drop_queue(reason)
            for worker in self._workers:
                if worker.task is not None:
                    worker.task._state = _DONE
                    worker.task._exception = _broken(reason)
                    worker.task._done.set()
            self._wake.notify_all()

    def _drop_queue(self, reason: BaseException | None) -> None:
        """Every queued task cancelled (reason None) or failed (caller holds the lock)."""
        for task in self._queue:
            if task._state != _PENDING:
                continue
            if reason is None:
                task._state = _CANCELLED
            else:
                task._state = _DONE
                task._exception = _broken(reason)
            task._done.set()
        self._queue.clear()


def _broken(reason: BaseException) -> PoolBroken:
    error = PoolBroken(f"a letter worker process failed: {reason}")
    error.__cause__ = reason
    return error


class _Worker:
    """One worker process and the thread in this process that feeds it, task by task."""

    def __init__(self, pool: Pool, init: tuple[str, str] | None, initargs: tuple[Any, ...]):
        self.pool = pool
        self.task: Task | None = None
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, *[str(p) for p in sys.path]],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Its own session: Ctrl-C in a terminal reaches this process only, which
            # then closes the pool (a worker must not die half-way through its start).
            start_new_session=os.name == "posix",
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._to: IO[bytes] = self.process.stdin
        self._from: IO[bytes] = self.process.stdout
        self._thread = threading.Thread(
            target=self._run, args=(init, initargs), name="pool-worker", daemon=True
        )
        self._thread.start()

    def _run(self, init: tuple[str, str] | None, initargs: tuple[Any, ...]) -> None:
        pool = self.pool
        try:
            _send(self._to, ("init", init, initargs))
            reply = pickle.load(self._from)
            if reply[0] != "ready":
                _, exc, text = reply
                exc.__cause__ = RemoteTraceback(text)
                raise exc
            self.ready.set()
            while (task := pool._next(self)) is not None:
                try:
                    message = pickle.dumps(("run", task.function, task.args), _PROTOCOL)
                except Exception as exc:  # an argument that cannot be pickled: the task's fault
                    self.task = None
                    task._finish(exception=exc)
                    continue
                self._to.write(message)
                self._to.flush()
                kind, value, text = pickle.load(self._from)
                self.task = None
                if kind == "ok":
                    task._finish(result=value)
                else:
                    value.__cause__ = RemoteTraceback(text)
                    value.add_note(
                        f"in worker process {self.process.pid}, running "
                        f"{'.'.join(task.function)} on {reprlib.repr(task.args)}"
                    )
                    task._finish(exception=value)
        except BaseException as exc:  # the worker died, or its channel broke
            if pool._closing:
                return
            if not isinstance(exc, (EOFError, OSError, ValueError, pickle.UnpicklingError)):
                reason: BaseException = exc
            else:
                try:
                    code: int | None = self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    code = None
                reason = PoolBroken(
                    "a worker process ended"
                    + (f" (exit status {code})" if code is not None else "")
                )
            pool._break(reason)
        finally:
            self.ready.set()

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()

    def stop(self) -> None:
        """Close the channel (an idle worker exits on it) and wait for the process."""
        try:
            self._to.close()
        except OSError:  # a terminated worker: the last write had nowhere to go
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=10)  # it sees the end of the channel and returns
        self._from.close()


_PROTOCOL = pickle.HIGHEST_PROTOCOL


def _send(stream: IO[bytes], message: object) -> None:
    stream.write(pickle.dumps(message, _PROTOCOL))
    stream.flush()


def _reference(function: Callable[..., object]) -> tuple[str, str]:
    """(module, qualified name) of a function a worker can import by name."""
    module = getattr(function, "__module__", None)
    name = getattr(function, "__qualname__", "")
    if not module or module == "__main__" or "<" in name:
        raise ValueError(
            f"{function!r}: a pool runs module-level functions of an importable module "
            "(not of __main__, not a lambda or a nested function)"
        )
    return module, name


def _resolve(reference: tuple[str, str]) -> Callable[..., object]:
    module, name = reference
    found: Any = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    return found


# -- in the worker process ---------------------------------------------------------------


def _worker_main() -> None:
    """The loop of a worker: the initializer, then one task after another until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    # The channel is the original stdin/stdout; the task code gets /dev/null and stderr.
    channel_in = os.fdopen(os.dup(0), "rb")
    channel_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    try:
        _, init, initargs = pickle.load(channel_in)
        try:
            if init is not None:
                _resolve(init)(*initargs)
        except BaseException as exc:
            _send(channel_out, ("failed", *_portable(exc)))
            return
        _send(channel_out, ("ready",))
        while True:
            _, function, args = pickle.load(channel_in)
            try:
                reply: tuple[Any, ...] = ("ok", _resolve(function)(*args), "")
                message = pickle.dumps(reply, _PROTOCOL)
            except BaseException as exc:
                message = pickle.dumps(("error", *_portable(exc)), _PROTOCOL)
            channel_out.write(message)
            channel_out.flush()
    except (EOFError, BrokenPipeError):
        pass  # the parent closed the channel: stop


def _portable(exc: BaseException) -> tuple[BaseException, str]:
    """The exception (or a RuntimeError telling it, if it cannot be pickled) and its trace."""
    text = "".join(traceback.format_exception(exc))
    try:
        pickle.loads(pickle.dumps(exc, _PROTOCOL))
    except Exception:
        exc = RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc, text


def _exit_with_parent(parent: int) -> None:
    """A worker must not outlive its parent (killed, crashed): checked once a second."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)
