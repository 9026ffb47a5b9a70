"""History database and repeated publishes.

Matrix:
- ``append_run`` / ``read_runs`` / ``read_profiles`` on a temporary DuckDB file: row
  written, JSON fields readable in SQL, a repeated run ID replaces its rows;
- three processes writing and one reading the same file at once (as parallel county runs
  would without the Dagster pool): every row lands, nobody fails on DuckDB's file lock;
- the instance from ``dagster.yaml`` limits pool ``history`` to one step at a time (the
  history asset is in that pool) and queues runs, two at a time;
- two in-process runs of the whole code location for the sample county on one instance:
  the history gets one row per run with parameters, quality, stability and profiles; the
  second run reuses the published social spaces exactly (same ``sr_id`` per cell, no resident
  changed) and every check passes both times.
"""

import multiprocessing
import uuid
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from dagster import DagsterInstance

from assets import history
from pipeline.layout import REPO_ROOT
from pipeline.operations.changes import change_log
from pipeline.operations.counties import default_config_path
from pipeline.operations.history import append_run, read_changes, read_profiles, read_runs
from pipeline.operations.published import PublishedState
from tests.helpers import materialize_county


def test_append_and_query(tmp_path):
    db = tmp_path / "history.duckdb"
    profiles = pd.DataFrame({"sr_id": ["SR-1-001", "SR-1-002"], "residents": [3000.0, 4000.0],
                             "anteil_65plus": [0.2, 0.3], "status": ["a", "b"]})
    for _ in range(2):  # the same run twice: replaced, not duplicated
        append_run(db, run_id="r1", county="k", parameters={"seed": 0, "nested": False},
                   quality={"below_min": 0}, stability={"changed_share": 0.05},
                   profiles=profiles)
    append_run(db, run_id="r2", county="k", parameters={}, quality={},
               stability={"changed_share": 0.0}, profiles=None)
    runs = read_runs(db, "k")
    assert runs["run_id"].tolist() == ["r1", "r2"]
    assert runs.loc[0, "regions"] == 2 and runs.loc[0, "residents"] == 7000.0
    long = read_profiles(db, "r1", "k")
    assert set(long["indicator"]) == {"residents", "anteil_65plus"}
    with duckdb.connect(str(db), read_only=True) as con:
        seed = con.execute(
            "SELECT json_extract(parameters, '$.seed') FROM runs WHERE run_id = ?", ["r1"]
        ).fetchone()[0]
    assert str(seed) == "0"


def _writer(db: str, county: str, n: int) -> None:
    profiles = pd.DataFrame({"sr_id": [f"SR-{i}" for i in range(40)],
                             "residents": [3000.0] * 40, "anteil_65plus": [0.2] * 40})
    for i in range(n):
        append_run(db, run_id=f"{county}-{i}", county=county, parameters={"seed": i},
                   quality={}, stability={"changed_share": 0.0}, profiles=profiles)


def _reader(db: str, n: int) -> None:
    for _ in range(n):
        if Path(db).exists():
            read_runs(db)


def test_change_log_rows_are_kept_per_run(tmp_path):
    """A publish's change log: one row per social space, replaced with its run."""
    cells = [f"c{i}" for i in range(6)]
    before = PublishedState(pd.DataFrame({
        "cell_id": cells, "region": [0, 0, 0, 1, 1, 1],
        "sr_id": ["SR-05399-001"] * 3 + ["SR-05399-002"] * 3}), "f", 2, "run-1")
    after = ["SR-05399-001"] * 2 + ["SR-05399-002"] * 4
    log = change_log(cells, [10.0] * 6, after, before,
                     reasons={"SR-05399-001": "Fixierung 'Schule'"})
    db = tmp_path / "history.duckdb"
    for _ in range(2):  # written twice: replaced, not doubled
        append_run(db, run_id="run-2", county="sample", parameters={}, quality={},
                   stability={"changed_share": 1 / 6}, profiles=None, changes=log)
    stored = read_changes(db, "run-2", "sample").set_index("sr_id")
    assert len(stored) == 2
    assert stored.loc["SR-05399-001", "aenderung"] == "Grenze verschoben"
    assert stored.loc["SR-05399-001", "einwohner_abgegeben"] == 10
    assert stored.loc["SR-05399-002", "von"] == "SR-05399-001"
    assert stored.loc["SR-05399-001", "grund"] == "Fixierung 'Schule'"
    assert read_changes(db, "run-1", "sample").empty


def test_parallel_writers_never_collide(tmp_path):
    db = str(tmp_path / "history.duckdb")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(db, county, 12)) for county in ("a", "b", "c")]
    procs.append(ctx.Process(target=_reader, args=(db, 30)))
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    runs = read_runs(db)
    assert sorted(runs["run_id"]) == sorted(f"{c}-{i}" for c in "abc" for i in range(12))
    with duckdb.connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM profiles").fetchone()[0] == 36 * 40 * 2


