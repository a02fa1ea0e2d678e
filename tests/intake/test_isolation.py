"""The killable parse workers used by web requests (vedette.intake.isolation)."""

from __future__ import annotations

import os
import pickle
import time

import pytest

from vedette.errors import BadInput
from vedette.intake import isolation


def _gone(pid: int, wait_s: float = 10.0) -> bool:
    """The process has ended: no such process, or a zombie waiting to be reaped (it runs nothing). Asked of
    the kernel, since ``Process.is_alive()`` stays True when another thread of the pool reaped the child."""
    end = time.monotonic() + wait_s
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def pool():  # noqa: ANN201
    yield isolation._get_pool()
    isolation.shutdown()


def test_overrunning_call_is_killed_and_the_pool_replaced(pool) -> None:
    procs = list(pool._processes.values())
    old = {p.pid for p in procs}
    with pytest.raises(isolation.IsolatedTimeout, match="no result after 0.3 s"):
        isolation.run_isolated(time.sleep, 30, timeout=0.3)
    for proc in procs:
        proc.join(timeout=10)
        assert _gone(proc.pid), f"worker {proc.pid} still running"
    pid = isolation.run_isolated(os.getpid, timeout=60)
    assert pid not in old and pid != os.getpid()


def test_errors_cross_the_process_boundary_unchanged(pool) -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        isolation.run_isolated(int, "not a number", timeout=30)
    err = pickle.loads(pickle.dumps(BadInput("too deep", item="page.html")))
    assert isinstance(err, BadInput) and err.item == "page.html" and str(err) == "page.html: too deep"
