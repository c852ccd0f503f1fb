"""The supervisor reports against figures worked out here, in plain Python, from the very rows
the test inserted (both databases); and who may read them (the store refuses an operator)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from store.db import write_session
from store.models import Call, CallStatus, OfferPresentation, Operator, Role, Ticket
from store.models.callbacks import Callback, CallbackStatus
from store.models.segments import CustomerRfm, SegmentMember
from store.policy import Actor, Forbidden
from store.replica import Engines
from store.reports import REPORTS, By, Period, run_report
from store.reports.calls import NO_CUSTOMER, NOT_SCORED
from store.segments.rfm import RFM_SEGMENTS
from tests.factories import make_customer

PERIOD = Period(date(2026, 11, 2), date(2026, 11, 8))
NOW = datetime(2026, 11, 6, 12, tzinfo=UTC)
TEAMS = {"ada": "north", "bo": "north", "cy": "south", "di": ""}
REASONS, OUTCOMES = ("billing", "delivery", "returns"), ("resolved", "escalated", "callback")
SEGMENTS = ("mass", "affluent", "student")
ADMIN = Actor("root", Role.ADMIN)
NORTH = Actor("sue", Role.SUPERVISOR, team="north")


def _instant(rng: random.Random) -> datetime:
    """Somewhere from a day before the period to a day after it (so the bounds are tested)."""
    return datetime(2026, 11, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(9 * 86400))


def _in_period(at: datetime) -> bool:
    return PERIOD.first <= at.date() <= PERIOD.last


def _customer_id(engine: Engine, segment: str = "mass") -> int:
    customer_id = make_customer(engine, segment=segment).id
    assert customer_id is not None
    return customer_id


@pytest.fixture
def world(engine: Engine) -> dict[str, list[Any]]:
    """Operators in two teams (and one in none), customers with a stored label (three) and most
    with a computed RFM segment (another, and rule segments on top), and a few hundred calls,
    callbacks, offers and tickets around the period; returned as plain objects."""
    rng = random.Random(11)
    ids = [_customer_id(engine, SEGMENTS[n % 3]) for n in range(9)]
    customers = {cid: RFM_SEGMENTS[n % 4] for n, cid in enumerate(ids) if n % 3}  # ids[0, 3, 6] unscored
    rows: dict[str, list[Any]] = defaultdict(list)
    with write_session(engine) as session:
        for cid, rfm in customers.items():
            session.add(CustomerRfm(customer_id=cid, frequency=1, r=4, f=1, m=1, rfm_segment=rfm))
        for cid in ids[::2]:
            session.add(SegmentMember(segment="lapsed_card_holders", customer_id=cid))
        for name, team in TEAMS.items():
            session.add(Operator(username=name, display_name=name, role=Role.OPERATOR, team=team))
        for n in range(300):
            rang = _instant(rng)
            answered = rang + timedelta(seconds=rng.randrange(5, 60)) if n % 9 else None
            ended = answered + timedelta(seconds=rng.randrange(30, 900)) if answered else None
            wrapped = ended + timedelta(seconds=rng.randrange(0, 120)) if ended and n % 4 else None
            call = dict(
                call_id=f"c{n}",
                operator=rng.choice(list(TEAMS)),
                rang_at=rang,
                answered_at=answered,
                ended_at=ended,
                wrapped_at=wrapped,
                customer_id=rng.choice([*ids, None]),
                reason=rng.choice(REASONS),
                outcome=rng.choice(OUTCOMES) if answered else "",
                campaign_code=rng.choice(["", "", "XMAS", "SPRING"]),
                status=CallStatus.DONE if answered else CallStatus.MISSED,
            )
            rows["calls"].append(call)
            session.add(Call(**call))
        for n in range(120):
            due = _instant(rng)
            status = rng.choice(list(CallbackStatus))
            done = (
                due + timedelta(minutes=rng.randrange(-120, 120)) if status is CallbackStatus.DONE else None
            )
            item = dict(
                call_id=f"cb{n}", assignee=rng.choice(list(TEAMS)), due_at=due, status=status, done_at=done
            )
            rows["callbacks"].append(item)
            session.add(Callback(**item))
        customer_ids = ids
        for n in range(200):
            item = dict(
                call_id=f"c{n}",
                customer_id=rng.choice(customer_ids),
                offer_code=rng.choice(["A", "B"]),
                segment=rng.choice(SEGMENTS),
                operator=rng.choice(list(TEAMS)),
                presented_at=_instant(rng),
                response=rng.choice(["accepted", "declined", "maybe_later", "not_presented"]),
            )
            rows["offers"].append(item)
            session.add(OfferPresentation(**item))
        for n in range(150):
            opened = _instant(rng)
            item = dict(
                number=f"T-{n}",
                customer_id=rng.choice(customer_ids),
                assignee=rng.choice(list(TEAMS)),
                team=rng.choice(["north", "south"]),
                created_at=opened,
                sla_due=opened + timedelta(hours=rng.randrange(1, 72)) if n % 3 else None,
                resolved_at=opened + timedelta(hours=rng.randrange(1, 72)) if n % 2 else None,
            )
            rows["tickets"].append(item)
            session.add(Ticket(**item))
    rows["segments_of"] = [customers]
    return rows


def _group(by: By, who: str, at: datetime, team: str | None = None) -> str:
    return {
        By.OPERATOR: who,
        By.TEAM: TEAMS.get(who, "") if team is None else team,
        By.DAY: at.date().isoformat(),
        By.HOUR: f"{at.hour:02d}",
    }[by]


def _pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


def _avg(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def expected_calls(world: dict[str, list[Any]], by: By, keep: Callable[[str], bool]) -> list[tuple[Any, ...]]:
    counts = Counter(
        (_group(by, c["operator"], c["rang_at"]), c["reason"], c["outcome"])
        for c in world["calls"]
        if _in_period(c["rang_at"]) and keep(c["operator"])
    )
    return sorted((*key, n) for key, n in counts.items())


def expected_handling(
    world: dict[str, list[Any]], by: By, keep: Callable[[str], bool]
) -> list[tuple[Any, ...]]:
    calls = world["calls"]
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in calls:
        if _in_period(c["rang_at"]) and keep(c["operator"]):
            groups[_group(by, c["operator"], c["rang_at"])].append(c)

    def repeated(c: dict[str, Any]) -> bool:
        return c["customer_id"] is not None and any(
            o["customer_id"] == c["customer_id"]
            and o["reason"] == c["reason"]
            and c["rang_at"] < o["rang_at"] <= c["rang_at"] + timedelta(days=7)
            for o in calls
        )

    result = []
    for label, group in sorted(groups.items()):
        answered = [c for c in group if c["answered_at"]]
        resolved = [c for c in group if c["outcome"] == "resolved"]
        fcr = [c for c in resolved if c["answered_at"] and not repeated(c)]
        handle = [(c["ended_at"] - c["answered_at"]).total_seconds() for c in answered if c["ended_at"]]
        acw = [(c["wrapped_at"] - c["ended_at"]).total_seconds() for c in group if c["wrapped_at"]]
        result.append(
            (
                label,
                len(group),
                len(answered),
                _avg(handle),
                _avg(acw),
                len(resolved),
                _pct(len(fcr), len(answered)),
            )
        )
    return result


def expected_callbacks(
    world: dict[str, list[Any]], by: By, keep: Callable[[str], bool]
) -> list[tuple[Any, ...]]:
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for cb in world["callbacks"]:
        if (
            not _in_period(cb["due_at"])
            or not keep(cb["assignee"])
            or cb["status"] is CallbackStatus.CANCELLED
        ):
            continue
        kept = cb["status"] is CallbackStatus.DONE and cb["done_at"] <= cb["due_at"]
        pending = cb["status"] is CallbackStatus.OPEN and cb["due_at"] >= NOW
        tally[_group(by, cb["assignee"], cb["due_at"])].update(
            due=1, kept=int(kept), missed=int(not kept and not pending), pending=int(pending)
        )
    return [
        (g, t["due"], t["kept"], t["missed"], t["pending"], _pct(t["kept"], t["kept"] + t["missed"]))
        for g, t in sorted(tally.items())
    ]


def expected_offers(
    world: dict[str, list[Any]], by: By, keep: Callable[[str], bool]
) -> list[tuple[Any, ...]]:
    tally: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    for o in world["offers"]:
        if _in_period(o["presented_at"]) and keep(o["operator"]) and o["response"] != "not_presented":
            key = (_group(by, o["operator"], o["presented_at"]), o["offer_code"], o["segment"])
            tally[key].update(presented=1, accepted=int(o["response"] == "accepted"))
    return [
        (*k, t["presented"], t["accepted"], _pct(t["accepted"], t["presented"]))
        for k, t in sorted(tally.items())
    ]


def expected_tickets(world: dict[str, list[Any]], by: By, team: str | None) -> list[tuple[Any, ...]]:
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for t in world["tickets"]:
        if not _in_period(t["created_at"]) or team not in (None, t["team"]):
            continue
        finished = t["resolved_at"] or NOW
        overdue = t["sla_due"] is not None and finished > t["sla_due"]
        tally[_group(by, t["assignee"], t["created_at"], t["team"])].update(
            opened=1, resolved=int(t["resolved_at"] is not None), overdue=int(overdue)
        )
    return [(g, c["opened"], c["resolved"], c["overdue"]) for g, c in sorted(tally.items())]


def expected_campaigns(
    world: dict[str, list[Any]], by: By, keep: Callable[[str], bool]
) -> list[tuple[Any, ...]]:
    calls: dict[tuple[str, str], list[int | None]] = defaultdict(list)
    for c in world["calls"]:
        if _in_period(c["rang_at"]) and keep(c["operator"]) and c["campaign_code"]:
            calls[_group(by, c["operator"], c["rang_at"]), c["campaign_code"]].append(c["customer_id"])
    return [(*k, len(ids), len({i for i in ids if i is not None})) for k, ids in sorted(calls.items())]


def expected_segments(
    world: dict[str, list[Any]], by: By, keep: Callable[[str], bool]
) -> list[tuple[Any, ...]]:
    """The RFM segments alphabetically, then the calls of unscored customers, then the anonymous."""
    segment_of = world["segments_of"][0]

    def segment(customer_id: int | None) -> tuple[int, str]:
        if customer_id is None:
            return 2, NO_CUSTOMER
        return (0, segment_of[customer_id]) if customer_id in segment_of else (1, NOT_SCORED)

    counts = Counter(
        (_group(by, c["operator"], c["rang_at"]), segment(c["customer_id"]))
        for c in world["calls"]
        if _in_period(c["rang_at"]) and keep(c["operator"])
    )
    totals = Counter[str]()
    for (label, _segment), n in counts.items():
        totals[label] += n
    return [(label, name, n, _pct(n, totals[label])) for (label, (_, name)), n in sorted(counts.items())]


def _close(actual: list[tuple[Any, ...]], expected: list[tuple[Any, ...]]) -> None:
    """Counts and labels exactly; averages and percentages to within one rounding step (SQLite
    computes durations with julianday floats)."""
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert got == pytest.approx(want, abs=0.11), (got, want)


EVERYONE = {
    "calls": expected_calls,
    "handling": expected_handling,
    "callbacks": expected_callbacks,
    "offers": expected_offers,
    "campaigns": expected_campaigns,
    "segments": expected_segments,
}


@pytest.mark.parametrize("by", list(By))
def test_every_report_matches_the_rows_for_an_admin(
    engine: Engine, world: dict[str, list[Any]], by: By
) -> None:
    for name, expected in EVERYONE.items():
        result = run_report(Engines.single(engine), ADMIN, name, PERIOD, by, now=NOW)
        _close(result.rows, expected(world, by, lambda _who: True))
    _close(
        run_report(Engines.single(engine), ADMIN, "tickets", PERIOD, by, now=NOW).rows,
        expected_tickets(world, by, None),
    )


def test_first_contact_resolution_follows_calls_moved_and_deleted(
    engine: Engine, world: dict[str, list[Any]]
) -> None:
    """The next-call instants the database keeps for FCR (0019_call_next) follow calls given
    another customer (or none), reason or instant, a merge's many-row update and deletions: the
    figures stay those worked out from the rows as they now are."""
    rng = random.Random(5)
    calls = {c["call_id"]: c for c in world["calls"]}
    customers = sorted({c["customer_id"] for c in calls.values() if c["customer_id"] is not None})
    merged, kept = customers[1], customers[2]
    with write_session(engine) as session:
        for call_id in rng.sample(sorted(calls), 40):
            c = calls[call_id]
            field = rng.choice(["customer_id", "reason", "rang_at"])
            c[field] = {
                "customer_id": rng.choice([*customers, None]),
                "reason": rng.choice(REASONS),
                "rang_at": c["rang_at"] + timedelta(hours=rng.randrange(-72, 73)),
            }[field]
            row = session.exec(select(Call).where(Call.call_id == call_id)).one()
            setattr(row, field, c[field])
        session.flush()
        session.execute(sa.update(Call).where(col(Call.customer_id) == merged).values(customer_id=kept))
        for c in calls.values():
            c["customer_id"] = kept if c["customer_id"] == merged else c["customer_id"]
        resolved = next(
            c
            for c in sorted(calls.values(), key=lambda c: c["call_id"])
            if c["outcome"] == "resolved" and _in_period(c["rang_at"]) and c["customer_id"] is not None
        )
        after = [  # the calls after it on its customer and reason: deleted, so none follows it any more
            c["call_id"]
            for c in calls.values()
            if (c["customer_id"], c["reason"]) == (resolved["customer_id"], resolved["reason"])
            and c["rang_at"] > resolved["rang_at"]
        ]
        for call_id in {*rng.sample(sorted(calls), 25), *after}:
            session.delete(session.exec(select(Call).where(Call.call_id == call_id)).one())
            del calls[call_id]
    world["calls"] = list(calls.values())
    for by in By:
        result = run_report(Engines.single(engine), ADMIN, "handling", PERIOD, by, now=NOW)
        _close(result.rows, expected_handling(world, by, lambda _who: True))


def test_a_supervisor_sees_only_their_teams_rows(engine: Engine, world: dict[str, list[Any]]) -> None:
    def north(who: str) -> bool:
        return TEAMS.get(who) == "north"

    for name, expected in EVERYONE.items():
        result = run_report(Engines.single(engine), NORTH, name, PERIOD, By.OPERATOR, now=NOW)
        _close(result.rows, expected(world, By.OPERATOR, north))
        assert {row[0] for row in result.rows} <= {"ada", "bo"}
    tickets = run_report(Engines.single(engine), NORTH, "tickets", PERIOD, By.TEAM, now=NOW)
    _close(tickets.rows, expected_tickets(world, By.TEAM, "north"))


def test_a_supervisor_without_a_team_sees_no_rows(engine: Engine, world: dict[str, list[Any]]) -> None:
    loner = Actor("lou", Role.SUPERVISOR, team="")
    assert all(
        run_report(Engines.single(engine), loner, name, PERIOD, By.TEAM).rows == [] for name in REPORTS
    )


@pytest.mark.parametrize("name", list(REPORTS))
def test_an_operator_reaches_no_report(engine: Engine, world: dict[str, list[Any]], name: str) -> None:
    with pytest.raises(Forbidden):
        run_report(
            Engines.single(engine), Actor("ada", Role.OPERATOR, team="north"), name, PERIOD, By.OPERATOR
        )


def test_a_period_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="after it ends"):
        Period(date(2026, 11, 9), date(2026, 11, 8))


def test_the_segment_mix_is_the_computed_rfm_segment_and_adds_up(engine: Engine) -> None:
    """Known answers: two calls of a champion (stored label "affluent", in two rule segments),
    one of a customer not scored yet, one with no customer, one outside the period."""
    champion, unscored = _customer_id(engine, "affluent"), _customer_id(engine)
    at = datetime(2026, 11, 3, 9, tzinfo=UTC)
    with write_session(engine) as session:
        session.add(CustomerRfm(customer_id=champion, frequency=5, r=5, f=5, m=5, rfm_segment="champions"))
        session.add_all(SegmentMember(segment=name, customer_id=champion) for name in ("a_rule", "b_rule"))
        for n, (customer, rang) in enumerate(
            [(champion, at), (unscored, at), (champion, at), (None, at), (champion, at - timedelta(days=9))]
        ):
            session.add(Call(call_id=f"k{n}", operator="ada", customer_id=customer, rang_at=rang))
    result = run_report(Engines.single(engine), ADMIN, "segments", PERIOD, By.OPERATOR, now=NOW)
    assert result.rows == [
        ("ada", "champions", 2, 50.0),
        ("ada", NOT_SCORED, 1, 25.0),
        ("ada", NO_CUSTOMER, 1, 25.0),
    ]
    assert [column.key for column in result.report.columns] == ["group", "segment", "calls", "share_pct"]


def test_a_report_gives_the_connection_its_own_mapping_back(sqlite_engine: Engine) -> None:
    """A report reads a SQLite file memory-mapped (store.reports.REPORT_MMAP_BYTES); the pooled
    connection it ran on goes back to the pool with the setting it had (SQLite only: PostgreSQL
    has no such setting)."""
    engine = sqlite_engine
    with engine.connect() as connection:
        before = connection.exec_driver_sql("PRAGMA mmap_size").scalar_one()
    run_report(Engines.single(engine), ADMIN, "segments", PERIOD, By.DAY, now=NOW)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA mmap_size").scalar_one() == before
