"""Planners decide: locks, frozen social spaces and maintenance of what was published.

An algorithm proposes, people decide. This module turns a base partition (the published
social spaces in maintenance mode, a fresh draw in a full redraw) into this run's social
spaces while keeping every decision planners made:

- **frozen** social spaces (``freeze:`` in the county file) stay exactly as published;
- **locks** (polygons in the ``fixierungen`` layer) tie their cells to a social space
  (``sr_id``) or keep them together (``gruppe``): the locked cells move there first;
- every other social space that still **fits** (connected on this run's graph, within the
  population bounds) is kept unchanged, as AZTool maintains UK output areas (Cockings et
  al. 2011): only the others are repaired, with the engine working on them alone (locked
  cells fixed, a warm start from what they were), then with their neighbours added ring
  by ring while the repair is not possible within them.

:func:`plan_regions` returns the labels, the IDs decided by the plan (kept, frozen and
lock targets; the rest are matched by residents in common) and why each social space
changed, which :mod:`pipeline.operations.changes` turns into the change log.

References
----------
Cockings, S., Harfoot, A., Martin, D. and Hornby, D. (2011). Maintaining existing zoning
systems using automated zone-design techniques: methods for creating the 2011 Census
output geographies for England and Wales. Environment and Planning A 43(10), 2399-2418.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

from pipeline.errors import ConfigError, InfeasibleError
from pipeline.graph import Graph
from pipeline.regionalization import RegionParameters, regionalize

__all__ = ["LockError", "RegionPlan", "lock_cells", "plan_regions"]

#: Rings of neighbours a repair may take in before it gives up.
MAX_RINGS = 6


class LockError(InfeasibleError):
    """A lock or freeze that cannot be honoured; the message names the lock and why."""


@dataclass(frozen=True)
class RegionPlan:
    """The social spaces of a run as the plan decided them.

    Attributes
    ----------
    labels : ndarray of int64
        Region per cell, ``0..k-1``.
    pinned : dict of int to str
        The ID of every region whose ID is decided: kept and frozen social spaces, the
        targets of ``sr_id`` locks.
    reasons : dict of str to str
        Why each base social space (by ID) changed: the lock, the constraint it broke,
        or that it was a neighbour of a repair.
    locked : ndarray of bool
        Cells held by a lock or a freeze.
    """

    labels: np.ndarray
    pinned: dict[int, str]
    reasons: dict[str, str] = field(default_factory=dict)
    locked: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))


def lock_cells(centres: np.ndarray, locks: gpd.GeoDataFrame, crs) -> np.ndarray:
    """The lock (row of ``locks``) holding each cell's centre, ``-1`` for none.

    ``centres`` are the cells' centres (or units' points) in ``crs``. A cell in two locks
    that disagree is an error naming both; in two that agree it takes the first.
    """
    n = len(centres)
    if locks is None or len(locks) == 0:
        return np.full(n, -1, np.int64)
    points = gpd.GeoSeries(gpd.points_from_xy(centres[:, 0], centres[:, 1]), crs=crs)
    shapes = locks.geometry.to_crs(crs).reset_index(drop=True)
    cell, row = shapes.sindex.query(points.values, predicate="intersects")
    target = _targets(locks)
    pairs = pd.DataFrame({"cell": cell, "row": row, "target": target[row]})
    clash = pairs.groupby("cell")["target"].nunique()
    if (clash > 1).any():
        bad = pairs[pairs["cell"] == clash.index[clash > 1][0]]["row"].tolist()
        names = [str(locks["lock"].iloc[r]) for r in bad]
        raise LockError(f"the locks {', '.join(repr(x) for x in names)} overlap and disagree "
                        "on where the cells in their overlap belong; make them disjoint")
    out = np.full(n, -1, np.int64)
    first = pairs.sort_values(["cell", "row"]).drop_duplicates("cell")
    out[first["cell"].to_numpy()] = first["row"].to_numpy()
    return out


def _targets(locks: gpd.GeoDataFrame) -> np.ndarray:
    """What each lock ties its cells to: ``sr:<id>`` or ``group:<name>``."""
    sr = locks["sr_id"].to_numpy(dtype=object)
    group = locks["gruppe"].to_numpy(dtype=object)
    return np.array([f"sr:{s}" if s is not None else f"group:{g}" for s, g in
                     zip(sr, group, strict=True)], dtype=object)


def plan_regions(
    graph: Graph,
    features: np.ndarray,
    population: np.ndarray,
    params: RegionParameters,
    base_ids: np.ndarray,
    *,
    published_ids: Sequence[str] = (),
    frozen: Sequence[str] = (),
    lock_of: np.ndarray | None = None,
    locks: gpd.GeoDataFrame | None = None,
    coords: np.ndarray | None = None,
) -> RegionPlan:
    """A run's regions from a base partition, honouring locks and frozen spaces.

    Parameters
    ----------
    graph : Graph
        This run's cell graph.
    features, population : ndarray
        Clustering features and residents per cell.
    params : RegionParameters
        Bounds, seed and compactness of the repair.
    base_ids : ndarray of object
        Social-space ID per cell in the base partition (``None`` for cells it lacks).
    published_ids : sequence of str
        IDs a lock or a freeze may name (the published ones, or the base ones).
    frozen : sequence of str
        Social spaces kept exactly as in the base.
    lock_of : ndarray of int, optional
        Lock row per cell (:func:`lock_cells`), ``-1`` for none.
    locks : GeoDataFrame, optional
        The locks (:func:`pipeline.readers.read_locks`).
    coords : ndarray, optional
        Cell centres for the compactness term of the repair.

    Raises
    ------
    ConfigError
        A frozen ID that is not a social space.
    LockError
        A lock that cannot be honoured: names no social space, contradicts a freeze, would
        split a social space in two or leave a remainder below the floor.
    """
    n = graph.n
    population = np.asarray(population, np.float64)
    base = np.asarray(base_ids, dtype=object)
    known = set(published_ids) | {b for b in base if b is not None}
    lock_of = np.full(n, -1, np.int64) if lock_of is None else np.asarray(lock_of, np.int64)
    unknown = [f for f in frozen if f not in known]
    if unknown:
        raise ConfigError(f"freeze: {unknown} are not published social spaces; the IDs are in "
                          "the sr_id field of the published layer sozialraeume")
    frozen_cell = np.isin(base, list(frozen)) if frozen else np.zeros(n, bool)
    work = base.copy()
    reasons: dict[str, str] = {}
    locked = frozen_cell.copy()
    if (lock_of >= 0).any():
        target = _lock_targets(base, population, lock_of, locks, set(frozen), known)
        moved = (lock_of >= 0) & (work != target)
        for sr in set(work[moved]) | set(target[moved]):
            if sr is not None:
                names = sorted({str(locks["lock"].iloc[r]) for r in lock_of[
                    moved & ((work == sr) | (target == sr))]})
                reasons[sr] = "Fixierung " + ", ".join(f"'{x}'" for x in names)
        work[lock_of >= 0] = target[lock_of >= 0]
        locked |= lock_of >= 0
        _check_touching(graph, work, base, population, lock_of, locks)
    work = _attach_new_cells(graph, work, frozen_cell)
    codes, ids = pd.factorize(pd.Series(work, dtype=object), sort=True)
    ids = np.asarray(ids, dtype=object)
    k = len(ids)
    frozen_code = np.isin(ids, list(frozen))
    broken = _broken(graph, codes, population, params, k)
    for code, why in broken.items():
        if not frozen_code[code]:
            reasons[ids[code]] = "; ".join(filter(None, [reasons.get(ids[code]), why]))
    open_ = np.zeros(k, bool)
    open_[list(broken)] = True
    open_ &= ~frozen_code
    labels = codes.copy()
    unassigned = codes < 0
    if open_.any() or unassigned.any():
        labels = _repair(graph, features, population, params, codes, open_, frozen_code,
                         locked, coords, reasons, ids, lock_of, locks)
    labels, pinned = _finish(labels, codes, ids, lock_of, locks)
    return RegionPlan(labels, pinned, reasons, locked)


def _lock_targets(base, population, lock_of, locks, frozen: set, known: set) -> np.ndarray:
    """The social space (ID) every locked cell is tied to; checks each lock first."""
    target = np.full(len(base), None, dtype=object)
    kinds = _targets(locks)
    for row in np.unique(lock_of[lock_of >= 0]):
        name = str(locks["lock"].iloc[row])
        cells = lock_of == row
        kind, _, value = kinds[row].partition(":")
        if kind == "group":
            cells = np.isin(lock_of, np.flatnonzero(kinds == kinds[row]))
            inside = pd.Series(population[cells]).groupby(pd.Series(base[cells]).fillna(""))
            ranked = inside.sum().drop("", errors="ignore").sort_index()
            value = ranked.idxmax() if len(ranked) else None
            if value is None:
                raise LockError(f"lock '{name}' (gruppe {kinds[row][6:]}): its cells belong to "
                                "no social space yet; name one with sr_id instead")
        elif value not in known:
            raise LockError(f"lock '{name}' names {value}, which is not a social space; use an "
                            "ID from the sr_id field of the published layer sozialraeume")
        taken = {b for b in base[cells] if b is not None and b != value}
        if value in frozen and taken:
            raise LockError(f"lock '{name}' moves cells into {value}, which is frozen "
                            "(freeze: keeps it exactly as published); unfreeze it or change "
                            "the lock")
        if taken & frozen:
            raise LockError(f"lock '{name}' takes cells out of the frozen social space "
                            f"{sorted(taken & frozen)[0]}; unfreeze it or change the lock")
        target[cells] = value
    return target


def _check_touching(graph: Graph, work, base, population, lock_of, locks) -> None:
    """The cells of an ``sr_id`` lock must join the body of their space, not a new piece."""
    same = (work[graph.heads] == work[graph.indices]) \
        & pd.notna(pd.Series(work[graph.heads], dtype=object)).to_numpy()
    _, piece = connected_components(graph.subgraph_edges(same).sparse, directed=False)
    sr = locks["sr_id"].to_numpy(dtype=object)
    for row in np.unique(lock_of[lock_of >= 0]):
        if sr[row] is None:
            continue
        body = (base == sr[row]) & (lock_of < 0)
        if not body.any():
            continue
        main = pd.Series(population[body]).groupby(piece[body]).sum().idxmax()
        if (piece[lock_of == row] != main).any():
            raise LockError(
                f"lock '{locks['lock'].iloc[row]}' ties cells to {sr[row]} that do not touch "
                f"it: they would split {sr[row]} in two; draw the lock so that it borders "
                f"{sr[row]}, or use gruppe to keep the cells together elsewhere")


def _attach_new_cells(graph: Graph, work: np.ndarray, frozen_cell: np.ndarray) -> np.ndarray:
    """Cells without a social space join the neighbouring one they share most edges with.

    Frozen spaces take none; cells out of reach stay without one (the repair places them).
    """
    work = work.copy()
    heads, tails = graph.heads, graph.indices
    while True:
        missing = pd.isna(pd.Series(work, dtype=object)).to_numpy()
        if not missing.any():
            return work
        ok = missing[heads] & ~missing[tails] & ~frozen_cell[tails]
        if not ok.any():
            return work
        votes = pd.DataFrame({"cell": heads[ok], "sr": work[tails[ok]]})
        best = (votes.groupby(["cell", "sr"]).size().rename("n").reset_index()
                .sort_values(["cell", "n", "sr"], ascending=[True, False, True])
                .drop_duplicates("cell"))
        work[best["cell"].to_numpy()] = best["sr"].to_numpy()


def _broken(graph: Graph, codes, population, params: RegionParameters, k: int) -> dict:
    """Regions that no longer fit, with the reason in German: pieces, floor, cap."""
    known = codes >= 0
    same = known[graph.heads] & (codes[graph.heads] == codes[graph.indices])
    _, piece = connected_components(graph.subgraph_edges(same).sparse, directed=False)
    pieces = pd.Series(piece[known]).groupby(codes[known]).nunique().reindex(range(k),
                                                                             fill_value=1)
    pop = np.bincount(codes[known], weights=population[known], minlength=k)
    cap = params.max_population if params.max_population is not None else np.inf
    out = {}
    for code in range(k):
        if pieces.iloc[code] > 1:
            out[code] = "nicht mehr zusammenhängend"
        elif pop[code] < params.min_population:
            out[code] = (f"unter der Mindestgröße ({_de(pop[code])} < "
                         f"{_de(params.min_population)} Einwohner)")
        elif pop[code] > cap:
            out[code] = f"über der Höchstgröße ({_de(pop[code])} > {_de(cap)} Einwohner)"
    return out


def _repair(graph, features, population, params, codes, open_, frozen_code, locked, coords,
            reasons, ids, lock_of, locks) -> np.ndarray:
    """Redraw the open regions (and new cells) with the engine, adding rings of neighbours."""
    k = len(ids)
    zone = open_.copy()
    last = None
    for _ring in range(MAX_RINGS + 1):
        cells = (codes < 0) | zone[np.maximum(codes, 0)] & (codes >= 0)
        try:
            return _solve_zone(graph, features, population, params, codes, cells, locked,
                               coords, k)
        except InfeasibleError as err:
            last = err
        grown = _neighbours(graph, codes, zone) & ~frozen_code & ~zone
        # spaces a lock changed anyway come first, then every neighbour
        by_lock = grown & np.array([reasons.get(i, "").startswith("Fixierung") for i in ids])
        if by_lock.any():
            grown = by_lock
        if not grown.any():
            break
        for code in np.flatnonzero(grown):
            reasons.setdefault(ids[code], "Nachbar eines reparierten Sozialraums")
        zone |= grown
    _raise_for_locks(last, lock_of, locks, locked)
    raise last


def _solve_zone(graph, features, population, params, codes, cells, locked, coords, k):
    """The engine on the zone's cells alone, warm-started, locked cells fixed."""
    idx = np.flatnonzero(cells)
    sub = graph.subgraph(idx)
    warm = codes[idx]
    try:
        result = regionalize(
            sub, np.asarray(features)[idx], population[idx],
            min_population=params.min_population, max_population=params.max_population,
            coords=None if coords is None else coords[idx],
            compactness_weight=params.compactness_weight, warm_start=warm,
            fixed=locked[idx] & (warm >= 0), seed=params.seed)
    except InfeasibleError as err:  # the units as the whole county numbers them
        units = None if err.units is None else idx[np.asarray(err.units, np.int64)]
        raise InfeasibleError(str(err), units=units) from err
    labels = codes.copy()
    labels[idx] = k + result.labels
    return labels


