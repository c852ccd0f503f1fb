"""The queue benchmark's pieces run at a small N (the timing target lives in `callpop bench`)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from console.benchmarks.queue_paint import SUPERVISOR, build_tickets, first_paint_ms
from store.replica import Engines
from store.tickets_queue import QueueFilter, queue_page


def test_build_tickets_and_time_the_first_paint(sqlite_engine: Engine) -> None:
    build_tickets(sqlite_engine, 60)
    page = queue_page(Engines.single(sqlite_engine), SUPERVISOR, QueueFilter())
    assert len(page.rows) == 48  # 60 tickets, a fifth closed
    wall, cpu = first_paint_ms(sqlite_engine, runs=2)
    assert len(wall) == len(cpu) == 2 and all(ms > 0 for ms in wall + cpu)
