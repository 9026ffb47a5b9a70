"""End to end through the real Dagster webserver and daemon, as the UI launches runs.

Starts the UI as ``make ui`` does (``python -m tools.ui``: webserver + daemon) on a free
loopback port with a temporary DAGSTER_HOME (the repository's dagster.yaml) and ``SOZIALRAUM_PROCESSED`` in a temporary
folder, launches ``sozialraum_job`` for the sample county through the GraphQL API with the
partition tag (what the launchpad sends), waits for success and checks the published
files, the asset checks and the history row. A second launch must change nothing: the same
``sr_id`` per cell, the same GeoPackage layers and the same GeoPackage bytes. At the end
Ctrl-C (SIGINT) must stop the webserver, the daemon and their code servers within seconds.
A port that is taken is refused before anything starts.
"""

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from dagster import DagsterEventType, DagsterInstance

from pipeline.layout import REPO_ROOT
from pipeline.operations.history import read_runs
from tools.ui import port_taken

TIMEOUT = 300

LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""
STATUS = """
query Status($runId: ID!) { runOrError(runId: $runId) { ... on Run { status } } }
"""
LOCATIONS = """
query { repositoriesOrError { ... on RepositoryConnection {
  nodes { name location { name } } } } }
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(port: int, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = json.loads(response.read())
    assert "errors" not in payload, payload
    return payload["data"]


@pytest.fixture(scope="module")
def server(sample_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("webserver")
    home, processed = tmp / "home", tmp / "processed"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    port = _free_port()
    env = os.environ | {"DAGSTER_HOME": str(home), "SOZIALRAUM_PROCESSED": str(processed),
                        "DAGSTER_DEPLOYMENT": "local", "PYTHONHASHSEED": "0"}
    log = open(tmp / "dagster-dev.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tools.ui", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp / "dagster-dev.log").read_text()[-3000:]
            try:
                nodes = _graphql(port, LOCATIONS)["repositoriesOrError"]["nodes"]
                if nodes:
                    break
            except (OSError, AssertionError, KeyError, TypeError):
                pass
            assert time.monotonic() < deadline, "the UI did not come up"
            time.sleep(1)
        yield {"port": port, "home": home, "processed": processed, "repo": nodes[0],
               "proc": proc, "log": tmp / "dagster-dev.log"}
    finally:
        if proc.poll() is None:  # the stop test did not run or failed: clean up anyway
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        for pid in _processes_of(home):
            os.kill(pid, signal.SIGKILL)
        log.close()


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


def _launch_and_wait(server: dict) -> str:
    repo = server["repo"]
    params = {
        "selector": {"repositoryLocationName": repo["location"]["name"],
                     "repositoryName": repo["name"], "jobName": "sozialraum_job"},
        # one process for all steps: the machine is small, and step isolation is not under
        # test here (the pool and the run queue are the daemon's and the webserver's part)
        "runConfigData": {"execution": {"config": {"in_process": {}}}},
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": "sample"}]},
    }
    result = _graphql(server["port"], LAUNCH, {"params": params})["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", result
    run_id = result["run"]["runId"]
    deadline = time.monotonic() + TIMEOUT
    while True:
        status = _graphql(server["port"], STATUS, {"runId": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        assert time.monotonic() < deadline, f"run {run_id} still {status}"
        time.sleep(2)
    assert status == "SUCCESS", status
    return run_id


def _snapshot(processed: Path) -> dict:
    folder = processed / "sample"
    gpkg = folder / "sozialraeume.gpkg"
    return {
        "cells": pd.read_parquet(folder / "steps" / "cell_regions.parquet"),
        "sha256": hashlib.sha256(gpkg.read_bytes()).hexdigest(),
        "layers": {name: pyogrio.read_dataframe(gpkg, layer=name)
                   for name in ("sozialraeume", "zellen")},
    }


@pytest.fixture(scope="module")
def two_runs(server):
    runs, snapshots = [], []
    for _ in range(2):
        runs.append(_launch_and_wait(server))
        snapshots.append(_snapshot(server["processed"]))
    return runs, snapshots


def test_published_files(server, two_runs):
    folder = server["processed"] / "sample"
    for name in ("sozialraeume.gpkg", "profile.csv", "sozialraeume.geojson",
                 "sozialraumbericht.html", "published/cells.parquet", "published/state.json"):
        assert (folder / name).exists(), name
    cells = two_runs[1][1]["cells"]
    assert cells["sr_id"].notna().all() and cells["cell_id"].is_unique


def test_checks_passed(server, two_runs):
    instance = DagsterInstance.from_config(str(server["home"]))
    try:
        for run_id in two_runs[0]:
            records = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
            results = {r.dagster_event.event_specific_data.check_name:
                       r.dagster_event.event_specific_data.passed for r in records}
            assert {"cells_assigned_once", "regions_within_bounds", "indicators_valid",
                    "crs_as_expected", "social_spaces_stable", "regions_are_a_valid_partition",
                    "polygons_tile_county"} <= set(results)
            assert all(results.values()), results
    finally:
        instance.dispose()


def test_history_rows(server, two_runs):
    runs = read_runs(server["processed"] / "history.duckdb", "sample")
    assert runs["run_id"].tolist() == two_runs[0]
    assert (runs["changed_share"] == 0).all() and (runs["regions"] > 0).all()


def test_second_launch_changes_nothing(two_runs):
    first, second = two_runs[1]
    assert first["sha256"] == second["sha256"]  # the publish is byte-deterministic
    pd.testing.assert_frame_equal(first["cells"], second["cells"])
    for name, layer in first["layers"].items():
        pd.testing.assert_frame_equal(layer, second["layers"][name], obj=name)


def test_ctrl_c_stops_everything_within_seconds(server, two_runs):
    """Runs after the others (it needs their ``two_runs``): SIGINT, as Ctrl-C in ``make ui``."""
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
