"""Stable social spaces: match a run's regions to the last published ones and keep their IDs.

Each run's regions are matched to the published regions by residents in common: a sparse
contingency table of residents (new region x published region) and an optimal one-to-one
assignment maximising the residents kept (Kuhn 1955; scipy's ``linear_sum_assignment``).
A matched region keeps its published ID; an unmatched one gets a new number above the
highest ever issued, so an ID never comes back with another meaning. The published labels
also seed the next run (warm start), and a fingerprint of the regionalization's inputs lets
a refresh with unchanged inputs reproduce the published labels exactly.

The published state of a county lives in ``data/processed/<county>/published/``:
``cells.parquet`` (``cell_id``, ``region``, ``sr_id``) and ``state.json`` (fingerprint,
highest issued number, run ID). Only the history writer updates it, after a publish.

References
----------
Kuhn, H. W. (1955). The Hungarian method for the assignment problem. Naval Research
Logistics Quarterly 2, 83-97.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from pipeline.atomic import atomic_path

__all__ = [
    "PublishedState",
    "StabilityReport",
    "StableIds",
    "assign_stable_ids",
    "changed_share",
    "fingerprint",
    "format_id",
    "load_published",
    "match_regions",
    "published_dir",
    "published_labels",
    "save_published",
    "warm_start_labels",
]

_CELLS = "cells.parquet"
_STATE = "state.json"


@dataclass(frozen=True)
class PublishedState:
    """The last published regions of a county.

    Attributes
    ----------
    cells : DataFrame
        ``cell_id``, ``region`` (0..k-1) and ``sr_id`` per populated cell.
    fingerprint : str
        :func:`fingerprint` of the inputs the regions were drawn from.
    max_issued : int
        Highest ID number ever issued in the county.
    run_id : str
        Dagster run that published them.
    names : dict of str to str
        Published name per ``sr_id`` (empty for states written before names were kept).
    """

    cells: pd.DataFrame
    fingerprint: str
    max_issued: int
    run_id: str
    names: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"PublishedState(cells={len(self.cells)}, regions={self.cells['sr_id'].nunique()}, "
                f"max_issued={self.max_issued}, run_id={self.run_id!r})")


@dataclass(frozen=True)
class StabilityReport:
    """How much a run's social spaces differ from the published ones.

    Attributes
    ----------
    regions : int
        Regions of this run.
    matched : int
        Regions that kept a published ID.
    new : int
        Regions with a newly issued ID.
    retired : int
        Published IDs no longer used.
    residents_compared : float
        Residents of the cells present in both runs.
    residents_changed : float
        Of those, residents whose social-space ID changed.
    changed_share : float
        ``residents_changed / residents_compared`` (0 without a published run).
    new_cells : int
        Cells without a published social space.
    """

    regions: int
    matched: int
    new: int
    retired: int
    residents_compared: float
    residents_changed: float
    changed_share: float
    new_cells: int

    def as_dict(self) -> dict[str, float | int]:
        """Figures as a flat dict (for metadata and the history)."""
        return asdict(self)


@dataclass(frozen=True)
class StableIds:
    """Result of :func:`assign_stable_ids`.

    Attributes
    ----------
    sr_id : ndarray of str
        Social-space ID per cell, aligned with the labels.
    max_issued : int
        Highest ID number issued so far, including this run's new ones.
    report : StabilityReport
    """

    sr_id: np.ndarray
    max_issued: int
    report: StabilityReport


def format_id(number: int, county_ags: str) -> str:
    """The readable ID ``SR-<Kreisschlüssel>-<nnn>`` of an ID number (1-based).

    Examples
    --------
    >>> format_id(7, "05358")
    'SR-05358-007'
    """
    return f"SR-{county_ags}-{int(number):03d}"


def _id_number(sr_id: str) -> int:
    return int(str(sr_id).rsplit("-", 1)[-1])


def fingerprint(
    cell_ids: np.ndarray, population: np.ndarray, features: np.ndarray,
    parameters: Mapping[str, Any],
) -> str:
    """SHA-256 over everything the regionalization sees: cells, residents, features, parameters.

    Parameters
    ----------
    cell_ids : array of str
    population : array of float
    features : ndarray, shape (n, d)
    parameters : mapping
        Region parameters (values are hashed by their ``repr``).

    Returns
    -------
    str
        Hex digest.
    """
    digest = hashlib.sha256()
    digest.update("\n".join(map(str, cell_ids)).encode())
    digest.update(np.ascontiguousarray(population, dtype=np.float64).tobytes())
    digest.update(np.ascontiguousarray(features, dtype=np.float64).tobytes())
    digest.update(json.dumps({k: repr(v) for k, v in sorted(parameters.items())}).encode())
    return digest.hexdigest()


def published_dir(processed_root: str | Path, county_key: str) -> Path:
    """Folder of a county's published state: ``<processed_root>/<county>/published``."""
    return Path(processed_root) / county_key / "published"


