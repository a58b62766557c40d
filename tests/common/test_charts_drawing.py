"""Charts drawn while several requests run at once: one drawing at a time in a process, and
readers who ask for the same chart at the same moment share its one drawing."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from auditloop.common import charts
from auditloop.common.statistics import xmr


def _chart(offset: float = 0.0) -> Any:
    return xmr([(f"2026-{m:02d}", 50.0 + offset + m % 3) for m in range(1, 13)])


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """_render, slowed down so that concurrent requests overlap, counting its calls and
    the most that ran at once."""
    seen = {"calls": 0, "running": 0, "most": 0}
    guard = threading.Lock()
    real = charts._render

    def slow(*args: Any) -> bytes:
        with guard:
            seen["calls"] += 1
            seen["running"] += 1
            seen["most"] = max(seen["most"], seen["running"])
        time.sleep(0.2)
        try:
            return real(*args)
        finally:
            with guard:
                seen["running"] -= 1

    charts._cached.cache_clear()
    monkeypatch.setattr(charts, "_render", slow)
    yield seen
    charts._cached.cache_clear()


def _at_once(work: Any, n: int) -> list[Any]:
    out: list[Any] = [None] * n
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        out[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_readers_of_the_same_chart_at_once_share_one_drawing(counted: dict[str, int]) -> None:
    chart = _chart()
    drawn = _at_once(lambda _i: charts.draw(chart, title="Good or better", as_percent=True), 6)
    assert counted["calls"] == 1
    assert len({d.svg for d in drawn}) == 1 and "<svg" in drawn[0].svg


def test_different_charts_are_drawn_one_at_a_time(counted: dict[str, int]) -> None:
    drawn = _at_once(lambda i: charts.png(_chart(offset=i), title=f"Chart {i}"), 4)
    assert counted["calls"] == 4
    assert counted["most"] == 1
    assert all(png.startswith(b"\x89PNG") for png in drawn)
