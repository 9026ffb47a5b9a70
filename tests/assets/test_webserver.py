"""End to end through the real Dagster webserver and daemon, as the UI launches runs.

Starts the UI as ``make ui`` does (``python -m tools.ui``: webserver + daemon) on a free
loopback port with a temporary DAGSTER_HOME (the repository's dagster.yaml, with run
monitoring polling every 2 s and no automatic retries, so the test sees each run alone) and
``SOZIALRAUM_PROCESSED`` in a temporary folder, and launches ``sozialraum_job`` for the
sample county through the GraphQL API with the partition tag (what the launchpad sends):

- two runs at once with different floors: the second waits in the queue until the first
  has finished, each computes and publishes its own (the history rows and the published
  GeoPackage follow them in order), and every check passes;
- a run killed with SIGKILL while it publishes: run monitoring marks it failed, the last
  publication stays whole and current, the history gets no row, and the next run starts
  and publishes (the same bytes as the run before it with the same parameters);
- Ctrl-C (SIGINT) stops the webserver, the daemon and their code servers within seconds;
  a port that is taken is refused before anything starts.
"""

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import yaml
from dagster import DagsterEventType, DagsterInstance

from assets.launcher import run_worker_pid
from pipeline.layout import REPO_ROOT, CountyLayout
from pipeline.operations.history import read_runs
from pipeline.publish import current_release
from tests.helpers import LAUNCH, STATUS, WITHOUT_PDF, free_port, graphql, start_ui
from tools.ui import port_taken

TIMEOUT = 300


