"""Training and scoring the churn model: scikit-learn's logistic regression on standardised features.

Training looks back `horizon_days`: features on that past day, label "held nothing any more by
today". A quarter is held out for the AUC and the calibration table. The fitted scaler and
coefficients are stored as JSON (never a pickle) and put back into scikit-learn objects to score.
Each customer's reasons are the features that push their risk up most (coefficient times the
standardised value), in words.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sqlalchemy.engine import Connection, Engine

from store.churn.bands import risk_band
from store.churn.features import FEATURES, MAX_RECENCY, features_as_of, left_by
from store.churn.reasons import SEPARATOR, say
from store.db import write_session
from store.models.base import table_of
from store.models.segments import ChurnModel, CustomerChurn
from store.timeutil import utcnow

MIN_ROWS, MIN_POSITIVES = 50, 10
CHUNK = 5_000


class ChurnError(Exception):
    """The base cannot train a model (too little history) or no model was trained yet."""


@dataclass(frozen=True)
class TrainResult:
    model_id: int
    rows: int
    positives: int
    auc: float
    brier: float
    calibration: list[tuple[float, float]]
    """(mean predicted, observed share) per quantile bin of the held-out customers."""
    coefficients: dict[str, float]


def train_model(engine: Engine, *, today: date, horizon_days: int = 90, seed: int = 7) -> TrainResult:
    """Fit on the base's history as of `today - horizon_days`, store it, report it held out."""
    as_of = today - timedelta(days=horizon_days)
    with engine.connect() as connection:
        table = features_as_of(connection, as_of)
        gone = left_by(connection, today)
    labels = np.isin(table.customer_ids, np.fromiter(gone, dtype=np.int64, count=len(gone))).astype(int)
    positives = int(labels.sum())
    if len(labels) < MIN_ROWS or positives < MIN_POSITIVES or positives == len(labels):
        raise ChurnError(
            f"not enough history to train: {len(labels)} customers held a product on {as_of}, "
            f"{positives} of them left since (need {MIN_ROWS} and {MIN_POSITIVES} leavers)"
        )
    x_train, x_test, y_train, y_test = train_test_split(
        table.values, labels, test_size=0.25, stratify=labels, random_state=seed
    )
    scaler = StandardScaler().fit(x_train)
    model = LogisticRegression(max_iter=1000).fit(scaler.transform(x_train), y_train)
    predicted = model.predict_proba(scaler.transform(x_test))[:, 1]
    auc, brier = float(roc_auc_score(y_test, predicted)), float(brier_score_loss(y_test, predicted))
    observed, mean_predicted = calibration_curve(y_test, predicted, n_bins=5, strategy="quantile")
    calibration = [
        (round(float(p), 4), round(float(o), 4)) for p, o in zip(mean_predicted, observed, strict=True)
    ]
    parameters = {
        "features": list(FEATURES),
        "mean": scaler.mean_.tolist(),
        "scale": scaler.scale_.tolist(),
        "coef": model.coef_[0].tolist(),
        "intercept": float(model.intercept_[0]),
    }
    with write_session(engine) as session:
        row = ChurnModel(
            horizon_days=horizon_days,
            rows=len(labels),
            positives=positives,
            auc=auc,
            brier=brier,
            parameters=json.dumps(parameters),
            calibration=json.dumps(calibration),
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        model_id = row.id
    coefficients = dict(zip(FEATURES, parameters["coef"], strict=True))
    return TrainResult(model_id, len(labels), positives, auc, brier, calibration, coefficients)


def latest_model(connection: Connection) -> ChurnModel | None:
    model = table_of(ChurnModel)
    row = connection.execute(sa.select(model).order_by(model.c.id.desc()).limit(1)).first()
    return ChurnModel(**row._mapping) if row else None


def score_base(
    engine: Engine, *, today: date, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Score every customer holding a product today with the latest model; counts per band."""
    with engine.connect() as connection:
        stored = latest_model(connection)
        if stored is None:
            raise ChurnError("no churn model yet: run `callpop churn train` first")
        table = features_as_of(connection, today)
    scaler, model, coef = _restore(json.loads(stored.parameters))
    bands = {"high": 0, "medium": 0, "low": 0}
    churn = table_of(CustomerChurn)
    now = utcnow()
    for start in range(0, len(table.customer_ids), CHUNK):
        ids = table.customer_ids[start : start + CHUNK]
        scaled = scaler.transform(table.values[start : start + CHUNK])
        risks = model.predict_proba(scaled)[:, 1]
        rows = []
        for customer_id, risk, raw, z in zip(
            ids, risks, table.values[start : start + CHUNK], scaled, strict=True
        ):
            bands[risk_band(float(risk))] += 1
            rows.append(
                {
                    "customer_id": int(customer_id),
                    "risk": round(float(risk), 4),
                    "reasons": SEPARATOR.join(reasons(raw, coef * z)),
                    "scored_at": now,
                }
            )
        with write_session(engine) as session:
            connection = session.connection()
            connection.execute(sa.delete(churn).where(churn.c.customer_id.in_([int(i) for i in ids])))
            connection.execute(sa.insert(churn), rows)
        if progress:
            progress(start + len(ids), len(table.customer_ids))
    with write_session(engine) as session:  # who holds nothing now is no longer at risk: they left
        session.connection().execute(sa.delete(churn).where(churn.c.scored_at < now))
    return bands


def reasons(raw: np.ndarray, contributions: np.ndarray, limit: int = 3) -> list[str]:
    """The features that raise this customer's risk most, said as the facts they are."""
    words = []
    for index in np.argsort(-contributions)[:limit]:
        if contributions[index] <= 0.05:
            break
        said = say(FEATURES[index], float(raw[index]), never=float(raw[index]) >= MAX_RECENCY)
        if said:
            words.append(said)
    return words


def _restore(
    parameters: dict[str, list[float] | float],
) -> tuple[StandardScaler, LogisticRegression, np.ndarray]:
    """The stored scaler and model as scikit-learn objects (fitted attributes set from JSON)."""
    if parameters.get("features") != list(FEATURES):
        raise ChurnError("the stored churn model was trained on other features: run `callpop churn train`")
    scaler = StandardScaler()
    scaler.mean_ = np.asarray(parameters["mean"], dtype=float)
    scaler.scale_ = np.asarray(parameters["scale"], dtype=float)
    scaler.var_ = scaler.scale_**2
    scaler.n_features_in_ = len(FEATURES)
    model = LogisticRegression()
    model.classes_ = np.array([0, 1])
    model.coef_ = np.asarray([parameters["coef"]], dtype=float)
    model.intercept_ = np.asarray([parameters["intercept"]], dtype=float)
    model.n_features_in_ = len(FEATURES)
    return scaler, model, model.coef_[0]
