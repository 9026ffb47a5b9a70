"""A county's social spaces for one run: maintenance, locks, stable IDs, handed on as data.

:func:`draw_county_regions` is what a run of the regions step does, in a notebook as in
Dagster: it builds the cell graph once and then, by default (**maintenance mode**, as
AZTool maintains UK output areas), keeps every published social space that still fits
and repairs only the others (:mod:`pipeline.operations.maintenance`); a **full redraw**
draws every space again (warm-started from the published ones unless told otherwise).
Either way frozen spaces stay as published and the planners' locks are honoured, every
region gets a stable ID (kept, frozen and locked spaces keep theirs; the rest are matched
to the published IDs by residents in common), and the change log says what changed and
why. The result, :class:`CountyRegions`, carries everything later steps need (labels,
IDs, the parameters actually used, the fingerprint, the highest issued ID number, quality
and stability figures, the change log, the published names of kept IDs), so checks,
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
import shapely

from pipeline.crs import GRID_CRS
from pipeline.errors import ConfigError
from pipeline.graph import Graph
from pipeline.operations.changes import CHANGE_COLUMNS, change_log
from pipeline.operations.fingerprints import fingerprint
from pipeline.operations.maintenance import lock_cells, plan_regions
from pipeline.operations.published import (
    PublishedState,
    previous_ids,
    published_labels,
    warm_start_labels,
)
from pipeline.operations.stable_ids import StabilityReport, assign_stable_ids
from pipeline.regionalization.cell_regions import (
    build_cell_graph,
    draw_regions,
    report_regions,
    unit_centres,
)
from pipeline.regionalization.parameters import RegionParameters

__all__ = ["CountyRegions", "draw_county_regions"]

#: Key of the run's figures in ``DataFrame.attrs`` of :meth:`CountyRegions.to_frame`.
ATTRS_KEY = "county_regions"
#: Columns of the per-cell table (``fixiert``: held by a lock or a freeze).
_CELL_COLUMNS = ("cell_id", "region", "sr_id", "fixiert")
#: How a run draws: keep what fits and repair the rest, or draw everything again.
MODES = ("maintain", "redraw")


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
    mode : str
        ``maintain`` (kept what fits, repaired the rest) or ``redraw``.
    changes : DataFrame
        The change log (:func:`~pipeline.operations.changes.change_log`).
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
    mode: str = "redraw"
    changes: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(CHANGE_COLUMNS)))

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
        frame = self.cells.copy()
        if "fixiert" not in frame.columns:
            frame["fixiert"] = False
        frame = frame.loc[:, list(_CELL_COLUMNS)]
        frame.attrs[ATTRS_KEY] = {
            "parameters": dataclasses.asdict(self.parameters),
            "fingerprint": self.fingerprint,
            "max_issued": int(self.max_issued),
            "reused_published": bool(self.reused_published),
            "warm_started": bool(self.warm_started),
            "quality": dict(self.quality),
            "stability": self.stability.as_dict(),
            "kept_names": dict(self.kept_names),
            "mode": self.mode,
            "changes": self.changes.to_dict(orient="records"),
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
            mode=str(state.get("mode", "redraw")),
            changes=pd.DataFrame(list(state.get("changes", [])), columns=list(CHANGE_COLUMNS)),
        )

    def __repr__(self) -> str:
        how = "reused" if self.reused_published else (
            "maintained" if self.mode == "maintain" else
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
    locks: gpd.GeoDataFrame | None = None,
    freeze: tuple[str, ...] | list[str] = (),
    redraw: bool = False,
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
        Start from the published social spaces: maintain them, or with ``redraw`` start
        the redraw from them; False draws everything cold (frozen spaces and locks hold).
    polygons : GeoSeries, optional
        Polygon units in row order of ``cells`` (census blocks) instead of grid cells.
    locks : GeoDataFrame, optional
        The planners' locks (:func:`pipeline.readers.read_locks`).
    freeze : sequence of str
        Social spaces kept exactly as published.
    redraw : bool, default False
        Draw every space again instead of maintaining the published ones (maintenance
        needs a publish; the first run always draws). Without it, unchanged inputs
        (fingerprint) reuse the published labels as they are.

    Returns
    -------
    (CountyRegions, Graph)

    Raises
    ------
    LockError
        A lock or freeze that cannot be honoured (naming it and why); nothing is drawn.
    """
    cell_ids = cells["cell_id"].to_numpy()
    population = cells["Einwohner"].to_numpy(np.float64)
    features = np.asarray(features, dtype=np.float64)
    freeze = tuple(freeze)
    mode = "maintain" if published is not None and warm_start and not redraw else "redraw"
    stamp = fingerprint(cell_ids, population, features, params.__dict__ | {
        "locks": _lock_digest(locks), "freeze": freeze})
    graph = build_cell_graph(cells, params, barriers, polygons)
    centres = unit_centres(cells, polygons)
    lock_of = lock_cells(centres, locks, GRID_CRS)
    if freeze and published is None:
        raise ConfigError(f"freeze: {list(freeze)}: nothing is published yet to freeze; "
                          "publish once, then freeze social spaces by their sr_id")
    reused = None
    if published is not None and published.fingerprint == stamp and mode == "maintain":
        reused = published_labels(cell_ids, published)
    pinned, reasons, locked = {}, {}, np.zeros(len(cells), bool)
    if reused is not None:
        labels = reused
        quality = report_regions(cells, labels, features, params, graph=graph,
                                 polygons=polygons).as_dict()
        pinned = _published_pins(cell_ids, labels, published)
        locked = (lock_of >= 0) | np.isin(previous_ids(cell_ids, published), list(freeze))
    else:
        if mode == "maintain":
            base = previous_ids(cell_ids, published)
        else:
            base = _redraw(cells, features, params, graph, polygons, published, warm_start,
                           freeze, county_ags)
        if mode == "maintain" or (lock_of >= 0).any() or freeze:
            plan = plan_regions(
                graph, features, population, params, base,
                published_ids=published.cells["sr_id"].unique() if published else (),
                frozen=freeze, lock_of=lock_of, locks=locks, coords=centres)
            labels, pinned, reasons, locked = plan.labels, plan.pinned, plan.reasons, \
                plan.locked
        else:
            labels = pd.factorize(pd.Series(base, dtype=object), sort=True)[0]
        quality = report_regions(cells, labels, features, params, graph=graph,
                                 polygons=polygons).as_dict()
    stable = assign_stable_ids(cell_ids, labels, population, published, county_ags,
                               pinned=pinned if published is not None else None)
    if reused is not None and published.changes is not None:
        changes = published.changes  # the same result republished: the same log
    else:
        changes = change_log(cell_ids, population, stable.sr_id, published, reasons=reasons,
                             frozen=freeze, redraw=mode == "redraw")
    regions = CountyRegions(
        cells=pd.DataFrame({"cell_id": cell_ids, "region": labels, "sr_id": stable.sr_id,
                            "fixiert": locked}),
        parameters=params,
        fingerprint=stamp,
        max_issued=stable.max_issued,
        reused_published=reused is not None,
        warm_started=bool(published is not None and warm_start),
        quality=quality,
        stability=stable.report,
        kept_names=dict(published.names) if published is not None else {},
        mode=mode,
        changes=changes,
    )
    return regions, graph


