"""Scenarios end to end on a temporary copy of the sample county and its two scenarios.

The county is published once (every county asset and check), then its scenarios ``klein``
(the county's parameters) and ``gross`` (``min_population: 4500, nested: true``) are
materialized, one run per scenario partition (``sample.klein``, ``sample.gross``), and
then their comparison for ``sample``. The tests assert:

- each scenario wrote a styled GeoPackage and a profiles CSV into its own folder
  ``szenarien/<name>/``, switched in as one release, with IDs of its own and the scenario
  named in the metadata; its check passed;
- the county's publication (published state, IDs, GeoPackage) is byte for byte as before;
- the comparison lists both with plausible figures: ``gross`` has fewer and larger social
  spaces, none crossing a municipal border, the agreement figures are symmetric, 1 on
  the diagonal and below 1 off it; CSV for German Excel, a side-by-side PNG, a markdown
  table in the UI;
- the county's job, schedule and sensor leave the scenario assets out, and the code
  location loads (empty scenario partitions) from a county file without scenarios;
- ``python -m tools.run COUNTY --scenarios`` refuses a county without scenarios and an
  unknown option before anything runs.
"""

import hashlib
import json
import os
import subprocess
import sys
import textwrap

import pandas as pd
import pyogrio
import pytest
import yaml
from dagster import (
    AssetKey,
    AssetSelection,
    load_asset_checks_from_modules,
    load_assets_from_modules,
    materialize,
)

from assets.definitions import ASSET_MODULES, SCENARIO_MODULES, build_resources
from pipeline.layout import REPO_ROOT
from pipeline.operations.counties import load_counties
from tests.helpers import copy_county, materialize_county

SCENARIOS = ("klein", "gross")


def _materialize(config_path, out, partition, *keys):
    """Materialize ``keys`` (and their checks) for one partition with every module loaded."""
    modules = [*ASSET_MODULES, *SCENARIO_MODULES]
    return materialize(
        [*load_assets_from_modules(modules), *load_asset_checks_from_modules(modules)],
        selection=AssetSelection.assets(*keys), partition_key=partition,
        resources=build_resources(str(config_path), str(out)), raise_on_error=False)


def _digests(folder):
    """SHA-256 of every file the county publishes and of its published state."""
    paths = [folder / "sozialraeume.gpkg", folder / "profile.csv",
             *sorted((folder / "published").iterdir())]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="module")
