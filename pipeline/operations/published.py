"""The published state of a county: what the last publish drew, read back by the next run.

It lives in the county's :attr:`~pipeline.layout.CountyLayout.published` folder:
``cells.parquet`` (``cell_id``, ``region``, ``sr_id``) and ``state.json`` (fingerprint,
highest issued number, run ID and the published name of every ID). Only the history writer
updates it, after a publish; the next run reads it to match IDs, to warm-start and to reuse
unchanged results.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from pipeline.files import atomic_path

__all__ = [
    "PublishedState",
    "load_published",
    "previous_ids",
    "published_labels",
    "save_published",
    "warm_start_labels",
]

_CELLS = "cells.parquet"
_SHAPES = "shapes.parquet"
_CHANGES = "changes.parquet"
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
    shapes : dict of str to geometry
        Published polygon per ``sr_id`` (EPSG:25832), kept by frozen and unchanged social
        spaces (empty for states written before shapes were kept).
    changes : DataFrame or None
        The change log of that publish (a republish of the same result keeps it).
    """

    cells: pd.DataFrame
    fingerprint: str
    max_issued: int
    run_id: str
    names: dict = field(default_factory=dict)
    shapes: dict = field(default_factory=dict)
    changes: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return (f"PublishedState(cells={len(self.cells)}, regions={self.cells['sr_id'].nunique()}, "
                f"max_issued={self.max_issued}, run_id={self.run_id!r})")


def load_published(folder: str | Path) -> PublishedState | None:
    """Read ``<folder>/cells.parquet`` and ``state.json``; ``None`` before the first publish."""
    folder = Path(folder)
    if not (folder / _CELLS).exists() or not (folder / _STATE).exists():
        return None
    state = json.loads((folder / _STATE).read_text(encoding="utf-8"))
    cells = pd.read_parquet(folder / _CELLS)
    shapes = {}
    if (folder / _SHAPES).exists():
        table = pd.read_parquet(folder / _SHAPES)
        shapes = dict(zip(table["sr_id"], shapely.from_wkb(table["wkb"].to_numpy()),
                          strict=True))
    changes = pd.read_parquet(folder / _CHANGES) if (folder / _CHANGES).exists() else None
    return PublishedState(cells, str(state["fingerprint"]), int(state["max_issued"]),
                          str(state.get("run_id", "")), dict(state.get("names", {})), shapes,
                          changes)


def save_published(
    folder: str | Path, cells: pd.DataFrame, fingerprint: str, max_issued: int, run_id: str,
    names: Mapping[str, str] | None = None,
    shapes: Mapping[str, object] | None = None,
    changes: pd.DataFrame | None = None,
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
    shapes : mapping of str to geometry, optional
        Published polygon per ``sr_id``, kept by frozen and unchanged social spaces.
    changes : DataFrame, optional
        The change log of this publish.

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
    table = cells[["cell_id", "region", "sr_id"]].copy()
    table.attrs = {}  # only the cells: the same regions give the same bytes
    with atomic_path(folder / _CELLS) as tmp:
        table.to_parquet(tmp, index=False)
    if shapes:
        ids = sorted(shapes)
        wkb = pd.DataFrame({"sr_id": ids, "wkb": shapely.to_wkb(
            np.array([shapes[i] for i in ids], dtype=object))})
        with atomic_path(folder / _SHAPES) as tmp:
            wkb.to_parquet(tmp, index=False)
    if changes is not None:
        log = changes.reset_index(drop=True).copy()
        log.attrs = {}
        with atomic_path(folder / _CHANGES) as tmp:
            log.to_parquet(tmp, index=False)
    state = {"fingerprint": fingerprint, "max_issued": int(max_issued), "run_id": run_id,
             "names": {str(k): str(v) for k, v in sorted((names or {}).items())}}
    with atomic_path(folder / _STATE) as tmp:
        tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
    return folder


def previous_ids(cell_ids: np.ndarray, published: PublishedState) -> np.ndarray:
    """Published ``sr_id`` per current cell (``None`` for new cells)."""
    lookup = published.cells.set_index("cell_id")["sr_id"]
    return lookup.reindex(pd.Index(cell_ids)).to_numpy(dtype=object)


def warm_start_labels(cell_ids: np.ndarray, published: PublishedState | None) -> np.ndarray | None:
    """Published region per current cell as ``0..k-1`` codes, ``-1`` for new cells.

    Returns ``None`` without a published state or when no cell overlaps.
    """
    if published is None:
        return None
    previous = pd.Series(previous_ids(np.asarray(cell_ids), published))
    if previous.isna().all():
        return None
    codes, _ = pd.factorize(previous, sort=True)
    return codes.astype(np.int64)


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
