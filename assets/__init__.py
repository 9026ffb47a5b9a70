"""Dagster assets and asset checks of the sozialraum code location.

Thin by design: each asset reads its inputs, calls into the domain library in
:mod:`pipeline`, and returns the result with metadata for the Dagster UI.
"""
