"""Planners decide: locks, frozen social spaces and maintenance mode, on a small grid county.

A 21 x 16 grid of cells with 10 residents each (floor 200, cap 600) is published once; the
tests then refresh it as the pipeline does (:func:`draw_county_regions` with the published
state of the run before):

- a lock moving one boundary cell of a space to its neighbour is honoured on the next run
  and on the run after (with changed features), and only the two spaces it touches change;
  the change log says so and names the lock;
- a frozen space keeps its cells exactly while a redraw with another floor changes its
  neighbours;
- impossible locks fail before anything is drawn, naming the lock and why (cells that do
  not touch their space, a lock into a frozen space, an unknown ID);
- maintenance after a small input change (residents pushing one space over the cap)
  keeps every other space, asserted by members, and splits that one within itself.
"""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from pipeline.crs import GRID_CRS
from pipeline.operations import PublishedState, draw_county_regions
from pipeline.operations.maintenance import LockError
from pipeline.regionalization import RegionParameters
from pipeline.testing import assert_valid_partition, grid_county

PARAMS = RegionParameters(min_population=200, max_population=600, seed=1)




def _publish(regions) -> PublishedState:
    return PublishedState(regions.cells[["cell_id", "region", "sr_id"]], regions.fingerprint,
                          regions.max_issued, "run", {})


def _members(regions) -> dict[str, frozenset]:
    return {sr: frozenset(g["cell_id"]) for sr, g in regions.cells.groupby("sr_id")}


def _lock(cells, rows, *, sr_id=None, gruppe=None, name="Testsperre") -> gpd.GeoDataFrame:
    """A lock polygon covering the centres of the given cells (and no other)."""
    boxes = [shapely.box(x + 20, y + 20, x + 80, y + 80)
             for x, y in cells[["x", "y"]].to_numpy()[rows]]
    return gpd.GeoDataFrame({"lock": [name], "sr_id": [sr_id], "gruppe": [gruppe],
                             "name": [name], "bemerkung": [None], "fid": [1]},
                            geometry=[shapely.union_all(boxes)], crs=GRID_CRS)


@pytest.fixture(scope="module")
def county():
    # 21 x 16 cells: 16.8 floors of residents, so the most regions (16) leave some slack
    cells, features = grid_county(21, 16, seed=3)
    first, graph = draw_county_regions(cells, features, PARAMS, county_ags="05399")
    return cells, features, first, graph


def _movable_cell(cells, regions, graph):
    """A boundary cell whose move to the neighbour keeps both spaces valid."""
    sr = regions.cells["sr_id"].to_numpy()
    pop = regions.cells.groupby("sr_id")["cell_id"].size() * 10.0
    heads, tails = graph.edges()
    for h, t in zip(heads, tails, strict=True):
        for cell, other in ((h, t), (t, h)):
            a, b = sr[cell], sr[other]
            if a == b or pop[a] - 10 < PARAMS.min_population or pop[b] + 10 > 600:
                continue
            rest = np.flatnonzero((sr == a) & (np.arange(len(sr)) != cell))
            sub = graph.subgraph(rest)
            if sub.n_components == 1:
                return cell, a, b
    raise AssertionError("no movable cell")


def test_a_lock_moves_a_cell_next_run_and_the_run_after(county):
    cells, features, first, graph = county
    cell, a, b = _movable_cell(cells, first, graph)
    locks = _lock(cells, [cell], sr_id=b)
    second, _ = draw_county_regions(cells, features, PARAMS, county_ags="05399",
                                    published=_publish(first), locks=locks)
    assert second.mode == "maintain"
    assert second.cells["sr_id"].iloc[cell] == b and second.cells["fixiert"].iloc[cell]
    before, after = _members(first), _members(second)
    changed = {sr for sr in before if before[sr] != after.get(sr)}
    assert changed == {a, b}  # only the spaces the lock touches
    log = second.changes.set_index("sr_id")
    assert log.loc[a, "aenderung"] == "Grenze verschoben"
    assert log.loc[a, "einwohner_abgegeben"] == 10 and log.loc[b, "einwohner_aufgenommen"] == 10
    assert "Testsperre" in log.loc[a, "grund"] and "Testsperre" in log.loc[b, "grund"]
    assert (log.drop(index=[a, b])["aenderung"] == "unverändert").all()
    # the run after, with changed features: the lock still holds
    third, graph3 = draw_county_regions(cells, features * 1.01, PARAMS, county_ags="05399",
                                        published=_publish(second), locks=locks)
    assert third.cells["sr_id"].iloc[cell] == b
    assert _members(third) == after
    assert_valid_partition(graph3, third.labels, cells["Einwohner"].to_numpy(), 200, 600)