def drawn(sample_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scenarios")
    config_path, _ = copy_county(sample_dir, tmp)
    out = tmp / "processed"
    county = materialize_county(config_path, out, raise_on_error=False)
    assert county.success
    folder = out / "sample"
    before = _digests(folder), sorted(p.name for p in (folder / "releases").iterdir())
    runs = {name: _materialize(config_path, out, f"sample.{name}", "scenario_regions",
                               "scenario_polygons") for name in SCENARIOS}
    comparison = _materialize(config_path, out, "sample", "scenario_comparison")
    return {"folder": folder, "config": config_path, "before": before, "runs": runs,
            "comparison": comparison}


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_scenario_is_written_into_its_own_folder(drawn, name):
    run = drawn["runs"][name]
    assert run.success
    assert [c.passed for c in run.get_asset_check_evaluations()] == [True]
    folder = drawn["folder"] / "szenarien" / name
    gpkg = folder / "sozialraeume.gpkg"
    assert os.readlink(gpkg) == "releases/current/sozialraeume.gpkg"
    assert (folder / "releases" / "current" / "release.json").exists()
    layers = {layer for layer, _ in pyogrio.list_layers(gpkg)}
    assert {"sozialraeume", "zellen", "metadaten", "layer_styles"} <= layers
    assert not layers & {"fixierungen", "aenderungen"}  # no locks, no change log
    spaces = pyogrio.read_dataframe(gpkg, layer="sozialraeume", read_geometry=False)
    assert spaces["sr_id"].str.fullmatch(rf"{name}-\d{{3}}").all()
    meta = pyogrio.read_dataframe(gpkg, layer="metadaten")
    meta = dict(zip(meta["schluessel"], meta["wert"], strict=True))
    params = load_counties(drawn["config"])["sample"].scenarios[name]
    assert meta["szenario"] == name
    assert json.loads(meta["parameter"])["min_population"] == params.min_population
    assert "Szenario" in pyogrio.read_info(gpkg, layer="sozialraeume")[
        "layer_metadata"]["DESCRIPTION"]
    csv = (folder / "profile.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf") and b";" in csv.splitlines()[0]
    assert len(csv.splitlines()) == len(spaces) + 1
    regions = pd.read_parquet(folder / "steps" / "scenario_regions.parquet")
    assert regions["sr_id"].nunique() == len(spaces)


def test_the_county_publication_is_untouched(drawn):
    folder = drawn["folder"]
    digests, releases = drawn["before"]
    assert _digests(folder) == digests
    assert sorted(p.name for p in (folder / "releases").iterdir()) == releases
    state = json.loads((folder / "published" / "state.json").read_text(encoding="utf-8"))
    assert not any(str(sr).startswith(SCENARIOS) for sr in state.get("names", {}))


def _comparison(drawn) -> pd.DataFrame:
    path = drawn["folder"] / "szenarien" / "vergleich.csv"
    return pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig").set_index("szenario")


def test_the_comparison_lists_both_with_plausible_figures(drawn):
    assert drawn["comparison"].success
    table = _comparison(drawn)
    order = list(load_counties(drawn["config"])["sample"].scenarios)
    assert sorted(order) == sorted(SCENARIOS)
    assert table.index.tolist() == order  # in the county file's order
    klein, gross = table.loc["klein"], table.loc["gross"]
    assert klein["parameter"] == "wie Kreis"
    assert gross["parameter"] == "min_population=4500, nested=true"
    assert 20 <= gross["sozialraeume"] < klein["sozialraeume"] <= 120
    assert klein["einwohner_min"] >= 2500 and gross["einwohner_min"] >= 4500
    assert gross["einwohner_median"] > klein["einwohner_median"]
    assert gross["einwohner_max"] <= 15000
    assert gross["ueber_gemeindegrenzen"] == 0 <= klein["ueber_gemeindegrenzen"]
    for row in (klein, gross):
        assert 0 < row["r2"] < 1 and 0 < row["kompaktheit_min"] <= row["kompaktheit_mittel"] < 1
    for kind in ("ari", "gleich"):
        assert klein[f"{kind}_klein"] == gross[f"{kind}_gross"] == pytest.approx(1.0)
        assert 0 < klein[f"{kind}_gross"] < 1
        assert klein[f"{kind}_gross"] == pytest.approx(gross[f"{kind}_klein"])
    # a coarser partition keeps at most about its share of spaces for the residents
    assert klein["gleich_gross"] <= gross["sozialraeume"] / klein["sozialraeume"] + 0.1


def test_the_comparison_has_a_map_and_a_table_for_the_ui(drawn):
    png = drawn["folder"] / "szenarien" / "vergleich.png"
    assert png.read_bytes().startswith(b"\x89PNG")
    materialization = drawn["comparison"].asset_materializations_for_node(
        "scenario_comparison")[0]
    meta = materialization.metadata
    assert "| Kennzahl" in meta["comparison"].value
    assert "Sozialräume" in meta["comparison"].value
    assert meta["map"].value.startswith("![Szenarien nebeneinander](data:image/png;base64,")
    assert meta["scenarios"].value == list(load_counties(drawn["config"])["sample"].scenarios)


def test_the_county_job_and_triggers_leave_the_scenarios_out():
    from assets.definitions import defs

    job = defs.resolve_job_def("sozialraum_job")
    keys = {k.to_user_string() for k in job.asset_layer.asset_graph.get_all_asset_keys()}
    assert "cell_regions" in keys and not keys & {"scenario_regions", "scenario_polygons",
                                                   "scenario_comparison"}
    assert defs.resolve_schedule_def("nightly_refresh").job_name == "sozialraum_job"
    assert defs.resolve_sensor_def("input_change_sensor").job_name == "sozialraum_job"
    graph = defs.resolve_asset_graph()
    assert graph.get(AssetKey("scenario_regions")).partitions_def.get_partition_keys() == \
        ["sample.klein", "sample.gross"]
    assert graph.get(AssetKey("scenario_comparison")).partitions_def.get_partition_keys() == \
        ["sample"]


_NO_SCENARIOS = textwrap.dedent("""
    import json
    from dagster import AssetKey, Definitions
    from assets.definitions import defs
    Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    print(json.dumps({
        "scenarios": graph.get(AssetKey("scenario_regions")).partitions_def.get_partition_keys(),
        "counties": defs.resolve_job_def("sozialraum_job").partitions_def.get_partition_keys(),
    }))
""")


def test_the_code_location_loads_without_scenarios(sample_dir, tmp_path):
    config, _ = copy_county(sample_dir, tmp_path)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["counties"]["sample"].pop("scenarios", None)
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = os.environ | {"SOZIALRAUM_COUNTIES": str(config), "DAGSTER_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", _NO_SCENARIOS], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"scenarios": [],
                                                               "counties": ["sample"]}


@pytest.mark.parametrize("args, message", [
    (["sample_bloecke", "--scenarios"], "county 'sample_bloecke' defines no scenarios"),
    (["sample", "--scenario"], "unknown options ['--scenario']"),
], ids=["no-scenarios", "unknown-option"])
def test_the_command_line_refuses_what_it_cannot_run(tmp_path, args, message):
    env = os.environ | {"DAGSTER_HOME": str(tmp_path),
                        "SOZIALRAUM_PROCESSED": str(tmp_path / "processed")}
    proc = subprocess.run([sys.executable, "-m", "tools.run", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr[-2000:]
    assert not (tmp_path / "processed").exists()
