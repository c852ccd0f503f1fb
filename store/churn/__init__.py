"""Churn risk: features as of a date from the base's own history, a logistic regression, reasons.

Import the modules themselves (`store.churn.model`, `store.churn.bands`): the package imports
nothing, so showing a band in the profile never loads scikit-learn.
"""
