"""A county's social spaces for one run: reuse, warm start and stable IDs, handed on as data.

:func:`draw_county_regions` is what a run of the regions step does, in a notebook as in
Dagster: it builds the cell graph once, reuses the published labels when cells, features
and parameters are exactly the published ones, else draws the regions warm-started from the
published labels, and gives every region a stable ID (matched to the published IDs by
residents in common). The result, :class:`CountyRegions`, carries everything later steps
need (labels, IDs, the parameters actually used, the fingerprint, the highest issued ID
number, quality and stability figures, the published names of kept IDs), so checks,
polygons, the publication and the history read it instead of asking for "the latest
metadata". :meth:`CountyRegions.to_frame` stores it as one table whose ``attrs`` survive
Parquet; :meth:`CountyRegions.from_frame` reads it back and refuses a table without them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.graph import Graph
from pipeline.operations.fingerprints import fingerprint
from pipeline.operations.published import PublishedState, published_labels, warm_start_labels
from pipeline.operations.stable_ids import StabilityReport, assign_stable_ids
from pipeline.regionalization.cell_regions import build_cell_graph, draw_regions, report_regions
from pipeline.regionalization.parameters import RegionParameters

__all__ = ["CountyRegions", "draw_county_regions"]

#: Key of the run's figures in ``DataFrame.attrs`` of :meth:`CountyRegions.to_frame`.
ATTRS_KEY = "county_regions"
#: Columns of the per-cell table.
_CELL_COLUMNS = ("cell_id", "region", "sr_id")


@dataclass(frozen=True)
class CountyRegions:
    """The social spaces of one run and how they were drawn.

    Attributes
    ----------
    cells : DataFrame
        ``cell_id``, ``region`` (0..k-1) and ``sr_id`` per populated cell, in the order of
        the cell table.
    parameters : RegionParameters
        The parameters the regions were drawn with (county values and launchpad changes).
    fingerprint : str
        Of cells, residents, features and parameters
        (:func:`~pipeline.operations.fingerprints.fingerprint`).
    max_issued : int
        Highest ID number issued in the county, this run's new IDs included.
    reused_published : bool
        The published labels were reused unchanged (inputs exactly the published ones).
    warm_started : bool
        The run started from published labels.
    quality : dict
        :meth:`~pipeline.regionalization.quality.PartitionReport.as_dict` of the partition.
    stability : StabilityReport
        How much the social spaces moved against the published ones.
    kept_names : dict of str to str
        Published name of every published ``sr_id`` (kept by social spaces that keep it).
    """

    cells: pd.DataFrame
    parameters: RegionParameters
    fingerprint: str
    max_issued: int
    reused_published: bool
    warm_started: bool
    quality: dict[str, Any]
    stability: StabilityReport
    kept_names: dict[str, str] = field(default_factory=dict)

    @property
    def labels(self) -> np.ndarray:
        """Region label per cell."""
        return self.cells["region"].to_numpy(np.int64)

    @property
    def n_regions(self) -> int:
        """Number of social spaces."""
        return int(self.cells["region"].max()) + 1 if len(self.cells) else 0

    def sr_ids(self) -> np.ndarray:
        """The stable ID of every region label ``0..k-1``."""
        pairs = self.cells.drop_duplicates("region").set_index("region")["sr_id"]
        return pairs.reindex(range(self.n_regions)).to_numpy(dtype=object)

    def labels_for(self, cell_ids: np.ndarray) -> np.ndarray:
        """Region label of each of ``cell_ids`` (every one must be a cell of the run)."""
        lookup = self.cells.set_index("cell_id")["region"]
        labels = lookup.reindex(pd.Index(cell_ids))
        if labels.isna().any():
            missing = pd.Index(cell_ids)[labels.isna().to_numpy()][:5].tolist()
            raise ValueError(f"cells without a region in this run: {missing}")
        return labels.to_numpy(np.int64)

    def to_frame(self) -> pd.DataFrame:
        """The per-cell table with the run's figures in ``attrs`` (kept by Parquet)."""
        frame = self.cells.loc[:, list(_CELL_COLUMNS)].copy()
        frame.attrs[ATTRS_KEY] = {
            "parameters": dataclasses.asdict(self.parameters),
            "fingerprint": self.fingerprint,
            "max_issued": int(self.max_issued),
            "reused_published": bool(self.reused_published),
            "warm_started": bool(self.warm_started),
            "quality": dict(self.quality),
            "stability": self.stability.as_dict(),
            "kept_names": dict(self.kept_names),
        }
        return frame

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> CountyRegions:
        """Read back :meth:`to_frame`, e.g. the ``cell_regions`` step file.

        Raises
        ------
        ValueError
            When the table lacks the cell columns or the run's figures (a file written by
            an older version): materialize ``cell_regions`` again.
        """
        missing = [c for c in _CELL_COLUMNS if c not in frame.columns]
        state = frame.attrs.get(ATTRS_KEY)
        if missing or not isinstance(state, Mapping):
            raise ValueError(
                "cell_regions lacks the run's parameters and IDs "
                f"(missing columns {missing}, attrs {sorted(frame.attrs)}); it was written by "
                "an older version: materialize cell_regions again")
        cells = frame.loc[:, list(_CELL_COLUMNS)].reset_index(drop=True)
        cells.attrs = {}  # the figures live in the fields below, not twice
        return cls(
            cells=cells,
            parameters=RegionParameters(**state["parameters"]),
            fingerprint=str(state["fingerprint"]),
            max_issued=int(state["max_issued"]),
            reused_published=bool(state["reused_published"]),
            warm_started=bool(state["warm_started"]),
            quality=dict(state["quality"]),
            stability=StabilityReport(**state["stability"]),
            kept_names={str(k): str(v) for k, v in state["kept_names"].items()},
        )

    def __repr__(self) -> str:
        how = "reused" if self.reused_published else (
            "warm-started" if self.warm_started else "drawn")
        return (f"<CountyRegions: {len(self.cells)} cells in {self.n_regions} social spaces, "
                f"{how}, changed share {self.stability.changed_share:.3f}>")


