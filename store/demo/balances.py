"""A current account's balance history: a snapshot a month over the last half year, and the churn
signal in it.

Most balances wander a few percent a month. A customer about to leave usually runs the account
down in the months before (to DRAIN_SHARE of leavers, the balance falls by 40-90% over 1-4 months,
then the account closes at zero); a few who stay do the same (WORRIED_STAYERS), so a falling
balance raises the risk without giving the answer away.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from store.demo.batch import Batch

HISTORY_DAYS, STEP_DAYS = 180, 30
DRAIN_SHARE = 0.6
WORRIED_STAYERS = 0.05


def add_balance_history(
    rng: random.Random,
    batch: Batch,
    holding_id: int,
    *,
    balance: Decimal,
    opened: date,
    left_on: date | None,
    today: date,
) -> None:
    """Snapshots of `holding_id` every STEP_DAYS from HISTORY_DAYS back (or its opening): for a
    stayer ending at `balance` today, for a leaver at `balance` before any drain and at zero on
    `left_on`, when the account closed."""
    end = left_on or today
    first = max(opened, today - timedelta(days=HISTORY_DAYS))
    if end <= first:
        return
    drains = rng.random() < (DRAIN_SHARE if left_on else WORRIED_STAYERS)
    drain_days, kept = rng.randint(30, 120), rng.uniform(0.1, 0.6)
    drain_from = end - timedelta(days=drain_days)

    def share(day: date) -> float:
        if not drains or day <= drain_from:
            return 1.0
        return 1 - (1 - kept) * min(1.0, (day - drain_from).days / drain_days)

    level = float(balance) / (share(today) if left_on is None else 1.0)
    day = first
    while day < end:
        amount = level * share(day) * rng.uniform(0.92, 1.08)
        batch.add("balancesnapshot", holding_id=holding_id, taken_on=day, balance=Decimal(f"{amount:.2f}"))
        day += timedelta(days=STEP_DAYS)
    last = Decimal("0.00") if left_on else balance
    batch.add("balancesnapshot", holding_id=holding_id, taken_on=end, balance=last)
