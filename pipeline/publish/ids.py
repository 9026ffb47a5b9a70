"""Social-space IDs: the one format ``SR-<Kreisschlüssel>-<nnn>``, read and written here only.

An ID joins the county's five-digit Kreisschlüssel and a number issued once
(:mod:`pipeline.operations.stable_ids` keeps numbers across runs and never reuses one).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.layout import ID_PATTERN

__all__ = ["ID_PATTERN", "check_ids", "format_id", "id_number", "region_ids"]



def format_id(number: int, county_ags: str) -> str:
    """The readable ID ``SR-<Kreisschlüssel>-<nnn>`` of an ID number (1-based).

    Examples
    --------
    >>> format_id(7, "05358")
    'SR-05358-007'
    """
    return f"SR-{county_ags}-{int(number):03d}"


def id_number(sr_id: str) -> int:
    """The number of an ID, e.g. 7 for ``SR-05358-007``.

    Examples
    --------
    >>> id_number("SR-05358-007")
    7
    """
    return int(str(sr_id).rsplit("-", 1)[-1])


def region_ids(labels: np.ndarray, county_ags: str) -> np.ndarray:
    """Readable IDs ``SR-<Kreisschlüssel>-<nnn>`` for region labels 0..k-1 (label + 1).

    Examples
    --------
    >>> region_ids(np.array([1, 0]), "05358").tolist()
    ['SR-05358-002', 'SR-05358-001']
    """
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size == 0:
        return np.array([], dtype=object)
    if labels.min() < 0:
        raise ValueError(f"labels must be 0..k-1, got a minimum of {labels.min()}")
    return np.array([format_id(i + 1, county_ags) for i in range(int(labels.max()) + 1)])[labels]


def check_ids(sr_ids: np.ndarray | None, k: int, county_ags: str) -> np.ndarray:
    """``k`` distinct IDs, one per region label; :func:`region_ids` when none are given."""
    if sr_ids is None:
        return region_ids(np.arange(k), county_ags)
    ids = np.asarray(sr_ids, dtype=object)
    if ids.shape != (k,) or pd.isna(ids).any() or len(set(ids)) != k:
        raise ValueError(f"sr_ids must hold {k} distinct IDs, one per region label, "
                         f"got {ids.shape[0]} ({len(set(ids))} distinct)")
    return ids