def test_a_group_lock_keeps_its_cells_together(county):
    cells, features, first, graph = county
    sr = first.cells["sr_id"].to_numpy()
    cell, a, b = _movable_cell(cells, first, graph)
    # the cell and one neighbour in b: kept together, in the space holding most of them
    partner = next(int(t) for t in graph.indices[graph.indptr[cell]:graph.indptr[cell + 1]]
                   if sr[t] == b)
    locks = _lock(cells, [cell, partner], gruppe="Schulweg")
    again, _ = draw_county_regions(cells, features, PARAMS, county_ags="05399",
                                   published=_publish(first), locks=locks)
    ids = again.cells["sr_id"].to_numpy()
    assert ids[cell] == ids[partner]


def test_a_frozen_space_keeps_its_cells_while_a_redraw_moves_its_neighbours(county):
    cells, features, first, graph = county
    frozen = first.cells["sr_id"].value_counts().index[0]
    changed = PARAMS.replace(min_population=300, max_population=900)
    again, graph2 = draw_county_regions(cells, features, changed, county_ags="05399",
                                        published=_publish(first), freeze=[frozen],
                                        redraw=True)
    before, after = _members(first), _members(again)
    assert after[frozen] == before[frozen]
    assert sum(before[s] != after.get(s) for s in before if s != frozen) > 0
    assert again.changes.set_index("sr_id").loc[frozen, "aenderung"] == "eingefroren"
    assert again.cells.loc[again.cells["sr_id"] == frozen, "fixiert"].all()


def test_impossible_locks_fail_naming_the_lock(county):
    cells, features, first, graph = county
    published = _publish(first)
    sr = first.cells["sr_id"].to_numpy()
    # a cell far from the space it is locked to: it would split that space
    b = sr[0]
    far = int(np.flatnonzero(sr != b)[-1])
    with pytest.raises(LockError, match="Fernlage"):
        draw_county_regions(cells, features, PARAMS, county_ags="05399", published=published,
                            locks=_lock(cells, [far], sr_id=b, name="Fernlage"))
    with pytest.raises(LockError, match="'Unbekannt' names SR-05399-999"):
        draw_county_regions(cells, features, PARAMS, county_ags="05399", published=published,
                            locks=_lock(cells, [0], sr_id="SR-05399-999", name="Unbekannt"))
    cell, a, b = _movable_cell(cells, first, graph)
    with pytest.raises(LockError, match="frozen"):
        draw_county_regions(cells, features, PARAMS, county_ags="05399", published=published,
                            locks=_lock(cells, [cell], sr_id=b), freeze=[b])


def test_maintenance_after_a_small_change_keeps_every_space_that_still_fits(county):
    cells, features, first, graph = county
    biggest = first.cells["sr_id"].value_counts().index[0]
    grown = cells.copy()
    inside = np.flatnonzero(first.cells["sr_id"].to_numpy() == biggest)[:3]
    grown.loc[inside, "Einwohner"] += 200.0  # over the cap of 600
    again, graph2 = draw_county_regions(grown, features, PARAMS, county_ags="05399",
                                        published=_publish(first))
    assert_valid_partition(graph2, again.labels, grown["Einwohner"].to_numpy(), 200, 600)
    before, after = _members(first), _members(again)
    # the space over the cap is split within itself: every other space is kept as it was
    others = set(before) - {biggest}
    assert all(after.get(s) == before[s] for s in others)
    new = set(after) - set(before)
    assert new and set().union(*(after[s] for s in new | {biggest} if s in after)) \
        == before[biggest]
    log = again.changes.set_index("sr_id")
    assert "über der Höchstgröße" in log.loc[biggest, "grund"]
    assert set(log.index[log["aenderung"] == "unverändert"]) == others
    assert set(log.loc[sorted(new), "aenderung"]) <= {"neu", "zusammengelegt"}