@pytest.fixture(scope="module")
def server(sample_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("webserver")
    home, processed = tmp / "home", tmp / "processed"
    home.mkdir()
    settings = yaml.safe_load((REPO_ROOT / "dagster.yaml").read_text(encoding="utf-8"))
    settings["run_monitoring"]["poll_interval_seconds"] = 2
    settings["run_retries"]["enabled"] = False
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    env = os.environ | {"DAGSTER_HOME": str(home), "SOZIALRAUM_PROCESSED": str(processed),
                        "DAGSTER_DEPLOYMENT": "local", "PYTHONHASHSEED": "0"}
    proc, port, repo = start_ui(env, tmp / "dagster-dev.log")
    try:
        yield {"port": port, "home": home, "processed": processed, "repo": repo,
               "proc": proc, "log": tmp / "dagster-dev.log"}
    finally:
        if proc.poll() is None:  # the stop test did not run or failed: clean up anyway
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        for pid in _processes_of(home):
            os.kill(pid, signal.SIGKILL)


def _processes_of(home: Path) -> list[int]:
    """PIDs of the processes started with this DAGSTER_HOME (the UI's children)."""
    marker = f"DAGSTER_HOME={home}".encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


def _launch(server: dict, min_population: int | None = None) -> str:
    repo = server["repo"]
    ops = dict(WITHOUT_PDF["ops"])  # the report's PDF has its own tests
    if min_population:
        ops["cell_regions"] = {"config": {"min_population": min_population}}
    params = {
        "selector": {"repositoryLocationName": repo["location"]["name"],
                     "repositoryName": repo["name"], "jobName": "sozialraum_job"},
        "runConfigData": {"ops": ops},
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": "sample"}]},
    }
    result = graphql(server["port"], LAUNCH, {"params": params})["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", result
    return result["run"]["runId"]


def _wait(server: dict, run_id: str) -> str:
    deadline = time.monotonic() + TIMEOUT
    while True:
        status = graphql(server["port"], STATUS, {"runId": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            return status
        assert time.monotonic() < deadline, f"run {run_id} still {status}"
        time.sleep(1)


def _snapshot(processed: Path) -> dict:
    folder = processed / "sample"
    return {
        "sha256": {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
                   for name in PUBLISHED},
        "current": current_release(CountyLayout(processed, "sample")),
    }


PUBLISHED = ("sozialraeume.gpkg", "profile.csv", "sozialraeume.geojson",
             "sozialraumbericht.html", "published/cells.parquet", "published/state.json")


@pytest.fixture(scope="module")
def queued(server):
    """Two runs launched at once: a floor of 4,000, then the county's default of 2,500."""
    first = _launch(server, min_population=4000)
    second = _launch(server)
    statuses = [_wait(server, first), _wait(server, second)]
    return [first, second], statuses, _snapshot(server["processed"])


def _instance(server):
    return DagsterInstance.from_config(str(server["home"]))


def test_the_second_run_of_a_county_waits_for_the_first(server, queued):
    (first, second), statuses, _ = queued
    assert statuses == ["SUCCESS", "SUCCESS"]
    instance = _instance(server)
    try:
        one, two = (instance.get_run_record_by_id(r) for r in (first, second))
        assert two.start_time >= one.end_time  # queued behind it, not beside it
    finally:
        instance.dispose()


def test_each_run_publishes_its_own_in_order(server, queued):
    (first, second), _, snapshot = queued
    processed = server["processed"]
    runs = read_runs(processed / "history.duckdb", "sample").set_index("run_id")
    assert runs.index.tolist() == [first, second]
    layout = CountyLayout(processed, "sample")
    for run_id, floor in ((first, 4000), (second, 2500)):
        own = pd.read_parquet(layout.run_step(run_id, "cell_regions"))
        assert json.loads(runs.loc[run_id, "parameters"])["min_population"] == floor
        assert runs.loc[run_id, "regions"] == own["region"].nunique()
    residents = pd.read_parquet(layout.run_step(first, "zensus_cells"))[["cell_id", "Einwohner"]]
    smallest = (pd.read_parquet(layout.run_step(first, "cell_regions")).merge(residents)
                .groupby("region")["Einwohner"].sum().min())
    assert smallest >= 4000  # the first run drew with its own floor, not the other's
    assert snapshot["current"] == second
    gpkg = processed / "sample" / "sozialraeume.gpkg"
    assert pyogrio.read_info(gpkg, layer="sozialraeume")["features"] == runs.loc[second, "regions"]
    for name in PUBLISHED:
        assert (processed / "sample" / name).exists(), name


def test_checks_passed(server, queued):
    instance = _instance(server)
    try:
        for run_id in queued[0]:
            records = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
            results = {r.dagster_event.event_specific_data.check_name:
                       r.dagster_event.event_specific_data.passed for r in records}
            assert {"cells_assigned_once", "regions_within_bounds", "indicators_valid",
                    "crs_as_expected", "social_spaces_stable", "regions_are_a_valid_partition",
                    "polygons_tile_county"} <= set(results)
            assert all(results.values()), results
    finally:
        instance.dispose()


@pytest.fixture(scope="module")
def killed(server, queued):
    """A run from the command line killed while it publishes, then the next queued run.

    Such a run has no code server watching it: without run monitoring it would stay
    STARTED for good and hold a place in the run queue.
    """
    env = os.environ | {"DAGSTER_HOME": str(server["home"]),
                        "SOZIALRAUM_PROCESSED": str(server["processed"])}
    cli = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster"), "asset", "materialize", "-m",
         "assets.definitions", "--select", "not group:scenarios", "--partition", "sample"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    instance = _instance(server)
    try:
        deadline = time.monotonic() + TIMEOUT
        run_id = None
        while run_id is None or not any(
                r.dagster_event.step_key == "sozialraeume_gpkg"
                for r in instance.all_logs(run_id, of_type=DagsterEventType.STEP_START)):
            assert cli.poll() is None and time.monotonic() < deadline, "no publish to kill"
            runs = instance.get_runs(limit=1)
            run_id = runs[0].run_id if runs and runs[0].run_id not in queued[0] else None
            time.sleep(0.5)
        time.sleep(1.0)  # in the middle of writing the release
        assert run_worker_pid(instance, run_id) == cli.pid
        os.kill(cli.pid, signal.SIGKILL)  # by PID only
        cli.wait(timeout=30)
        status = _wait(server, run_id)  # run monitoring must notice
        message = " ".join(r.dagster_event.message or "" for r in instance.all_logs(run_id)
                           if r.dagster_event is not None)
    finally:
        instance.dispose()
    after_kill = _snapshot(server["processed"])
    following = _launch(server)
    return run_id, status, message, after_kill, following, _wait(server, following)


def test_a_killed_run_is_marked_failed_and_the_publication_stays_whole(server, queued, killed):
    run_id, status, message, after_kill, *_ = killed
    assert status == "FAILURE"
    assert f"the run's process {killed_pid(message)} is gone" in message
    assert after_kill == queued[2]  # every published file as before, the same release current
    runs = read_runs(server["processed"] / "history.duckdb", "sample")
    assert run_id not in set(runs["run_id"])


def killed_pid(message: str) -> str:
    """The PID run monitoring names in its message."""
    return message.split("the run's process ", 1)[1].split(" ", 1)[0] if \
        "the run's process " in message else "?"


def test_the_next_run_starts_and_publishes(server, queued, killed):
    *_, following, status = killed
    assert status == "SUCCESS"
    snapshot = _snapshot(server["processed"])
    assert snapshot["current"] == following
    # the same inputs and parameters as the run before the kill: the same bytes (the state
    # names the run that published it)
    same = {k: v for k, v in snapshot["sha256"].items() if k != "published/state.json"}
    assert same == {k: v for k, v in queued[2]["sha256"].items() if k in same}
    runs = read_runs(server["processed"] / "history.duckdb", "sample")
    assert runs["run_id"].tolist()[-1] == following


def test_ctrl_c_stops_everything_within_seconds(server, killed):
    """Runs after the others (it needs their runs): SIGINT, as Ctrl-C in ``make ui``."""
    proc = server["proc"]
    assert proc.poll() is None
    started = time.monotonic()
    os.kill(proc.pid, signal.SIGINT)
    proc.wait(timeout=20)
    assert time.monotonic() - started < 10, "the UI took more than 10 s to stop"
    assert proc.returncode == 0, server["log"].read_text()[-2000:]
    time.sleep(0.5)
    assert _processes_of(server["home"]) == []
    assert not port_taken("127.0.0.1", server["port"])


def test_a_taken_port_is_refused_at_once(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        env = os.environ | {"DAGSTER_HOME": str(tmp_path)}
        out = subprocess.run([sys.executable, "-m", "tools.ui", "--port", str(port)], env=env,
                             cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in out.stderr
    assert f"make ui PORT={port + 1}" in out.stderr


def test_a_county_file_that_cannot_be_used_is_refused_at_once(tmp_path):
    path = tmp_path / "counties.yaml"
    path.write_text("counties:\n  x:\n    name: X\n    ags: 05314\n", encoding="utf-8")
    env = os.environ | {"DAGSTER_HOME": str(tmp_path), "SOZIALRAUM_COUNTIES": str(path)}
    out = subprocess.run([sys.executable, "-m", "tools.ui", "--port", str(free_port())],
                         env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "the county file cannot be used" in out.stderr and "Traceback" not in out.stderr
