"""The ordered worker pool on toy functions (no letters, no WeasyPrint)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import CancelledError
from pathlib import Path

import pytest

from amsplan.adapters.letters.pool import Pool, PoolBroken, RemoteTraceback

# -- toy functions, run in the workers (importable by name: module level) -----------------

_STATE: dict[str, object] = {}


def square_after(item: tuple[int, float]) -> tuple[int, int]:
    """item = (n, seconds to sleep first): (n * n, the worker's pid)."""
    n, delay = item
    time.sleep(delay)
    return n * n, os.getpid()


def fail_on_three(n: int) -> int:
    if n == 3:
        raise ValueError(f"three is not allowed (got {n})")
    return n


def remember(value: str) -> None:
    _STATE["init"] = value
    _STATE["calls"] = 0


def recall(_: object) -> tuple[object, object]:
    _STATE["calls"] = int(_STATE["calls"]) + 1  # type: ignore[call-overload]
    return _STATE["init"], _STATE["calls"]


def touch_after(path: str, delay: float) -> str:
    time.sleep(delay)
    Path(path).write_text("ran", encoding="utf-8")
    return path


def die(_: object) -> None:
    os._exit(3)


def refuse(_: object) -> None:
    raise RuntimeError("cannot start")


def chatter(n: int) -> int:
    print("a stray line on stdout", n)
    return n + 1


class Unpicklable(Exception):
    def __init__(self, handle: object):
        super().__init__("holds a lock")
        self.handle = handle


def raise_unpicklable(_: object) -> None:
    import threading

    raise Unpicklable(threading.Lock())


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _wait_gone(pids: list[int], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_alive(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return False


# -- ordering ---------------------------------------------------------------------------

# Later items finish first: the results must still come back in submission order.
ITEMS = [(n, 0.3 if n % 3 == 0 else 0.02) for n in range(12)]


@pytest.mark.parametrize("workers", [1, 3])
def test_results_come_back_in_submission_order(workers: int) -> None:
    with Pool(workers) as pool:
        results = list(pool.map(square_after, ITEMS))
        pids = set(pool.pids())
    assert [square for square, _ in results] == [n * n for n, _ in ITEMS]
    used = {pid for _, pid in results}
    assert used <= pids and os.getpid() not in used
    # One worker does everything; several share the work.
    assert len(used) == 1 if workers == 1 else len(used) > 1
    assert _wait_gone(list(pids))


def test_initializer_runs_once_in_each_worker() -> None:
    with Pool(1, initializer=remember, initargs=("warm",)) as pool:
        assert pool.wait_ready(timeout=60) and pool.ready()
        assert list(pool.map(recall, range(3))) == [("warm", 1), ("warm", 2), ("warm", 3)]


def test_a_stray_print_in_a_worker_does_not_disturb_the_channel() -> None:
    with Pool(1) as pool:
        assert list(pool.map(chatter, range(3))) == [1, 2, 3]


# -- errors -----------------------------------------------------------------------------


def test_an_exception_in_a_worker_is_raised_in_the_parent_with_its_item() -> None:
    with Pool(2) as pool:
        tasks = [pool.submit(fail_on_three, n) for n in range(6)]
        with pytest.raises(ValueError, match="three is not allowed") as caught:
            tasks[3].result(timeout=60)
        # The other tasks are not affected; the pool goes on.
        assert [t.result(timeout=60) for i, t in enumerate(tasks) if i != 3] == [0, 1, 2, 4, 5]
        assert pool.submit(fail_on_three, 7).result(timeout=60) == 7
    error = caught.value
    assert isinstance(error.__cause__, RemoteTraceback)
    assert "fail_on_three" in error.__cause__.text  # the worker's traceback
    assert any("fail_on_three on (3,)" in note for note in error.__notes__)


def test_map_raises_at_the_failed_item_and_cancels_the_rest() -> None:
    with Pool(1) as pool:
        seen = []
        with pytest.raises(ValueError):
            for value in pool.map(fail_on_three, range(10)):
                seen.append(value)
    assert seen == [0, 1, 2]


def test_an_exception_that_cannot_be_pickled_still_arrives() -> None:
    with Pool(1) as pool, pytest.raises(RuntimeError, match="Unpicklable: holds a lock"):
        pool.submit(raise_unpicklable, None).result(timeout=60)


def test_a_worker_that_dies_breaks_the_pool() -> None:
    with Pool(1) as pool:
        task = pool.submit(die, None)
        with pytest.raises(PoolBroken, match="exit status 3"):
            task.result(timeout=60)
        with pytest.raises(PoolBroken):
            pool.submit(fail_on_three, 1)
        assert not pool.ready()


def test_a_failing_initializer_breaks_the_pool_with_its_reason() -> None:
    with Pool(1, initializer=refuse, initargs=(None,)) as pool:
        task = pool.submit(fail_on_three, 1)
        with pytest.raises(PoolBroken) as caught:
            task.result(timeout=60)
        assert not pool.wait_ready(timeout=60)
    reason = caught.value.__cause__
    assert isinstance(reason, RuntimeError) and str(reason) == "cannot start"
    assert isinstance(reason.__cause__, RemoteTraceback)


def test_only_functions_importable_by_name() -> None:
    with Pool(1) as pool:
        with pytest.raises(ValueError, match="module-level"):
            pool.submit(lambda n: n, 1)

        def nested(n: int) -> int:
            return n

        with pytest.raises(ValueError, match="module-level"):
            pool.submit(nested, 1)


# -- cancel and shutdown ----------------------------------------------------------------


def test_cancel_takes_back_a_task_no_worker_has_started(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    with Pool(1) as pool:
        running = pool.submit(touch_after, str(first), 1.0)
        queued = pool.submit(touch_after, str(second), 0.0)
        deadline = time.monotonic() + 60
        while not running.running():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert not running.cancel()  # started: it runs to the end
        assert queued.cancel() and queued.cancelled()
        assert running.result(timeout=60) == str(first)
        with pytest.raises(CancelledError):
            queued.result()
        assert pool.submit(fail_on_three, 5).result(timeout=60) == 5
    assert first.exists() and not second.exists()


def test_close_stops_busy_workers_at_once() -> None:
    pool = Pool(2)
    tasks = [pool.submit(square_after, (n, 60.0)) for n in range(4)]
    assert pool.wait_ready(timeout=60)
    pids = pool.pids()
    started = time.monotonic()
    pool.close()
    assert time.monotonic() - started < 10
    assert _wait_gone(pids)
    for task in tasks:
        with pytest.raises(CancelledError):
            task.result(timeout=1)
    with pytest.raises(RuntimeError, match="closed"):
        pool.submit(fail_on_three, 1)


def test_keyboard_interrupt_shuts_the_pool_down() -> None:
    with pytest.raises(KeyboardInterrupt), Pool(2) as pool:  # noqa: PT012
        pids = pool.pids()
        for _ in pool.map(square_after, [(n, 5.0) for n in range(6)]):
            raise KeyboardInterrupt
    assert _wait_gone(pids)


# -- the parent's __main__ and the parent's death ---------------------------------------

SCRIPT = """
import math, sys, time
print("main module ran", flush=True)  # no __main__ guard: workers must not run this
from amsplan.adapters.letters.pool import Pool
pool = Pool(2)
print(" ".join(map(str, pool.pids())), flush=True)
print(list(pool.map(math.factorial, [3, 4, 5])), flush=True)
if len(sys.argv) > 1:
    time.sleep(120)
pool.close()
"""


def _script(tmp_path: Path) -> Path:
    path = tmp_path / "unguarded.py"
    path.write_text(textwrap.dedent(SCRIPT), encoding="utf-8")
    return path


def test_the_parents_main_module_is_never_run_in_a_worker(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(_script(tmp_path))],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert lines.count("main module ran") == 1
    assert lines[-1] == "[6, 24, 120]"


def test_workers_do_not_outlive_their_parent(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, str(_script(tmp_path)), "wait"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        assert parent.stdout.readline().strip() == "main module ran"
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert parent.stdout.readline().strip() == "[6, 24, 120]"
        assert all(_alive(pid) for pid in pids)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        assert _wait_gone(pids)
    finally:
        if parent.poll() is None:
            parent.kill()