def _redraw(cells, features, params, graph, polygons, published, warm_start, freeze,
            county_ags) -> np.ndarray:
    """A full redraw of every space but the frozen ones; the ID of every cell after it."""
    cell_ids = cells["cell_id"].to_numpy()
    population = cells["Einwohner"].to_numpy(np.float64)
    frozen = (np.isin(previous_ids(cell_ids, published), list(freeze)) if freeze
              else np.zeros(len(cells), bool))
    free = np.flatnonzero(~frozen)
    warm = warm_start_labels(cell_ids[free], published) if warm_start else None
    sub = cells.iloc[free].reset_index(drop=True)
    result = draw_regions(
        sub, features[free], params, warm_start=warm, graph=graph.subgraph(free),
        polygons=None if polygons is None else polygons.iloc[free].reset_index(drop=True))
    labels = np.full(len(cells), -1, np.int64)
    labels[free] = result.labels
    base = np.full(len(cells), None, dtype=object)
    ids = assign_stable_ids(cell_ids[free], result.labels, population[free], published,
                            county_ags).sr_id
    base[free] = ids
    if frozen.any():
        base[frozen] = previous_ids(cell_ids[frozen], published)
    return base


def _published_pins(cell_ids, labels, published) -> dict[int, str]:
    """Labels reused from the publish keep their IDs."""
    ids = previous_ids(cell_ids, published)
    first = pd.Series(ids).groupby(labels).first()
    return {int(k): str(v) for k, v in first.items()}


def _lock_digest(locks: gpd.GeoDataFrame | None) -> str:
    """The locks as the fingerprint sees them: geometry and fields, in order."""
    if locks is None or len(locks) == 0:
        return ""
    wkb = [str(w) for w in shapely.to_wkb(locks.geometry.values, hex=True)]
    fields = [str(v) for v in locks[["sr_id", "gruppe"]].to_numpy().ravel()]
    return "|".join([*wkb, *fields])
