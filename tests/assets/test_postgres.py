"""Past one machine, for real: the instance on PostgreSQL, three county runs at once.

Starts a PostgreSQL server from Debian's packages (``make test`` installs them where it can;
the test is skipped, saying why, where there is no server binary or no ``dagster-postgres``)
in a temporary folder on a free port, writes the instance file the README documents
(``storage: postgres`` with ``DAGSTER_PG_*`` from the environment, the repository's queue,
limits and run monitoring), starts the UI and daemon on it as ``make ui`` does, and
launches runs for three counties of one counties file at once through the GraphQL API.
The queue starts at most two at a time; every run succeeds, every county publishes, and
the history has one row per county with its own run.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from pipeline.layout import REPO_ROOT
from pipeline.operations.history import read_runs
from tests.helpers import LAUNCH, STATUS, WITHOUT_PDF, county_file, free_port, graphql, start_ui

pytest.importorskip("dagster_postgres", reason="install the dev extra: pip install -e .[dev]")

COUNTIES = ["sample", "kopie", "dritter_kreis"]
TIMEOUT = 600


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(versions[-1]) if versions else None


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run as the ``postgres`` user then."""
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL")
    return [runuser, "-u", "postgres", "--", *command]


@pytest.fixture(scope="module")
def postgres():
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL is not installed (make test installs Debian's postgresql "
                    "where it can: apt-get install -y postgresql)")
    # outside pytest's private temporary folder, which the postgres user may not enter
    tmp = Path(tempfile.mkdtemp(prefix="sozialraum_pg_"))
    data, sockets = tmp / "data", tmp / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    subprocess.run(_as_postgres([initdb, "-D", str(data), "-U", "dagster", "--auth=trust",
                                 "-E", "UTF8"]), check=True, capture_output=True)
    subprocess.run(_as_postgres([
        pg_ctl, "-D", str(data), "-l", str(tmp / "server.log"), "-w", "-o",
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1"]) + ["start"],
        check=True, capture_output=True)
    try:
        import psycopg2

        con = psycopg2.connect(host="127.0.0.1", port=port, user="dagster", dbname="postgres")
        con.autocommit = True  # CREATE DATABASE runs outside a transaction
        con.cursor().execute("CREATE DATABASE dagster")
        con.close()
        yield {"port": port}
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def ui(postgres, sample_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pg_ui")
    home, processed = tmp / "home", tmp / "processed"
    home.mkdir()
    settings = yaml.safe_load((REPO_ROOT / "dagster.yaml").read_text(encoding="utf-8"))
    settings["run_retries"]["enabled"] = False
    settings["storage"] = {"postgres": {"postgres_db": {  # as in README.md
        "hostname": {"env": "DAGSTER_PG_HOST"}, "username": {"env": "DAGSTER_PG_USER"},
        "password": {"env": "DAGSTER_PG_PASSWORD"}, "db_name": "dagster",
        "port": postgres["port"], "scheme": "postgresql+psycopg2"}}}
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    config = county_file(tmp, COUNTIES)
    env = os.environ | {"DAGSTER_HOME": str(home), "SOZIALRAUM_PROCESSED": str(processed),
                        "SOZIALRAUM_COUNTIES": str(config), "DAGSTER_PG_HOST": "127.0.0.1",
                        "DAGSTER_PG_USER": "dagster", "DAGSTER_PG_PASSWORD": ""}
    proc, port, repo = start_ui(env, tmp / "ui.log")
    try:
        yield {"port": port, "repo": repo, "processed": processed, "home": home,
               "env": env}
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def three_runs(ui):
    repo = ui["repo"]
    runs = {}
    for county in COUNTIES:
        params = {
            "selector": {"repositoryLocationName": repo["location"]["name"],
                         "repositoryName": repo["name"], "jobName": "sozialraum_job"},
            "runConfigData": WITHOUT_PDF,  # the report's PDF has its own tests
            "executionMetadata": {"tags": [{"key": "dagster/partition", "value": county}]},
        }
        result = graphql(ui["port"], LAUNCH, {"params": params})["launchRun"]
        assert result["__typename"] == "LaunchRunSuccess", result
        runs[county] = result["run"]["runId"]
    statuses, deadline = {}, time.monotonic() + TIMEOUT
    while len(statuses) < len(runs):
        for county, run_id in runs.items():
            status = graphql(ui["port"], STATUS, {"runId": run_id})["runOrError"]["status"]
            if status in ("SUCCESS", "FAILURE", "CANCELED"):
                statuses[county] = status
        assert time.monotonic() < deadline, f"runs still going: {statuses}"
        time.sleep(2)
    return runs, statuses


def test_three_counties_run_under_the_queue_two_at_a_time(ui, three_runs):
    runs, statuses = three_runs
    assert statuses == {county: "SUCCESS" for county in COUNTIES}
    from dagster import DagsterInstance

    os.environ.update({k: ui["env"][k] for k in ("DAGSTER_PG_HOST", "DAGSTER_PG_USER",
                                                  "DAGSTER_PG_PASSWORD")})
    instance = DagsterInstance.from_config(str(ui["home"]))
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        records = [instance.get_run_record_by_id(r) for r in runs.values()]
    finally:
        instance.dispose()
    spans = [(r.start_time, r.end_time) for r in records]
    overlapping = max(sum(s <= t < e for s, e in spans) for t, _ in spans)
    assert overlapping <= 2  # max_concurrent_runs in dagster.yaml


def test_each_county_publishes_and_the_history_is_right(ui, three_runs):
    runs, _ = three_runs
    processed = ui["processed"]
    history = read_runs(processed / "history.duckdb")
    assert sorted(zip(history["county"], history["run_id"], strict=True)) == sorted(
        runs.items())
    for county in COUNTIES:
        assert (processed / county / "sozialraeume.gpkg").exists(), county
