"""Helpers shared by the tests that run the code location: county files and runs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from dagster import (
    AssetKey,
    AssetSelection,
    load_asset_checks_from_modules,
    load_assets_from_modules,
    materialize,
)

from assets import history
from assets.definitions import ASSET_MODULES, build_resources
from pipeline.layout import REPO_ROOT
from pipeline.operations import default_config_path


def county_file(tmp_path: Path, keys: list[str], replace: dict[str, Path] | None = None) -> Path:
    """A county file with the sample county under ``keys``, paths made absolute."""
    raw = yaml.safe_load((REPO_ROOT / "counties.yaml").read_text(encoding="utf-8"))
    sample = raw["counties"]["sample"]
    absolute = dict(sample)
    absolute["zensus"] = {t: str(REPO_ROOT / p) for t, p in sample["zensus"].items()}
    for role in ("vg250", "income", "sgb2", "barriers", "places", "facilities"):
        if role in sample:
            absolute[role] = str(REPO_ROOT / sample[role])
    for role, path in (replace or {}).items():
        if role.startswith("zensus:"):
            absolute["zensus"][role.split(":", 1)[1]] = str(path)
        else:
            absolute[role] = str(path)
    path = tmp_path / "counties.yaml"
    path.write_text(yaml.safe_dump({"counties": {k: absolute for k in keys}}), encoding="utf-8")
    return path


def copy_county(sample_dir: Path, tmp: Path) -> tuple[Path, Path]:
    """The sample county's inputs copied to ``tmp/raw`` and a county file pointing at them."""
    raw = tmp / "raw"
    shutil.copytree(sample_dir, raw)
    config = yaml.safe_load(default_config_path().read_text(encoding="utf-8"))
    entry = config["counties"]["sample"]
    relocate = lambda p: str(raw / p.split("/")[-1])  # noqa: E731
    entry["zensus"] = {k: relocate(v) for k, v in entry["zensus"].items()}
    for role in ("vg250", "income", "sgb2", "barriers", "places", "facilities"):
        if role in entry:
            entry[role] = relocate(entry[role])
    path = tmp / "counties.yaml"
    path.write_text(yaml.safe_dump({"default": "sample", "counties": {"sample": entry}},
                                   allow_unicode=True), encoding="utf-8")
    return path, raw


#: Run config that leaves the report's PDF out (about a second per social space; the PDF
#: has its own tests on a small publication): for runs launched through the UI in tests.
WITHOUT_PDF = {"ops": {"sozialraeume_gpkg": {"config": {"report_pdf": False}}}}


def materialize_county(
    config_path: Path | str, out: Path | str, *, partition: str = "sample", selection=None,
    checks: bool = True, with_history: bool = False, report_pdf: bool = False, **kwargs,
):
    """Materialize one county into ``out`` in process (``kwargs`` to ``materialize``).

    Every asset module with its checks; the history asset only ``with_history``. The
    report's PDF only with ``report_pdf`` (about a second per social space: its own tests
    in ``tests/publish/test_report_pdf.py`` use a small publication).
    """
    modules = [m for m in ASSET_MODULES if with_history or m is not history]
    assets = [*load_assets_from_modules(modules)]
    selected = (AssetSelection.all() if selection is None
                else AssetSelection.from_coercible(selection)).resolve(assets)
    if not report_pdf and AssetKey("sozialraeume_gpkg") in selected:
        run_config = dict(kwargs.pop("run_config", None) or {})
        ops = dict(run_config.get("ops", {}))
        publish = dict(ops.get("sozialraeume_gpkg", {}))
        publish["config"] = WITHOUT_PDF["ops"]["sozialraeume_gpkg"]["config"] | dict(
            publish.get("config", {}))
        ops["sozialraeume_gpkg"] = publish
        kwargs["run_config"] = run_config | {"ops": ops}
    definitions = list(assets)
    if checks:
        definitions += load_asset_checks_from_modules(modules)
    return materialize(definitions, selection=selection,
                       resources=build_resources(str(config_path), str(out)),
                       partition_key=partition, **kwargs)


#: An editor in another process: opens a GeoPackage read-write (optionally in WAL mode),
#: optionally starts a write, says "ready", then holds everything until told to stop.
_EDITOR = """
import sqlite3, sys
path, mode, state, table = sys.argv[1:]
con = sqlite3.connect(path, isolation_level=None)
if mode == "wal":
    con.execute("PRAGMA journal_mode=WAL")
if state == "writing":
    con.execute("BEGIN IMMEDIATE")
    con.execute(f'UPDATE "{table}" SET rowid = rowid')
print("ready", flush=True)
sys.stdin.readline()
if state == "writing":
    con.execute("COMMIT")
con.close()
"""


@contextmanager
def editor(path: Path, mode: str = "rollback", state: str = "writing",
           table: str = "gpkg_contents") -> Iterator[subprocess.Popen]:
    """Someone editing ``path`` in another process, as QGIS does, for the ``with`` block.

    ``mode`` is SQLite's journal mode (``rollback`` or ``wal``); ``state`` is ``writing``
    (a write transaction is open) or ``between-saves`` (open read-write, no transaction).
    """
    proc = subprocess.Popen([sys.executable, "-c", _EDITOR, str(path), mode, state, table],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        yield proc
    finally:
        proc.communicate("done\n", timeout=30)
    assert proc.returncode == 0


# --- the Dagster webserver's GraphQL API ---------------------------------------------

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


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    """The data of a GraphQL request to the Dagster webserver on ``port``."""
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = json.loads(response.read())
    assert "errors" not in payload, payload
    return payload["data"]


def start_ui(env: dict, log: Path) -> tuple[subprocess.Popen, int, dict]:
    """Start the UI and daemon as ``make ui`` does; the process, its port and the repository.

    Waits (up to 300 s on a loaded machine) until the webserver lists the code location;
    the process runs in a session of its own, so the caller can stop it and its children.
    """
    port = free_port()
    with open(log, "wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "tools.ui", "--host", "127.0.0.1",
                                 "--port", str(port)], cwd=REPO_ROOT, env=env, stdout=sink,
                                stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 300
    try:
        while True:
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                nodes = graphql(port, LOCATIONS)["repositoriesOrError"]["nodes"]
                if nodes:
                    return proc, port, nodes[0]
            except (OSError, AssertionError, KeyError, TypeError):
                pass
            assert time.monotonic() < deadline, "the UI did not come up: " + \
                log.read_text()[-2000:]
            time.sleep(1)
    except BaseException:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)  # tools.ui stops its children
            proc.wait(timeout=30)
        raise


#: Flags of every headless Chromium run in the tests: no network services, no GPU.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def run_chromium(binary: str, tmp_path: Path, *args: str) -> str:
    """Run headless Chromium with a profile in ``tmp_path``; its standard output."""
    run = subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                          *args], capture_output=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-2000:]
    return run.stdout.decode("utf-8")
