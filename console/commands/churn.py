"""`callpop churn train|score`: the churn model (store/churn/), trained and applied to the base."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("churn", help="churn risk: train the model on the base's history, score")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    train = actions.add_parser(
        "train", parents=parents, help="fit the model on the past, print its held-out AUC and calibration"
    )
    train.add_argument("--horizon-days", type=int, default=90, help="how far back it learns from (90)")
    train.add_argument("--json", action="store_true", help="print JSON")
    train.set_defaults(handler=run_train)
    score = actions.add_parser("score", parents=parents, help="score every customer with the latest model")
    score.add_argument("--top", type=int, default=10, help="how many of the riskiest to list (10)")
    score.add_argument("--json", action="store_true", help="print JSON")
    score.set_defaults(handler=run_score)


def run_train(args: argparse.Namespace, settings: Settings) -> int:
    import json
    from dataclasses import asdict
    from datetime import date

    from console.database import open_engine
    from store.churn.model import ChurnError, train_model

    if not 7 <= args.horizon_days <= 3650:
        raise UserError("--horizon-days must be between 7 and 3650")
    engine = open_engine(settings)
    try:
        result = train_model(engine, today=date.today(), horizon_days=args.horizon_days)
    except ChurnError as error:
        raise UserError(str(error)) from error
    if args.json:
        print(json.dumps(asdict(result), indent=2))
        return 0
    print(
        f"churn model {result.model_id}: {result.rows:,} customers, {result.positives:,} left within "
        f"{args.horizon_days} days"
    )
    print(f"held-out AUC {result.auc:.3f}, Brier score {result.brier:.4f}")
    print("calibration (held out, by fifth of predicted risk): predicted -> observed")
    for predicted, observed in result.calibration:
        print(f"  {predicted:6.1%} -> {observed:6.1%}")
    print("coefficients (standardised; positive raises the risk):")
    for name, value in sorted(result.coefficients.items(), key=lambda item: -abs(item[1])):
        print(f"  {name:<16} {value:+.3f}")
    return 0


def run_score(args: argparse.Namespace, settings: Settings) -> int:
    import json
    import sys
    from datetime import date

    import sqlalchemy as sa

    from console.database import open_engine
    from console.progress import phase_progress
    from store.churn.bands import risk_band
    from store.churn.model import ChurnError, score_base
    from store.models import Customer
    from store.models.base import table_of
    from store.models.segments import CustomerChurn
    from store.sanitize import clean_line

    engine = open_engine(settings)
    show = phase_progress(sys.stderr)
    try:
        bands = score_base(
            engine, today=date.today(), progress=lambda done, total: show("churn", done, total)
        )
    except ChurnError as error:
        raise UserError(str(error)) from error
    churn, customer = table_of(CustomerChurn).c, table_of(Customer).c
    with engine.connect() as connection:
        top = connection.execute(
            sa.select(churn.customer_id, customer.display_name, churn.risk, churn.reasons)
            .join(table_of(Customer), customer.id == churn.customer_id)
            .order_by(churn.risk.desc(), churn.customer_id)
            .limit(max(0, args.top))
        ).all()
    riskiest = [
        {
            "customer_id": row.customer_id,
            "name": clean_line(row.display_name),
            "risk": row.risk,
            "band": risk_band(row.risk),
            "reasons": row.reasons,
        }
        for row in top
    ]
    if args.json:
        print(json.dumps({"bands": bands, "riskiest": riskiest}, indent=2))
        return 0
    print(
        f"scored {sum(bands.values()):,} customers: {bands['high']:,} high, {bands['medium']:,} medium, "
        f"{bands['low']:,} low"
    )
    for row in riskiest:
        print(f"  {row['customer_id']:>8}  {row['risk']:6.1%}  {row['name'][:30]:<30}  {row['reasons']}")
    return 0