def _neighbours(graph: Graph, codes, zone) -> np.ndarray:
    """Regions adjacent to the zone."""
    h, t = graph.heads, graph.indices
    inside = (codes[h] >= 0) & zone[np.maximum(codes[h], 0)] | (codes[h] < 0)
    other = (codes[t] >= 0) & ~zone[np.maximum(codes[t], 0)]
    out = np.zeros(zone.size, bool)
    out[codes[t][inside & other]] = True
    return out


def _raise_for_locks(err, lock_of, locks, locked) -> None:
    """Name the locks among the units of an engine error, if any."""
    if err is None or not err.units or locks is None or len(locks) == 0:
        return
    rows = sorted({int(lock_of[u]) for u in err.units if lock_of[u] >= 0})
    if not rows:
        return
    names = ", ".join(f"'{locks['lock'].iloc[r]}'" for r in rows[:5])
    raise LockError(f"the lock(s) {names} cannot be honoured: {err}", units=err.units)


def _finish(labels, codes, ids, lock_of, locks) -> tuple[np.ndarray, dict[int, str]]:
    """Compact labels; pin the spaces that came through whole and the ``sr_id`` lock targets.

    A base space comes through whole when its cells are exactly one region of the result
    (kept, frozen, or changed only by a lock); that region keeps its ID.
    """
    _, labels = np.unique(labels, return_inverse=True)
    labels = labels.astype(np.int64)
    known = codes >= 0
    pairs = pd.DataFrame({"code": codes[known], "label": labels[known]}).drop_duplicates()
    whole = ((pairs.groupby("code")["label"].transform("size") == 1)
             & (pairs.groupby("label")["code"].transform("size") == 1)
             & ~pairs["label"].isin(labels[~known]))
    pinned = {int(lab): str(ids[code]) for code, lab in
              zip(pairs["code"][whole], pairs["label"][whole], strict=True)}
    if locks is not None and len(locks):
        sr = locks["sr_id"].to_numpy(dtype=object)
        for row in np.unique(lock_of[lock_of >= 0]):
            if sr[row] is not None:
                lab = np.unique(labels[lock_of == row])
                if lab.size == 1:
                    pinned[int(lab[0])] = str(sr[row])
    return labels, pinned


def _de(value: float) -> str:
    """A resident count in German notation (``2.412``)."""
    return f"{value:,.0f}".replace(",", ".")
