"""Refreshes: a county's regions handed on as data, and a refresh after a small input change.

Unit level (:func:`pipeline.operations.refresh.draw_county_regions` on a small grid): the
regions survive Parquet with their parameters, fingerprint, IDs and figures; a table
without them is refused, not defaulted; unchanged inputs reuse the published regions, IDs
and names; changed parameters warm-start and keep the IDs of matched regions.

End to end (the sample county):

the sample county is published once; then ten populated cells of its most populous social
space get 1,500 more residents each in the population CSV inside the Zensus ZIP (a temporary
copy), so that space passes the cap, and the county is refreshed. The refresh
starts from the published labels (warm start), matches regions by residents in common, keeps
the names of matched social spaces, and records the share of residents whose social space
changed in the run metadata, in the stability check and in the history database.
"""

import json
import shutil
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
from dagster import DagsterInstance

from pipeline.operations import CountyRegions, PublishedState, draw_county_regions
from pipeline.operations.history import read_runs
from pipeline.regionalization import RegionParameters
from pipeline.testing import assert_valid_partition, grid_county
from tests.helpers import county_file, materialize_county

TOPIC = "Bevoelkerungszahl"




PARAMS = RegionParameters(min_population=200, max_population=600, seed=2)


def _published(regions: CountyRegions) -> PublishedState:
    names = {sr: f"Quartier {sr[-3:]}" for sr in regions.sr_ids()}
    return PublishedState(regions.cells, regions.fingerprint, regions.max_issued, "run-1", names)


def test_county_regions_survive_parquet_with_how_they_were_drawn(tmp_path):
    cells, features = grid_county()
    regions, graph = draw_county_regions(cells, features, PARAMS, county_ags="05399")
    assert_valid_partition(graph, regions.labels, cells["Einwohner"].to_numpy(), 200, 600)
    regions.to_frame().to_parquet(tmp_path / "cell_regions.parquet")
    back = CountyRegions.from_frame(pd.read_parquet(tmp_path / "cell_regions.parquet"))
    assert back.parameters == PARAMS
    assert (back.fingerprint, back.max_issued) == (regions.fingerprint, regions.n_regions)
    assert json.dumps(back.quality) == json.dumps(regions.quality)
    assert back.stability == regions.stability and not back.warm_started
    pd.testing.assert_frame_equal(back.cells, regions.cells)
    assert back.sr_ids().tolist() == [f"SR-05399-{i:03d}" for i in range(1, back.n_regions + 1)]


def test_a_table_without_the_runs_figures_is_refused_not_defaulted():
    plain = pd.DataFrame({"cell_id": ["a"], "region": [0], "sr_id": ["SR-05399-001"]})
    with pytest.raises(ValueError, match="materialize cell_regions again"):
        CountyRegions.from_frame(plain)


def test_unchanged_inputs_reuse_the_published_regions_ids_and_names():
    cells, features = grid_county()
    first, _ = draw_county_regions(cells, features, PARAMS, county_ags="05399")
    published = _published(first)
    again, _ = draw_county_regions(cells, features, PARAMS, county_ags="05399",
                                   published=published)
    assert again.reused_published and again.warm_started
    pd.testing.assert_frame_equal(again.cells, first.cells)
    assert again.kept_names == published.names
    assert again.stability.changed_share == 0.0 and again.max_issued == first.max_issued


@pytest.mark.parametrize("warm_start", [True, False], ids=["warm-start", "cold"])
def test_changed_parameters_draw_anew_and_keep_matched_ids(warm_start):
    cells, features = grid_county()
    first, _ = draw_county_regions(cells, features, PARAMS, county_ags="05399")
    changed = PARAMS.replace(min_population=300, max_population=900)
    again, graph = draw_county_regions(cells, features, changed, county_ags="05399",
                                       published=_published(first), warm_start=warm_start)
    assert not again.reused_published and again.warm_started is warm_start
    assert again.parameters == changed and again.fingerprint != first.fingerprint
    assert_valid_partition(graph, again.labels, cells["Einwohner"].to_numpy(), 300, 900)
    kept = set(again.sr_ids()) & set(first.sr_ids())
    new = set(again.sr_ids()) - kept
    assert kept and again.stability.matched == len(kept)
    assert all(int(sr[-3:]) > first.max_issued for sr in new)  # new IDs are never reused ones
    assert again.max_issued == first.max_issued + len(new)