def load_published(folder: str | Path) -> PublishedState | None:
    """Read ``<folder>/cells.parquet`` and ``state.json``; ``None`` before the first publish."""
    folder = Path(folder)
    if not (folder / _CELLS).exists() or not (folder / _STATE).exists():
        return None
    state = json.loads((folder / _STATE).read_text(encoding="utf-8"))
    cells = pd.read_parquet(folder / _CELLS)
    return PublishedState(cells, str(state["fingerprint"]), int(state["max_issued"]),
                          str(state.get("run_id", "")), dict(state.get("names", {})))


def save_published(
    folder: str | Path, cells: pd.DataFrame, fingerprint: str, max_issued: int, run_id: str,
    names: Mapping[str, str] | None = None,
) -> Path:
    """Write the published state atomically (cells first, then the state file).

    Parameters
    ----------
    folder : path-like
        ``data/processed/<county>/published``; created if needed.
    cells : DataFrame
        With ``cell_id``, ``region`` and ``sr_id``.
    fingerprint : str
    max_issued : int
        Never lower than the number already recorded.
    run_id : str
    names : mapping of str to str, optional
        Published name per ``sr_id``, kept by the next run for matched social spaces.

    Returns
    -------
    Path
        The folder.
    """
    missing = {"cell_id", "region", "sr_id"} - set(cells.columns)
    if missing:
        raise ValueError(f"cells must have columns cell_id, region, sr_id; missing {missing}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    old = load_published(folder)
    if old is not None:
        max_issued = max(max_issued, old.max_issued)
    with atomic_path(folder / _CELLS) as tmp:
        cells[["cell_id", "region", "sr_id"]].to_parquet(tmp, index=False)
    state = {"fingerprint": fingerprint, "max_issued": int(max_issued), "run_id": run_id,
             "names": {str(k): str(v) for k, v in sorted((names or {}).items())}}
    with atomic_path(folder / _STATE) as tmp:
        tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
    return folder


def _previous_per_cell(cell_ids: np.ndarray, published: PublishedState) -> np.ndarray:
    """Published ``sr_id`` per current cell (``None`` for new cells)."""
    lookup = published.cells.set_index("cell_id")["sr_id"]
    return lookup.reindex(pd.Index(cell_ids)).to_numpy(dtype=object)


def warm_start_labels(cell_ids: np.ndarray, published: PublishedState | None) -> np.ndarray | None:
    """Published region per current cell as ``0..k-1`` codes, ``-1`` for new cells.

    Returns ``None`` without a published state or when no cell overlaps.
    """
    if published is None:
        return None
    previous = pd.Series(_previous_per_cell(np.asarray(cell_ids), published))
    if previous.isna().all():
        return None
    codes, _ = pd.factorize(previous, sort=True)
    return codes.astype(np.int64)


def match_regions(
    labels: np.ndarray, previous: np.ndarray, population: np.ndarray
) -> dict[int, int]:
    """Optimal one-to-one matching of new regions to previous ones by residents in common.

    Parameters
    ----------
    labels : ndarray of int, shape (n,)
        New region per cell, ``0..k-1``.
    previous : ndarray of int, shape (n,)
        Previous region code per cell, ``-1`` where the cell had none.
    population : ndarray of float, shape (n,)
        Residents per cell.

    Returns
    -------
    dict of int to int
        New region -> previous code, only for pairs sharing residents.

    Examples
    --------
    >>> match_regions(np.array([0, 0, 1, 1]), np.array([1, 1, 0, -1]), np.ones(4))
    {0: 1, 1: 0}
    """
    labels = np.asarray(labels, dtype=np.int64)
    previous = np.asarray(previous, dtype=np.int64)
    population = np.asarray(population, dtype=np.float64)
    if not labels.shape == previous.shape == population.shape:
        raise ValueError(
            f"labels, previous and population must have one shape, got {labels.shape}, "
            f"{previous.shape} and {population.shape}")
    known = previous >= 0
    if not known.any() or labels.size == 0:
        return {}
    table = sparse.coo_matrix(
        (population[known], (labels[known], previous[known])),
        shape=(int(labels.max()) + 1, int(previous.max()) + 1),
    ).tocsr()
    table.sum_duplicates()
    dense = table.toarray()
    rows, cols = linear_sum_assignment(dense, maximize=True)
    return {int(r): int(c) for r, c in zip(rows, cols, strict=True) if dense[r, c] > 0}


def changed_share(
    cell_ids: np.ndarray, sr_id: np.ndarray, population: np.ndarray,
    published: PublishedState | None,
) -> tuple[float, float, int]:
    """Residents of cells present in both runs whose social-space ID changed.

    Returns
    -------
    tuple of (float, float, int)
        Residents compared, residents changed, cells without a published social space.
    """
    if published is None:
        return 0.0, 0.0, len(cell_ids)
    previous = _previous_per_cell(np.asarray(cell_ids), published)
    population = np.asarray(population, dtype=np.float64)
    known = pd.notna(previous)
    compared = float(population[known].sum())
    changed = float(population[known & (previous != np.asarray(sr_id, dtype=object))].sum())
    return compared, changed, int((~known).sum())


def assign_stable_ids(
    cell_ids: np.ndarray, labels: np.ndarray, population: np.ndarray,
    published: PublishedState | None, county_ags: str,
) -> StableIds:
    """Social-space IDs per cell that keep the published IDs of matched regions.

    Parameters
    ----------
    cell_ids : array of str
    labels : ndarray of int
        This run's region per cell, ``0..k-1``.
    population : ndarray of float
    published : PublishedState or None
        The last published regions; ``None`` numbers regions ``1..k`` by label.
    county_ags : str
        Kreisschlüssel used in the IDs.

    Returns
    -------
    StableIds
    """
    labels = np.asarray(labels, dtype=np.int64)
    k = int(labels.max()) + 1 if labels.size else 0
    if published is None:
        numbers = np.arange(1, k + 1)
        issued, matched, old_ids = k, 0, []
    else:
        previous = pd.Series(_previous_per_cell(np.asarray(cell_ids), published))
        codes, old_ids = pd.factorize(previous, sort=True)
        pairs = match_regions(labels, codes, population)
        numbers = np.zeros(k, np.int64)
        for new, old in pairs.items():
            numbers[new] = _id_number(old_ids[old])
        issued = published.max_issued
        for new in range(k):
            if numbers[new] == 0:
                issued += 1
                numbers[new] = issued
        matched = len(pairs)
    ids = np.array([format_id(n, county_ags) for n in numbers], dtype=object)
    sr_id = ids[labels] if k else np.array([], dtype=object)
    compared, changed, new_cells = changed_share(cell_ids, sr_id, population, published)
    old_count = 0 if published is None else int(published.cells["sr_id"].nunique())
    report = StabilityReport(
        regions=k, matched=matched, new=k - matched, retired=old_count - matched,
        residents_compared=compared, residents_changed=changed,
        changed_share=changed / compared if compared > 0 else 0.0, new_cells=new_cells,
    )
    return StableIds(sr_id, int(max(issued, numbers.max(initial=0))), report)


def published_labels(cell_ids: np.ndarray, published: PublishedState | None) -> np.ndarray | None:
    """The published ``region`` per cell when the cells are exactly the published ones.

    Returns ``None`` without a published state or when a cell was added or removed.
    """
    if published is None or len(published.cells) != len(cell_ids):
        return None
    lookup = published.cells.set_index("cell_id")["region"]
    labels = lookup.reindex(pd.Index(cell_ids))
    if labels.isna().any():
        return None
    return labels.to_numpy(np.int64)
