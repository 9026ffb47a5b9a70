"""The Dagster code location of sozialraum: assets, checks, resources, jobs and triggers.

Thin by design: each asset reads its inputs, calls into the domain library :mod:`pipeline`
and returns the result with metadata for the Dagster UI. :mod:`assets.definitions` is the
one wiring module.
"""
