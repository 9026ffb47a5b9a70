"""Metadata helpers shared by the assets: row counts, column schemas and previews for the UI."""

import pandas as pd
from dagster import MetadataValue, TableColumn, TableSchema


def frame_metadata(frame: pd.DataFrame) -> dict:
    """``dagster/row_count`` and ``dagster/column_schema`` of a (Geo)DataFrame."""
    columns = [TableColumn(name=str(name), type=str(dtype)) for name, dtype in frame.dtypes.items()]
    return {
        "dagster/row_count": len(frame),
        "dagster/column_schema": TableSchema(columns=columns),
    }


def table_preview(frame: pd.DataFrame, rows: int = 20) -> MetadataValue:
    """A small markdown preview of a table."""
    return MetadataValue.md(frame.head(rows).to_markdown(index=False, floatfmt=".3f"))
