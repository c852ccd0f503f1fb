"""Computed segments: RFM scores on the base and named rule segments, refreshed in bulk.

Import the modules themselves: the package imports nothing, so the profile reading a customer's
segments (`summary`) never loads numpy or the refresh.
"""
