"""Stable social-space IDs: match a run's regions to the last published ones and keep their IDs.

Each run's regions are matched to the published regions by residents in common: a sparse
contingency table of residents (new region x published region) and an optimal one-to-one
assignment maximising the residents kept (Kuhn 1955; scipy's ``linear_sum_assignment``).
A matched region keeps its published ID; an unmatched one gets a new number above the
highest ever issued, so an ID never comes back with another meaning. The published labels
also seed the next run (warm start), and a fingerprint of the regionalization's inputs lets
a refresh with unchanged inputs reproduce the published labels exactly.

References
----------
Kuhn, H. W. (1955). The Hungarian method for the assignment problem. Naval Research
Logistics Quarterly 2, 83-97.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from pipeline.operations.published import PublishedState, previous_ids
from pipeline.publish.ids import format_id, id_number

__all__ = [
    "StabilityReport",
    "StableIds",
    "assign_stable_ids",
    "changed_share",
    "match_regions",
]


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
    previous = previous_ids(np.asarray(cell_ids), published)
    population = np.asarray(population, dtype=np.float64)
    known = pd.notna(previous)
    compared = float(population[known].sum())
    changed = float(population[known & (previous != np.asarray(sr_id, dtype=object))].sum())
    return compared, changed, int((~known).sum())


def assign_stable_ids(
    cell_ids: np.ndarray, labels: np.ndarray, population: np.ndarray,
    published: PublishedState | None, county_ags: str,
    pinned: Mapping[int, str] | None = None,
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
    pinned : mapping of int to str, optional
        Regions whose ID is decided already (kept or frozen social spaces, the target of a
        lock): they get it, and the others are matched among the remaining IDs.

    Returns
    -------
    StableIds
    """
    labels = np.asarray(labels, dtype=np.int64)
    k = int(labels.max()) + 1 if labels.size else 0
    pinned = dict(pinned or {})
    if published is None:
        if pinned:
            raise ValueError("pinned IDs need a published state to come from")
        numbers = np.arange(1, k + 1)
        issued, matched, old_ids = k, 0, []
    else:
        previous = pd.Series(previous_ids(np.asarray(cell_ids), published))
        codes, old_ids = pd.factorize(previous, sort=True)
        free = ~np.isin(labels, list(pinned)) & ~previous.isin(list(pinned.values())).to_numpy()
        pairs = match_regions(np.where(free, labels, 0), np.where(free, codes, -1), population)
        numbers = np.zeros(k, np.int64)
        for new, old in pairs.items():
            numbers[new] = id_number(old_ids[old])
        for new, sr_id in pinned.items():
            numbers[new] = id_number(sr_id)
        pairs |= {new: -1 for new, sr_id in pinned.items() if sr_id in set(old_ids)}
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


