"""IO manager: asset outputs as (Geo)Parquet files in the county's ``steps/`` folder.

It only maps an asset key and partition to a path (:class:`pipeline.layout.CountyLayout`),
writes atomically and reports the path; all domain logic stays in the assets and
:mod:`pipeline`. ``DataFrame.attrs`` travel with the file (pandas keeps them in the Parquet
metadata), which is how ``cell_regions`` hands its parameters and IDs on.
"""

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
from dagster import ConfigurableIOManager, InputContext, MetadataValue, OutputContext

from pipeline.files import atomic_path
from pipeline.layout import CountyLayout

#: Folder name standing in for the county of assets without partitions.
UNPARTITIONED = "_all"


def _county(context: InputContext | OutputContext) -> str:
    """The county (partition) whose file is meant.

    An asset check's extra inputs (``additional_ins``) arrive with every partition of the
    upstream asset, because a check has no partitions of its own; they are the run's county.
    """
    if not context.has_asset_partitions:
        return UNPARTITIONED
    if isinstance(context, OutputContext):
        return context.asset_partition_key
    keys = context.asset_partition_keys
    if len(keys) == 1:
        return keys[0]
    if context.has_partition_key:
        return context.partition_key
    raise ValueError(f"{context.asset_key.to_user_string()}: {len(keys)} counties requested "
                     "outside a county run; load one partition at a time")


class ParquetIOManager(ConfigurableIOManager):
    """Store DataFrames as Parquet and GeoDataFrames as GeoParquet, one file per partition."""

    base_dir: str

    def _path(self, context: InputContext | OutputContext) -> Path:
        key = "_".join(context.asset_key.path)
        return CountyLayout(Path(self.base_dir), _county(context)).step(key)

    def handle_output(self, context: OutputContext, obj: pd.DataFrame) -> None:
        """Write ``obj`` to its path through a temp file, then replace."""
        if obj is None:
            return
        if not isinstance(obj, pd.DataFrame):
            raise TypeError(f"{context.asset_key}: expected a DataFrame, got {type(obj).__name__}")
        path = self._path(context)
        with atomic_path(path) as tmp:
            obj.to_parquet(tmp, index=False)
        context.add_output_metadata({"path": MetadataValue.path(str(path))})

    def load_input(self, context: InputContext) -> pd.DataFrame:
        """Read the upstream asset's file (GeoParquet when it carries geo metadata)."""
        path = self._path(context)
        if b"geo" in (pq.read_schema(path).metadata or {}):
            return gpd.read_parquet(path)
        return pd.read_parquet(path)
