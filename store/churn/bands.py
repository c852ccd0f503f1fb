"""Churn risk bands, apart from the model so that showing a band never imports scikit-learn."""

from __future__ import annotations

HIGH, MEDIUM = 0.25, 0.10
"""The base rate of leaving is a few percent, so a quarter is already high."""


def risk_band(risk: float) -> str:
    return "high" if risk >= HIGH else "medium" if risk >= MEDIUM else "low"
