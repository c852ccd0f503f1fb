"""`callpop bench KIND`: each module here registers one benchmark kind (same contract as a verb).

A benchmark prints one JSON object with p50/p95 timings (milliseconds) and peak RSS (MB).
"""