def draw_county_regions(
    cells: pd.DataFrame,
    features: np.ndarray,
    params: RegionParameters,
    *,
    county_ags: str,
    barriers: gpd.GeoDataFrame | None = None,
    published: PublishedState | None = None,
    warm_start: bool = True,
    polygons: gpd.GeoSeries | None = None,
) -> tuple[CountyRegions, Graph]:
    """The social spaces of a county for this run, and the cell graph they were drawn on.

    Parameters
    ----------
    cells : DataFrame
        Populated cells (``cell_id``, ``x``, ``y``, ``ags``, ``Einwohner``).
    features : ndarray, shape (n_cells, d)
        Clustering features, rows aligned with ``cells`` (weights applied).
    params : RegionParameters
    county_ags : str
        Kreisschlüssel used in the IDs.
    barriers : GeoDataFrame, optional
        Barrier lines; edges crossing them cost more.
    published : PublishedState, optional
        The last publish of the county; ``None`` before the first one.
    warm_start : bool, default True
        Start from the published labels, and reuse them unchanged when the fingerprint is
        the published one. IDs are matched to the published ones either way.
    polygons : GeoSeries, optional
        Polygon units in row order of ``cells`` (census blocks) instead of grid cells.

    Returns
    -------
    (CountyRegions, Graph)
    """
    cell_ids = cells["cell_id"].to_numpy()
    population = cells["Einwohner"].to_numpy(np.float64)
    features = np.asarray(features, dtype=np.float64)
    stamp = fingerprint(cell_ids, population, features, params.__dict__)
    graph = build_cell_graph(cells, params, barriers, polygons)
    reused = None
    if warm_start and published is not None and published.fingerprint == stamp:
        reused = published_labels(cell_ids, published)
    if reused is not None:
        labels = reused
        quality = report_regions(cells, labels, features, params, graph=graph,
                                 polygons=polygons).as_dict()
    else:
        warm = warm_start_labels(cell_ids, published) if warm_start else None
        result = draw_regions(cells, features, params, barriers, warm_start=warm, graph=graph,
                              polygons=polygons)
        labels, quality = result.labels.astype(np.int64), result.report.as_dict()
    stable = assign_stable_ids(cell_ids, labels, population, published, county_ags)
    regions = CountyRegions(
        cells=pd.DataFrame({"cell_id": cell_ids, "region": labels, "sr_id": stable.sr_id}),
        parameters=params,
        fingerprint=stamp,
        max_issued=stable.max_issued,
        reused_published=reused is not None,
        warm_started=bool(warm_start and published is not None),
        quality=quality,
        stability=stable.report,
        kept_names=dict(published.names) if published is not None else {},
    )
    return regions, graph