def _edit_population(source, target, cells: list[str], extra: int) -> list[str]:
    """Copy the ZIP with ``extra`` more residents in each of the given 100 m cells."""
    edited = []
    wanted = set(cells)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith("_100m-Gitter.csv"):
                lines = data.decode("utf-8").splitlines(keepends=True)
                for i, line in enumerate(lines[1:], start=1):
                    parts = line.split(";")
                    if parts[0] in wanted:
                        parts[3] = str(int(parts[3]) + extra)
                        parts[4] = parts[4].replace("KLAMMERN", "")
                        lines[i] = ";".join(parts)
                        edited.append(parts[0])
                data = "".join(lines).encode("utf-8")
            zout.writestr(info, data)
    return edited


@pytest.fixture(scope="module")
def refresh(sample_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("refresh")
    source = sample_dir / f"Zensus2022_{TOPIC}.zip"
    copy = tmp / source.name
    copy.write_bytes(source.read_bytes())
    config = county_file(tmp, ["sample"], {f"zensus:{TOPIC}": copy})
    out = tmp / "processed"
    steps = out / "sample" / "steps"
    with DagsterInstance.ephemeral() as instance:
        first = materialize_county(config, out, with_history=True, instance=instance)
        before = pd.read_parquet(steps / "cell_regions.parquet")
        cells = pd.read_parquet(steps / "zensus_cells.parquet").merge(before, on="cell_id")
        # the most populous social space gets 10 x 1,500 residents in its fullest cells: it
        # passes the cap of 15,000 and must change; the rest of the county need not
        largest = cells.groupby("sr_id")["Einwohner"].sum().idxmax()
        chosen = cells[cells["sr_id"] == largest].nlargest(10, "Einwohner")["cell_id"].tolist()
        edited = _edit_population(source, copy, chosen, extra=1500)
        shutil.copy(steps / "sozialraum_polygons.parquet", tmp / "polygons_before.parquet")
        # planners renamed every published social space: kept IDs must keep these names,
        # whatever this run would call them
        state_file = out / "sample" / "published" / "state.json"
        state = json.loads(state_file.read_text(encoding="utf-8"))
        state["names"] = {sr: f"Quartier {sr[-3:]}" for sr in state["names"]}
        state_file.write_text(json.dumps(state), encoding="utf-8")
        second = materialize_county(config, out, with_history=True, instance=instance)
        after = pd.read_parquet(steps / "cell_regions.parquet")
    cells = pd.read_parquet(steps / "zensus_cells.parquet")
    return first, second, before, after, cells, edited, out


def test_inputs_were_changed(refresh):
    *_, cells, edited, _ = refresh
    assert len(edited) == 10
    assert set(edited) <= set(cells["cell_id"])


def test_most_residents_keep_their_social_space(refresh):
    first, second, before, after, cells, _, _ = refresh
    assert first.success and second.success
    merged = cells[["cell_id", "Einwohner"]].merge(before, on="cell_id").merge(
        after, on="cell_id", suffixes=("_before", "_after"))
    kept = merged.loc[merged["sr_id_before"] == merged["sr_id_after"], "Einwohner"].sum()
    share_kept = kept / merged["Einwohner"].sum()
    assert 0.8 <= share_kept < 1.0, share_kept
    meta = second.asset_materializations_for_node("cell_regions")[0].metadata
    assert meta["reused_published"].value is False and meta["warm_start"].value is True
    assert meta["stability/changed_share"].value == pytest.approx(1 - share_kept, abs=1e-3)


def test_stability_figure_is_recorded(refresh):
    first, second, *_, out = refresh
    runs = read_runs(out / "history.duckdb", "sample").set_index("run_id")
    assert runs.loc[first.run_id, "changed_share"] == 0.0
    recorded = runs.loc[second.run_id, "changed_share"]
    meta = second.asset_materializations_for_node("cell_regions")[0].metadata
    assert recorded == pytest.approx(meta["stability/changed_share"].value)
    check = next(e for e in second.get_asset_check_evaluations()
                 if e.check_name == "social_spaces_stable")
    assert check.metadata["changed_share"].value == pytest.approx(recorded)


def test_matched_social_spaces_keep_their_names(refresh):
    *_, out = refresh
    before = gpd.read_parquet(out.parent / "polygons_before.parquet").set_index("sr_id")
    after = gpd.read_parquet(out / "sample" / "steps" / "sozialraum_polygons.parquet")
    after = after.set_index("sr_id")
    kept = before.index.intersection(after.index)
    assert len(kept) >= 0.8 * len(before)
    assert (after.loc[kept, "name"] == [f"Quartier {sr[-3:]}" for sr in kept]).all()
    assert after["name"].is_unique
    new = after.index.difference(before.index)
    assert not after.loc[new, "name"].str.startswith("Quartier").any()
    meta = refresh[1].asset_materializations_for_node("sozialraum_polygons")[0].metadata
    assert meta["names_kept"].value == len(kept)
