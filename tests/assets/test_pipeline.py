"""End to end: a counties file with three counties, two of them run from raw files to the GeoPackage.

A fresh interpreter loads the code location with a counties file of three counties (the
sample, a copy of it under another key, and a third that is not run), so every county is
a partition and every check with extra inputs must read its own county's files. It
materializes every asset and check for ``sample`` and for the copy into a temporary folder;
the tests then assert the partition properties on what was written: every populated cell in
exactly one region, every region contiguous and at or above the floor, every check passed,
and the copy, which has the same inputs, published the same bytes in its own folder.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import yaml

from pipeline.layout import REPO_ROOT
from pipeline.operations.counties import load_counties
from pipeline.regionalization.cell_regions import build_cell_graph
from pipeline.testing import assert_valid_partition
from tests.helpers import county_file

COUNTIES = ["sample", "kopie", "dritter_kreis"]
RUN = ["sample", "kopie"]

_SCRIPT = textwrap.dedent("""
    import json, os, sys
    from dagster import DagsterInstance
    from tests.helpers import materialize_county
    report = {}
    with DagsterInstance.ephemeral() as instance:
        for county in sys.argv[2:]:
            result = materialize_county(os.environ["SOZIALRAUM_COUNTIES"], sys.argv[1],
                                        partition=county, with_history=True,
                                        instance=instance, raise_on_error=False)
            checks = result.get_asset_check_evaluations()
            report[county] = {
                "success": result.success,
                "checks": len(checks),
                "failed": [e.check_name for e in checks if not e.passed],
                "errors": [str(e.event_specific_data.error)[:2000] for e in result.all_events
                           if e.event_type_value == "STEP_FAILURE"],
                "steps": [m.metadata["step_seconds"].value for m in
                          (e.event_specific_data.materialization
                           for e in result.get_asset_materialization_events())
                          if m.asset_key.path == ["sozialraum_history"]],
            }
    print(json.dumps(report))
""")


def _checks() -> int:
    """Number of asset checks the code location defines."""
    from dagster import load_asset_checks_from_modules

    from assets.definitions import ASSET_MODULES

    return sum(len(list(c.check_keys)) for c in load_asset_checks_from_modules(ASSET_MODULES))


@pytest.fixture(scope="module")
def runs(sample_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("counties")
    config = county_file(tmp, COUNTIES)
    # the copy reads the same content from another folder, with other modification times
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    for path in sample_dir.iterdir():
        if path.is_file() and not path.name.startswith("."):
            shutil.copy(path, elsewhere / path.name)
            os.utime(elsewhere / path.name, (1e9, 1e9))
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    copy = raw["counties"]["kopie"]
    copy["zensus"] = {t: str(elsewhere / Path(p).name) for t, p in copy["zensus"].items()}
    for role in ("vg250", "income", "sgb2", "barriers", "places"):
        if role in copy:
            copy[role] = str(elsewhere / Path(copy[role]).name)
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    out = tmp / "processed"
    env = os.environ | {"SOZIALRAUM_COUNTIES": str(config), "DAGSTER_HOME": str(tmp)}
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, str(out), *RUN], env=env,
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), out


def test_every_asset_and_check_passes_for_each_county(runs):
    report, _ = runs
    assert sorted(report) == sorted(RUN)
    for county, run in report.items():
        assert run["success"], (county, run["errors"])
        assert run["checks"] == _checks() and run["failed"] == [], (county, run["failed"])


def test_the_run_reports_the_time_of_every_step(runs):
    """The last step lists every earlier step of the run with its seconds, slowest first."""
    report, _ = runs
    for county, run in report.items():
        (table,) = run["steps"]
        rows = [line.strip("|").split("|") for line in table.splitlines()[2:]]
        seconds = {key.strip(): float(value) for key, value in rows}
        assert {"zensus_cells", "cell_regions", "sozialraeume_gpkg"} <= set(seconds), county
        assert all(v >= 0 for v in seconds.values())
        assert list(seconds.values()) == sorted(seconds.values(), reverse=True)
        assert seconds["cell_regions"] > 0


def test_regions_are_a_real_partition(runs):
    _, out = runs
    folder = out / "sample"
    cells = pd.read_parquet(folder / "steps" / "zensus_cells.parquet")
    regions = pd.read_parquet(folder / "steps" / "cell_regions.parquet")
    assert 270_000 <= cells["Einwohner"].sum() <= 280_000
    assert cells["cell_id"].is_unique and (cells["Einwohner"] > 0).all()
    merged = cells.merge(regions, on="cell_id", how="left", validate="one_to_one")
    assert merged["region"].notna().all()
    params = load_counties()["sample"].parameters
    graph = build_cell_graph(cells, params)
    assert_valid_partition(
        graph, merged["region"].to_numpy(np.int64), cells["Einwohner"].to_numpy(float),
        params.min_population,
    )
    n = merged["region"].nunique()
    assert 20 <= n <= 110, n


def test_geopackage_is_published(runs):
    _, out = runs
    folder = out / "sample"
    path = folder / "sozialraeume.gpkg"
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert {"sozialraeume", "zellen", "gemeinden", "kreis"} <= layers
    info = pyogrio.read_info(path, layer="sozialraeume")
    assert info["crs"] == "EPSG:25832"
    regions = pd.read_parquet(folder / "steps" / "cell_regions.parquet")
    assert info["features"] == regions["region"].nunique()
    assert pyogrio.read_info(path, layer="gemeinden")["features"] == 15


def test_published_social_spaces_tile_the_county(runs):
    import shapely

    _, out = runs
    path = out / "sample" / "sozialraeume.gpkg"
    polys = pyogrio.read_dataframe(path, layer="sozialraeume")
    county = pyogrio.read_dataframe(path, layer="kreis").geometry.union_all()
    assert shapely.is_valid(polys.geometry.values).all()
    assert shapely.area(shapely.symmetric_difference(polys.geometry.union_all(), county)) < 1.0
    assert polys["name"].is_unique
    assert (out / "sample" / "sozialraumbericht.html").stat().st_size > 0


def test_each_county_publishes_in_its_own_folder(runs):
    """The copy has the sample's content elsewhere, with other times: the same bytes.

    Nothing published or stored between the steps names an absolute path or a file time.
    """
    _, out = runs
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(RUN)
    for name in ("sozialraeume.gpkg", "profile.csv", "sozialraeume.geojson",
                 "sozialraumbericht.html"):
        assert (out / "kopie" / name).read_bytes() == (out / "sample" / name).read_bytes(), name
    for step in (out / "kopie" / "steps").glob("*.parquet"):
        data = step.read_bytes()
        assert str(out.parent).encode() not in data, step.name  # relative names only
        assert str(REPO_ROOT).encode() not in data, step.name
    import duckdb

    with duckdb.connect(str(out / "history.duckdb"), read_only=True) as con:
        counties = con.execute("SELECT county FROM runs ORDER BY published_at").fetchall()
    assert [c for (c,) in counties] == RUN
