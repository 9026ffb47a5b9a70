"""Fingerprints: content hashes of a county's raw inputs and of what a regionalization sees.

A sensor compares the input hashes with the ones it saw last time; the modification time
and size serve only as a cheap pre-check, so a file that is touched but not changed starts
nothing, and a file replaced by one with the same mtime is still noticed when its size
differs or when the hash is recomputed. :func:`fingerprint` hashes the cells, residents,
features and parameters of a run, so a refresh with unchanged inputs can reuse the
published regions exactly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.files import file_sha256
from pipeline.operations.counties import County

__all__ = ["FileState", "changed_counties", "fingerprint", "input_states"]

@dataclass(frozen=True)
class FileState:
    """What is known about one input file: modification time, size and SHA-256.

    Attributes
    ----------
    mtime_ns : int
        Modification time in nanoseconds (``-1`` for a missing file).
    size : int
        Size in bytes (``-1`` for a missing file).
    sha256 : str
        Hex digest of the content (``"missing"`` for a missing file).
    """

    mtime_ns: int
    size: int
    sha256: str

    def to_list(self) -> list:
        """JSON-friendly form ``[mtime_ns, size, sha256]``."""
        return [self.mtime_ns, self.size, self.sha256]

    @classmethod
    def from_list(cls, value: list) -> FileState:
        """Inverse of :meth:`to_list`."""
        return cls(int(value[0]), int(value[1]), str(value[2]))


def input_states(
    county: County, previous: Mapping[str, FileState] | None = None
) -> dict[str, FileState]:
    """State of every input file of a county, hashing only files whose mtime or size moved.

    Parameters
    ----------
    county : County
    previous : mapping of str to FileState, optional
        Last known states by role; a file with the same mtime and size keeps its hash.

    Returns
    -------
    dict of str to FileState
        By role, e.g. ``zensus:Bevoelkerungszahl`` or ``vg250``.
    """
    previous = previous or {}
    states = {}
    for role, path in county.input_files().items():
        path = Path(path)
        try:
            stat = path.stat()
        except FileNotFoundError:
            states[role] = FileState(-1, -1, "missing")
            continue
        old = previous.get(role)
        if old is not None and (old.mtime_ns, old.size) == (stat.st_mtime_ns, stat.st_size):
            states[role] = old
        else:
            states[role] = FileState(stat.st_mtime_ns, stat.st_size, file_sha256(path))
    return states


def changed_counties(
    previous: Mapping[str, Mapping[str, FileState]],
    current: Mapping[str, Mapping[str, FileState]],
) -> list[str]:
    """Counties whose input content changed; counties not seen before are not listed.

    Parameters
    ----------
    previous, current : mapping of county key to mapping of role to FileState

    Returns
    -------
    list of str
        County keys in the order of ``current``.
    """
    changed = []
    for key, states in current.items():
        old = previous.get(key)
        if old is None:
            continue
        if {r: s.sha256 for r, s in old.items()} != {r: s.sha256 for r, s in states.items()}:
            changed.append(key)
    return changed


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


