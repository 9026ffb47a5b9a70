"""IO manager: asset outputs as (Geo)Parquet files, each run's own, the latest in ``steps/``.

It only maps an asset key, partition and run to a path (:class:`pipeline.layout.CountyLayout`),
writes atomically and reports the path; all domain logic stays in the assets and
:mod:`pipeline`. Every run writes to ``<county>/runs/<run_id>/`` and reads back what it
wrote itself, so two runs of one county never mix their intermediate data; each file is
then hard-linked over ``<county>/steps/<asset>.parquet`` (one rename), where notebooks, and
runs that do not materialize that asset, find the latest result. Run folders untouched
for a day are removed. ``DataFrame.attrs`` travel with the file (pandas keeps them in the
Parquet metadata), which is how ``cell_regions`` hands its parameters and IDs on.

A scenario's partition (``sample.klein``) has its folder inside its county's
(``sample/szenarien/klein/``, with its own ``steps/`` and ``runs/``). An input whose
metadata sets :data:`EACH_PARTITION` gets every partition the mapping names, as a dict by
partition key (the comparison of a county's scenarios).

Within one process (a run with the in-process executor, as ``make run`` and the nightly
job use) a file that several steps load, the cells or the regions with their checks, is
decoded once: later loads get a copy of the frame read, as long as the file is the same
(device, inode, size and modification time).
"""

import os
import shutil
import time
from collections import OrderedDict
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
from dagster import ConfigurableIOManager, InputContext, MetadataValue, OutputContext

from pipeline.files import atomic_path
from pipeline.layout import CountyLayout
from pipeline.operations.scenarios import split_scenario_key

#: Folder name standing in for the county of assets without partitions.
UNPARTITIONED = "_all"
#: Run folders not written to for this long are removed (a county run takes minutes).
STALE_RUN_SECONDS = 24 * 3600
#: Input metadata key: load every mapped partition, as a dict by partition key.
EACH_PARTITION = "sozialraum/each_partition"
#: Frames kept decoded in this process for loads of the same file (a county run's inputs).
MEMO_FILES = 12

_memo: OrderedDict[tuple, pd.DataFrame] = OrderedDict()


def read_frame(path: Path) -> pd.DataFrame:
    """A (Geo)Parquet file as a (Geo)DataFrame; a copy of the last decode of the same file."""
    stat = path.stat()
    key = (str(path), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if key not in _memo:
        if b"geo" in (pq.read_schema(path).metadata or {}):
            _memo[key] = gpd.read_parquet(path)
        else:
            _memo[key] = pd.read_parquet(path)
        while len(_memo) > MEMO_FILES:
            _memo.popitem(last=False)
    _memo.move_to_end(key)
    return _memo[key].copy(deep=True)


def partition_layout(root: str | os.PathLike, key: str) -> CountyLayout:
    """The folder of a partition: a county's, or a scenario's inside its county's."""
    county, scenario = split_scenario_key(key)
    layout = CountyLayout(Path(root), county)
    return layout if scenario is None else layout.scenario(scenario)


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


def _run_id(context: InputContext) -> str | None:
    """The run that is loading, when there is one (not for a bare ``load_input`` call)."""
    try:
        return context.step_context.run_id
    except Exception:  # noqa: BLE001 - Dagster raises its own invariant error here
        return None


class ParquetIOManager(ConfigurableIOManager):
    """Store DataFrames as Parquet and GeoDataFrames as GeoParquet, per run and latest."""

    base_dir: str

    def _layout(self, context: InputContext | OutputContext,
                key: str | None = None) -> tuple[CountyLayout, str]:
        return partition_layout(self.base_dir, key or _county(context)), "_".join(
            context.asset_key.path)

    def handle_output(self, context: OutputContext, obj: pd.DataFrame) -> None:
        """Write ``obj`` into the run's folder, then make it the latest in ``steps/``."""
        if obj is None:
            return
        if not isinstance(obj, pd.DataFrame):
            raise TypeError(f"{context.asset_key}: expected a DataFrame, got {type(obj).__name__}")
        layout, key = self._layout(context)
        own = layout.run_step(context.run_id, key)
        with atomic_path(own) as tmp:
            obj.to_parquet(tmp, index=False)
        latest = layout.step(key)
        with atomic_path(latest, suffix=".link.tmp") as tmp:
            try:
                os.link(own, tmp)
            except OSError:  # a file system without hard links: a copy
                shutil.copyfile(own, tmp)
        _remove_stale_runs(layout, context.run_id)
        context.add_output_metadata({"path": MetadataValue.path(str(latest)),
                                     "run_path": MetadataValue.path(str(own))})

    def load_input(self, context: InputContext) -> pd.DataFrame | dict[str, pd.DataFrame]:
        """The run's own file of the upstream asset, else the latest (GeoParquet if geo).

        With :data:`EACH_PARTITION` in the input's metadata: every mapped partition's, as a
        dict by partition key in key order.
        """
        if (context.definition_metadata or {}).get(EACH_PARTITION):
            return {key: self._read(context, key) for key in sorted(context.asset_partition_keys)}
        return self._read(context)

    def _read(self, context: InputContext, partition: str | None = None) -> pd.DataFrame:
        layout, key = self._layout(context, partition)
        run_id = _run_id(context)
        own = layout.run_step(run_id, key) if run_id else None
        path = own if own is not None and own.exists() else layout.step(key)
        if not path.exists():
            raise FileNotFoundError(f"{path}: {context.asset_key.to_user_string()} has not been "
                                    f"materialized for {partition or _county(context)} yet")
        return read_frame(path)


def _remove_stale_runs(layout: CountyLayout, current: str) -> None:
    """Remove run folders of the county not written to for :data:`STALE_RUN_SECONDS`."""
    now = time.time()
    for folder in layout.runs.iterdir() if layout.runs.is_dir() else ():
        if folder.name == current:
            continue
        try:
            newest = max((p.stat().st_mtime for p in folder.iterdir()),
                         default=folder.stat().st_mtime)
        except OSError:
            continue
        if now - newest > STALE_RUN_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)
