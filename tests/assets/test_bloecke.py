"""Census blocks end to end: a county drawn on polygon units instead of the Zensus grid.

The counties file holds the grid sample, the block sample and a copy; the block sample is
materialized from the raw block layer and register extract to the GeoPackage in a fresh
interpreter. Its social spaces must be unions of whole blocks, contiguous on the blocks'
graph and at or above the floor, and the report must say what it was built from.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
import yaml

from pipeline.layout import REPO_ROOT
from pipeline.operations.counties import load_counties
from pipeline.regionalization.cell_regions import build_cell_graph
from pipeline.testing import assert_valid_partition

_SCRIPT = """
import json, os, sys
from dagster import DagsterInstance
from tests.helpers import materialize_county
with DagsterInstance.ephemeral() as instance:
    result = materialize_county(os.environ["SOZIALRAUM_COUNTIES"], sys.argv[1],
                                partition="sample_bloecke", instance=instance,
                                raise_on_error=False)
checks = result.get_asset_check_evaluations()
print(json.dumps({
    "success": result.success,
    "failed": {e.check_name: e.metadata.get("gaps").value if "gaps" in e.metadata else None
               for e in checks if not e.passed},
    "errors": [str(e.event_specific_data.error)[:2000] for e in result.all_events
               if e.event_type_value == "STEP_FAILURE"]}))
"""


def _absolute(entry: dict) -> dict:
    """A bundled county entry with its paths made absolute."""
    entry = json.loads(json.dumps(entry))
    for role in ("vg250", "income", "sgb2", "barriers"):
        entry[role] = str(REPO_ROOT / entry[role])
    if "zensus" in entry:
        entry["zensus"] = {t: str(REPO_ROOT / p) for t, p in entry["zensus"].items()}
    if "units" in entry:
        entry["units"]["path"] = str(REPO_ROOT / entry["units"]["path"])
        entry["units"]["table"]["path"] = str(REPO_ROOT / entry["units"]["table"]["path"])
    return entry


@pytest.fixture(scope="module")
def published(bloecke_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bloecke")
    bundled = yaml.safe_load((REPO_ROOT / "counties.yaml").read_text(encoding="utf-8"))
    counties = {key: _absolute(bundled["counties"][key]) for key in ("sample", "sample_bloecke")}
    counties["kopie"] = counties["sample"]
    config = tmp / "counties.yaml"
    config.write_text(yaml.safe_dump({"counties": counties}, allow_unicode=True),
                      encoding="utf-8")
    out = tmp / "processed"
    env = os.environ | {"SOZIALRAUM_COUNTIES": str(config), "DAGSTER_HOME": str(tmp)}
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, str(out)], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), out / "sample_bloecke", config


def test_every_blocking_check_passes_and_gaps_are_reported(published):
    report, _, _ = published
    assert report["success"], report["errors"]
    # the register extract has ages only: the other Zensus indicators are skipped, loudly
    assert set(report["failed"]) == {"indicators_complete"}
    gaps = report["failed"]["indicators_complete"]
    assert any("'haushaltsgroesse' skipped" in g for g in gaps), gaps
    assert not any("'anteil_65plus'" in g for g in gaps), gaps


def test_social_spaces_are_unions_of_whole_blocks(published, bloecke_dir):
    _, folder, _ = published
    spaces = pyogrio.read_dataframe(folder / "sozialraeume.gpkg", layer="sozialraeume")
    blocks = pyogrio.read_dataframe(bloecke_dir / "baubloecke.gpkg", layer="baubloecke")
    tree = shapely.STRtree(spaces.geometry.values)
    inside = tree.query(blocks.geometry.representative_point().values, predicate="within")
    assert np.array_equal(np.sort(inside[0]), np.arange(len(blocks)))  # each block in one
    own = shapely.intersection(blocks.geometry.values[inside[0]],
                               spaces.geometry.values[inside[1]])
    share = shapely.area(own) / shapely.area(blocks.geometry.values[inside[0]])
    assert share.min() > 0.999  # never cut: the block lies wholly in its social space
    union = shapely.union_all(blocks.geometry.values)
    total = shapely.union_all(spaces.geometry.values)
    assert shapely.area(shapely.symmetric_difference(union, total)) < 1.0


def test_social_spaces_are_contiguous_and_above_the_floor(published, bloecke_dir):
    _, folder, config = published
    cells = pd.read_parquet(folder / "steps" / "zensus_cells.parquet")
    regions = pd.read_parquet(folder / "steps" / "cell_regions.parquet")
    units = pyogrio.read_dataframe(bloecke_dir / "baubloecke.gpkg", layer="baubloecke")
    shapes = units.set_index("block_id").geometry.loc[cells["cell_id"]].reset_index(drop=True)
    merged = cells.merge(regions, on="cell_id", how="left", validate="one_to_one")
    params = load_counties(config)["sample_bloecke"].parameters
    graph = build_cell_graph(cells, params, polygons=shapes)
    labels = merged["region"].to_numpy(np.int64)
    assert_valid_partition(graph, labels, cells["Einwohner"].to_numpy(float),
                           params.min_population)
    residents = np.bincount(labels, weights=cells["Einwohner"].to_numpy(float))
    assert residents.min() >= params.min_population
    spaces = pyogrio.read_dataframe(folder / "sozialraeume.gpkg", layer="sozialraeume")
    assert len(spaces) == labels.max() + 1 and (spaces["einwohner"] >= 2500).all()


def test_outputs_say_what_they_were_built_from(published):
    _, folder, _ = published
    html = (folder / "sozialraumbericht.html").read_text(encoding="utf-8")
    assert "Baublöcke" in html and "Gitterzellen (100 m), Datenlizenz" not in html
    assert "Nicht berechnete Indikatoren" in html and "haushaltsgroesse" in html
    catalog = pyogrio.read_dataframe(folder / "sozialraeume.gpkg", layer="indikatoren")
    skipped = catalog.loc[~catalog["berechnet"].astype(bool)]
    assert "haushaltsgroesse" in set(skipped["key"]) and (skipped["hinweis"] != "").all()
    assert "anteil_65plus" not in set(skipped["key"])
    cells = pyogrio.read_dataframe(folder / "sozialraeume.gpkg", layer="zellen")
    # one geometry type per layer: the units as MultiPolygons, one part each
    assert set(cells.geometry.geom_type) == {"MultiPolygon"}
    assert (cells.geometry.apply(lambda g: len(g.geoms)) == 1).all()
    assert cells["cell_id"].str.len().eq(12).all()
