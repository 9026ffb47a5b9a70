"""Indicators: per-cell indicators computed from the joined Zensus topics."""

from __future__ import annotations

import numpy as np
import pandas as pd
from dagster import MetadataValue, Output, asset

from assets._meta import frame_metadata
from assets.partitions import county_partitions
from pipeline.indicators import basic_indicators

GROUP = "indicators"


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"pandas"})
def cell_indicators(zensus_cells: pd.DataFrame) -> Output[pd.DataFrame]:
    """Indicators per populated cell (shares as ratio of counts, rates from percent)."""
    values = basic_indicators(zensus_cells)
    frame = pd.concat([zensus_cells[["cell_id"]], values], axis=1)
    summary = values.describe(percentiles=[0.5]).T[["min", "50%", "max"]]
    summary["missing"] = values.isna().sum()
    meta = frame_metadata(frame) | {
        "summary": MetadataValue.md(summary.to_markdown(floatfmt=".3f")),
        "missing_values": int(np.isnan(values.to_numpy()).sum()),
    }
    return Output(frame, metadata=meta)
