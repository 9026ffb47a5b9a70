"""The change log of a publish: per social space, what happened to it and why.

Each publish compares its social spaces with the last published ones, cell by cell and
weighted by residents: a space is *unverändert* (same cells), *eingefroren* (frozen and
therefore unchanged), had its *Grenze verschoben* (same ID, cells moved in or out),
*geteilt* (a fifth or more of its residents went to a new space), *zusammengelegt* (a fifth
or more came from a space that no longer exists), *neu* or *aufgelöst*. The reason comes
from the plan (:mod:`pipeline.operations.maintenance`: the lock, the broken constraint,
a neighbour's repair) or from the kind of run (a full redraw, new cells).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pipeline.operations.published import PublishedState, previous_ids

__all__ = ["CHANGE_COLUMNS", "change_log", "change_summary"]

#: Columns of the change log, in order (GeoPackage table ``aenderungen``, history rows).
CHANGE_COLUMNS = (
    "sr_id", "aenderung", "einwohner_vorher", "einwohner_nachher", "einwohner_abgegeben",
    "einwohner_aufgenommen", "zellen_abgegeben", "zellen_aufgenommen", "an", "von", "grund",
)
#: Share of a space's residents that makes a move a split or a merge.
SHARE = 0.2


def change_log(
    cell_ids: np.ndarray,
    population: np.ndarray,
    sr_id: np.ndarray,
    published: PublishedState | None,
    *,
    reasons: Mapping[str, str] | None = None,
    frozen: Sequence[str] = (),
    redraw: bool = False,
) -> pd.DataFrame:
    """One row per social space of this run or the last publish: what changed and why.

    Parameters
    ----------
    cell_ids, population : ndarray
        This run's cells and their residents.
    sr_id : ndarray of str
        This run's social space per cell.
    published : PublishedState or None
        The last publish; ``None`` makes every space ``neu``.
    reasons : mapping of str to str, optional
        Why a (published) space changed, from the plan.
    frozen : sequence of str
    redraw : bool
        The run was a full redraw (the reason of changes without another one).

    Returns
    -------
    DataFrame
        :data:`CHANGE_COLUMNS`, sorted by ``sr_id``; ``an``/``von`` list the spaces
        residents went to / came from (``"; "``-separated, by residents).
    """
    reasons = dict(reasons or {})
    population = np.asarray(population, np.float64)
    new = pd.Series(np.asarray(sr_id, dtype=object), dtype=object)
    old = pd.Series(previous_ids(np.asarray(cell_ids), published) if published is not None
                    else np.full(len(new), None, dtype=object), dtype=object)
    flows = (pd.DataFrame({"old": old.fillna(""), "new": new, "pop": population, "n": 1})
             .groupby(["old", "new"], sort=True)[["pop", "n"]].sum().reset_index())
    moved = flows[flows["old"] != flows["new"]]
    ids_now = set(new)
    ids_before = set(published.cells["sr_id"]) if published is not None else set()
    rows = []
    for sr in sorted(ids_now | ids_before):
        before = float(flows.loc[flows["old"] == sr, "pop"].sum())
        after = float(flows.loc[flows["new"] == sr, "pop"].sum())
        out = moved[moved["old"] == sr].sort_values(["pop", "new"], ascending=[False, True])
        into = moved[moved["new"] == sr].sort_values(["pop", "old"], ascending=[False, True])
        kind = _kind(sr, before, after, out, into, ids_now, ids_before, frozen)
        reason = reasons.get(sr, "")
        if not reason and kind not in ("unverändert", "eingefroren"):
            reason = ("Neuzeichnung" if redraw else
                      "neue bewohnte Zellen" if (into["old"] == "").any() else "")
        rows.append({
            "sr_id": sr, "aenderung": kind, "einwohner_vorher": before,
            "einwohner_nachher": after, "einwohner_abgegeben": float(out["pop"].sum()),
            "einwohner_aufgenommen": float(into["pop"].sum()),
            "zellen_abgegeben": int(out["n"].sum()), "zellen_aufgenommen": int(into["n"].sum()),
            "an": "; ".join(out["new"]), "von": "; ".join(x or "neue Zellen" for x in into["old"]),
            "grund": reason,
        })
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))


def _kind(sr, before, after, out, into, ids_now, ids_before, frozen) -> str:
    if sr in frozen:
        return "eingefroren"
    if sr not in ids_before:
        sources = into[(into["old"] != "") & (into["pop"] >= SHARE * max(after, 1.0))]
        return "zusammengelegt" if len(sources) > 1 else "neu"
    if sr not in ids_now:
        targets = out[out["pop"] >= SHARE * max(before, 1.0)]
        return "geteilt" if len(targets) > 1 else "aufgelöst"
    if out.empty and into.empty:
        return "unverändert"
    if (out[~out["new"].isin(ids_before)]["pop"] >= SHARE * max(before, 1.0)).any():
        return "geteilt"
    if (into[(into["old"] != "") & ~into["old"].isin(ids_now)]["pop"]
            >= SHARE * max(after, 1.0)).any():
        return "zusammengelegt"
    return "Grenze verschoben"


def change_summary(changes: pd.DataFrame) -> dict[str, int]:
    """How many social spaces had each kind of change (for metadata and the report)."""
    return {str(k): int(v) for k, v in changes["aenderung"].value_counts().sort_index().items()}