def test_history_pool_admits_one_step_at_a_time(tmp_path):
    """Two county runs reach the history step together: the second step waits for a slot."""
    from dagster._core.execution.plan.instance_concurrency_context import (
        InstanceConcurrencyContext,
    )
    from dagster._core.storage.dagster_run import DagsterRun

    assert history.sozialraum_history.op.pool == "history"
    home = tmp_path / "home"
    home.mkdir()
    settings = yaml.safe_load((REPO_ROOT / "dagster.yaml").read_text())
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings))
    step = "sozialraum_history"
    with DagsterInstance.from_config(str(home)) as instance:
        runs = [DagsterRun(job_name="sozialraum_job", run_id=str(uuid.uuid4()))
                for _ in range(2)]
        with InstanceConcurrencyContext(instance, runs[0]) as first, \
                InstanceConcurrencyContext(instance, runs[1]) as second:
            assert first.claim("history", step)
            assert not second.claim("history", step)  # blocked while the first one writes
            first.free_step(step)
            claim = instance.event_log_storage.claim_concurrency_slot(
                "history", runs[1].run_id, step)
            assert claim.is_claimed  # and admitted once it is done


def test_instance_queues_county_runs_two_at_a_time(tmp_path):
    """Several counties run in parallel, at most ``max_concurrent_runs`` (2) at a time."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        (REPO_ROOT / "dagster.yaml").read_text(encoding="utf-8"))
    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        config = instance.get_concurrency_config()
        assert config.run_queue_config.max_concurrent_runs == 2
        assert config.pool_config.default_pool_limit == 1


@pytest.fixture(scope="module")
def two_runs(sample_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("history")
    results, frames = [], []
    with DagsterInstance.ephemeral() as instance:
        for _ in range(2):
            results.append(materialize_county(default_config_path(), out, with_history=True,
                                              instance=instance))
            frames.append(pd.read_parquet(out / "sample" / "steps" / "cell_regions.parquet"))
    return results, frames, out


def test_both_runs_pass_every_check(two_runs):
    results, _, _ = two_runs
    for result in results:
        assert result.success
        failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
        assert failed == []


def test_history_has_one_row_per_run(two_runs):
    results, _, out = two_runs
    runs = read_runs(out / "history.duckdb", "sample")
    assert runs["run_id"].tolist() == [r.run_id for r in results]
    assert (runs["regions"] > 0).all() and (runs["changed_share"] == 0).all()
    with duckdb.connect(str(out / "history.duckdb"), read_only=True) as con:
        n, below = con.execute(
            "SELECT count(*), max(CAST(json_extract(quality, '$.below_min') AS DOUBLE)) "
            "FROM runs").fetchone()
        profile_ids = con.execute(
            "SELECT count(DISTINCT sr_id) FROM profiles WHERE run_id = ?",
            [results[1].run_id]).fetchone()[0]
    assert n == 2 and below == 0
    assert profile_ids == runs["regions"].iloc[-1]


def test_second_run_reproduces_the_first(two_runs):
    results, frames, _ = two_runs
    pd.testing.assert_frame_equal(frames[0], frames[1])
    meta = results[1].asset_materializations_for_node("cell_regions")[0].metadata
    assert meta["reused_published"].value is True
    assert meta["stability/changed_share"].value == 0.0
    assert meta["stability/new"].value == 0


def test_one_social_index_under_one_name_everywhere(two_runs):
    """The same ``social_index`` in the GeoPackage, the CSV, the history, the report, the UI."""
    import re

    import numpy as np
    import pyogrio

    results, _, out = two_runs
    folder = out / "sample"
    gpkg = folder / "sozialraeume.gpkg"
    layer = pyogrio.read_dataframe(gpkg, layer="sozialraeume", read_geometry=False)
    index = layer.set_index("sr_id")["social_index"]
    assert index.notna().all() and index.std(ddof=0) == pytest.approx(1.0)
    for name in ("sozialraeume", "sozialraeume_status", "sozialraeume_typen"):
        frame = pyogrio.read_dataframe(gpkg, layer=name, read_geometry=False).set_index("sr_id")
        assert "social_index_z" not in frame.columns, name
        np.testing.assert_array_equal(frame["social_index"].reindex(index.index), index)
    csv = pd.read_csv(folder / "profile.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert "social_index_z" not in csv.columns
    np.testing.assert_allclose(csv.set_index("sr_id")["social_index"].reindex(index.index),
                               index, rtol=1e-5, atol=1e-6)
    long = read_profiles(out / "history.duckdb", results[1].run_id, "sample")
    assert "social_index_z" not in set(long["indicator"])
    stored = long[long["indicator"] == "social_index"].set_index("sr_id")["value"]
    np.testing.assert_allclose(stored.reindex(index.index), index, rtol=1e-12)
    report = (folder / "sozialraumbericht.html").read_text(encoding="utf-8")
    assert "social_index_z" not in report
    heads = re.findall(r'<th data-col="([^"]+)"', report)
    col = heads.index("social_index")
    for sr_id, value in index.items():
        row = re.search(rf'<tr id="row-{sr_id}">(.*?)</tr>', report).group(1)
        shown = re.findall(r'data-v="([^"]*)"', row)[col]
        assert float(shown) == pytest.approx(value, rel=1e-12), sr_id
        section = report[report.index(f'<section class="sr" id="{sr_id}">'):]
        shown = f"{value:+.2f}"  # German, signed, but no sign on what rounds to zero
        shown = (shown[1:] if float(shown) == 0 else shown).replace(".", ",").replace("-", "\u2212")
        assert f"<td>Sozialindex</td><td>{shown}</td>" in section[:section.index("</section>")]
    meta = results[1].asset_materializations_for_node("region_profiles")[0].metadata
    lines = {line.split("|")[1].strip(): line for line in meta["preview"].value.splitlines()
             if line.startswith("| SR-")}
    assert lines and "social_index_z" not in meta["preview"].value
    for sr_id, line in lines.items():
        assert f"{index[sr_id]:.3f}" in line, sr_id
