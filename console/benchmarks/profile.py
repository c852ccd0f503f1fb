"""`callpop bench profile`: from customer id to the customer 360 painted, headless.

Each sample pushes a `ProfileScreen` on a headless app and stops when the loaded profile has been
rendered (the screen's `painted` event, set after the refresh that shows the data). Two customers
are timed: a typical one and a huge one (200 holdings, 2,000 tickets with 2,000 interactions),
among `--customers` minimal customers bulk-inserted around them. The base is built once per size
(a SQLite file in the data dir unless --database is given) and reused. A baseline screen (one
line and the same footer) is timed the same way: on a shared machine the ratio is what to read.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from console.benchmarks import scratch_dir
from console.benchmarks.stats import emit, percentiles
from console.commands import UserError
from console.config import Settings
from screens.context import ConsoleContext
from screens.profile import ProfileScreen
from store.bulk import new_customer_row
from store.db import make_engine, write_session
from store.migrate import upgrade
from store.models import (
    Customer,
    CustomerStatus,
    Holding,
    Interaction,
    Product,
    ProductCategory,
    Role,
    Ticket,
    TicketStatus,
    Warranty,
)
from store.policy import Actor

CHUNK = 20_000
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def register(kinds: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = kinds.add_parser("profile", help="customer 360: id to painted profile", parents=parents)
    parser.add_argument(
        "--customers", type=int, default=100_000, help="minimal customers around the two timed"
    )
    parser.add_argument("--runs", type=int, default=30, help="timed samples per customer")
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() once the app is up (what the console should do: a full collection then only "
        "scans objects made since, not the whole app)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.customers < 0 or args.runs < 1:
        raise UserError("--customers must be >= 0 and --runs >= 1")
    scratch = scratch_dir(settings, "profile")
    url = settings.database_url or f"sqlite:///{scratch / f'bench-profile-{args.customers}.db'}"
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    typical, huge, reused = _ensure_base(engine, args.customers)
    build_s = round(time.perf_counter() - started, 1)
    context = ConsoleContext(
        engine=engine,
        operator="bench",
        extension="0",
        default_region=settings.default_region,
        data_dir=scratch,
        role=Role.OPERATOR,
        actor=Actor("bench", Role.OPERATOR),  # the store shows a profile to a signed-in role only
    )
    samples = asyncio.run(_measure(context, {"typical": typical, "huge": huge}, args.runs, args.gc_freeze))
    emit(
        {
            "benchmark": "profile",
            "backend": engine.dialect.name,
            "customers": args.customers + 2,
            "base_reused": reused,
            "gc_freeze": args.gc_freeze,
            "build_s": build_s,
            "typical": samples["typical"],
            "huge": samples["huge"],
            "baseline_empty_screen": samples["baseline"],
            "targets_ms": {"typical_p95": 100, "huge_p95": 250},
        }
    )
    engine.dispose()
    return 0


class _BenchApp(App[None]):
    def __init__(self, context: ConsoleContext) -> None:
        super().__init__()
        self.context = context


class _Baseline(Screen[None]):
    """A header line and a footer: what any screen costs to push and paint on this machine."""

    BINDINGS = ProfileScreen.BINDINGS

    def __init__(self) -> None:
        super().__init__()
        self.painted = asyncio.Event()

    def compose(self) -> ComposeResult:
        yield Static("baseline")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.call_after_refresh(self.painted.set)


async def _measure(
    context: ConsoleContext, customers: dict[str, int], runs: int, gc_freeze: bool
) -> dict[str, dict[str, Any]]:
    """Wall and CPU milliseconds from push to painted, per customer and for the baseline screen.

    CPU time (this process, all threads) next to wall time shows how much of a slow sample was the
    work itself and how much was waiting for a core on a shared machine. 3 warm-ups are dropped.
    The slow tail is mostly the garbage collector's full collections (about 100 ms each here, every
    few pushes), which `gc_freeze` shortens.
    """
    wall: dict[str, list[float]] = {name: [] for name in [*customers, "baseline"]}
    cpu: dict[str, list[float]] = {name: [] for name in wall}
    app = _BenchApp(context)
    async with app.run_test(size=(120, 40)) as pilot:
        if gc_freeze:
            gc.freeze()
        for _ in range(runs + 3):
            for name in wall:
                screen = _Baseline() if name == "baseline" else ProfileScreen(customers[name])
                started, started_cpu = time.perf_counter(), time.process_time()
                await app.push_screen(screen)
                await asyncio.wait_for(screen.painted.wait(), timeout=30)
                wall[name].append((time.perf_counter() - started) * 1000)
                cpu[name].append((time.process_time() - started_cpu) * 1000)
                await app.pop_screen()
                await pilot.pause()
    return {name: {**percentiles(wall[name][3:]), "cpu": percentiles(cpu[name][3:])} for name in wall}


def _ensure_base(engine: Engine, customers: int) -> tuple[int, int, bool]:
    """Ids of the typical and the huge customer, building the base first if needed."""
    with engine.connect() as connection:
        found: dict[str, int] = dict(
            connection.execute(  # type: ignore[arg-type]  # rows of two columns: (key, value)
                sa.select(col(Customer.external_id), col(Customer.id)).where(
                    col(Customer.external_id).in_(["BENCH-TYPICAL", "BENCH-HUGE"])
                )
            ).all()
        )
        count = connection.execute(sa.select(sa.func.count()).select_from(Customer)).scalar_one()
    if len(found) == 2 and count == customers + 2:
        return found["BENCH-TYPICAL"], found["BENCH-HUGE"], True
    if count:
        raise UserError(f"{engine.url} holds other customers: give an empty database")
    _bulk_customers(engine, customers // 2, "A")
    typical = _rich_customer(engine, "BENCH-TYPICAL", holdings=6, tickets=12)
    huge = _rich_customer(engine, "BENCH-HUGE", holdings=200, tickets=2000)
    _bulk_customers(engine, customers - customers // 2, "B")
    return typical, huge, False


def _bulk_customers(engine: Engine, count: int, prefix: str) -> None:
    """Minimal customers through executemany in big transactions (no ORM, no hooks)."""
    table = Customer.__table__  # type: ignore[attr-defined]
    base = {
        "given_name": "Bulk",
        "family_name": "Customer",
        "display_name": "Bulk Customer",
        **new_customer_row(EPOCH),
    }
    for start in range(0, count, CHUNK):
        rows = [{**base, "external_id": f"{prefix}{n:08d}"} for n in range(start, min(start + CHUNK, count))]
        with engine.begin() as connection:
            connection.execute(sa.insert(table), rows)


def _rich_customer(engine: Engine, external_id: str, *, holdings: int, tickets: int) -> int:
    """A customer with `holdings` (a third appliances with warranties) and `tickets` with history."""
    today = date.today()
    with write_session(engine) as session:
        customer = Customer(
            external_id=external_id,
            given_name="Bench",
            family_name=external_id,
            display_name=f"Bench {external_id}",
            status=CustomerStatus.ACTIVE,
            birth_date=date(1975, 5, 5),
        )
        session.add(customer)
        products = [
            Product(code=f"{external_id}-{c.value}", name=c.value.title(), category=c)
            for c in ProductCategory
        ]
        session.add_all(products)
        session.flush()
        customer_id = customer.id
        assert customer_id is not None
        for n in range(holdings):
            product = products[n % len(products)]
            assert product.id is not None
            holding = Holding(
                customer_id=customer_id,
                product_id=product.id,
                reference=f"R{n:06d}",
                opened_on=today - timedelta(days=n * 7),
                balance=Decimal("1000.00"),
                price_paid=Decimal("299.00"),
            )
            session.add(holding)
            if product.category == ProductCategory.APPLIANCE:
                session.flush()
                assert holding.id is not None
                session.add(
                    Warranty(
                        holding_id=holding.id,
                        starts_on=today - timedelta(days=400),
                        ends_on=today + timedelta(days=n - 100),
                    )
                )
        session.flush()
        for n in range(tickets):
            when = EPOCH + timedelta(hours=n)
            status = TicketStatus.OPEN if n % 100 == 0 else TicketStatus.CLOSED
            ticket = Ticket(
                number=f"{external_id}-{n:05d}",
                customer_id=customer_id,
                subject=f"Case {n}",
                status=status,
                created_at=when,
                updated_at=when,
            )
            session.add(ticket)
            session.flush()
            session.add(
                Interaction(
                    customer_id=customer_id,
                    ticket_id=ticket.id,
                    summary=f"Call about case {n}",
                    occurred_at=when,
                )
            )
        return customer_id
