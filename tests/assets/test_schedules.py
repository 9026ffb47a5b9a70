"""Nightly schedule and input-change sensor.

Matrix:
- schedule, two configured counties (fresh interpreter with ``SOZIALRAUM_COUNTIES``):
  one run request per county, each with its own partition key, cron 02:00 Europe/Berlin,
  running by default;
- deployment switch: ``DAGSTER_DEPLOYMENT=kubernetes`` loads with ``SOZIALRAUM_PROCESSED``
  and is refused without it; an unknown deployment is refused by name;
- sensor over a temporary copy of an input: first tick records hashes only, an unchanged
  tick and a touched-but-identical file start nothing, changed content starts one run for
  the county.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from dagster import DagsterInstance, SkipReason, build_sensor_context

from pipeline.layout import REPO_ROOT
from tests.helpers import county_file

_SCHEDULE_SCRIPT = textwrap.dedent("""
    import json
    from dagster import DagsterInstance, build_schedule_context
    from datetime import datetime
    from zoneinfo import ZoneInfo
    from assets.definitions import defs
    schedule = defs.resolve_schedule_def("nightly_refresh")
    when = datetime(2026, 3, 2, 2, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(
            instance=instance, scheduled_execution_time=when,
            repository_def=defs.get_repository_def())
        data = schedule.evaluate_tick(context)
    print(json.dumps({
        "cron": schedule.cron_schedule, "tz": schedule.execution_timezone,
        "status": str(schedule.default_status),
        "requests": [{"partition": r.partition_key, "run_key": r.run_key}
                     for r in data.run_requests],
    }))
""")


def test_schedule_requests_one_run_per_county(sample_dir, tmp_path):
    config = county_file(tmp_path, ["sample", "zweiter_kreis"])
    env = os.environ | {"SOZIALRAUM_COUNTIES": str(config), "DAGSTER_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", _SCHEDULE_SCRIPT], env=env, cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["cron"] == "0 2 * * *"
    assert result["tz"] == "Europe/Berlin"
    assert "RUNNING" in result["status"]
    partitions = [r["partition"] for r in result["requests"]]
    assert sorted(partitions) == ["sample", "zweiter_kreis"]
    assert len({r["run_key"] for r in result["requests"]}) == 2


@pytest.fixture()
def sensor_setup(sample_dir, tmp_path, monkeypatch):
    copy = tmp_path / "Zensus2022_Bevoelkerungszahl.zip"
    shutil.copy2(sample_dir / "Zensus2022_Bevoelkerungszahl.zip", copy)
    config = county_file(tmp_path, ["sample"], {"zensus:Bevoelkerungszahl": copy})
    monkeypatch.setenv("SOZIALRAUM_COUNTIES", str(config))
    from assets.definitions import defs

    return defs.resolve_sensor_def("input_change_sensor"), copy


def _tick(sensor, instance, cursor):
    context = build_sensor_context(instance=instance, cursor=cursor)
    result = sensor(context)
    if isinstance(result, SkipReason):
        return [], context.cursor
    return list(result.run_requests or []), result.cursor


def test_sensor_starts_refresh_on_content_change(sensor_setup):
    sensor, copy = sensor_setup
    with DagsterInstance.ephemeral() as instance:
        requests, cursor = _tick(sensor, instance, None)
        assert requests == [] and "sample" in json.loads(cursor)
        requests, cursor = _tick(sensor, instance, cursor)
        assert requests == []
        # touched, same content: the hash decides, nothing starts
        os.utime(copy, ns=(copy.stat().st_atime_ns, copy.stat().st_mtime_ns + 10**9))
        requests, cursor = _tick(sensor, instance, cursor)
        assert requests == []
        with open(copy, "ab") as handle:
            handle.write(b"\0")
        requests, cursor = _tick(sensor, instance, cursor)
        assert [r.partition_key for r in requests] == ["sample"]
        assert requests[0].tags["sozialraum/trigger"] == "input_change"
        requests, _ = _tick(sensor, instance, cursor)
        assert requests == []


_DEPLOY_SCRIPT = textwrap.dedent("""
    import assets.definitions as d
    print(sorted(d.DEPLOYMENTS))
""")


@pytest.mark.parametrize(
    ("deployment", "processed", "ok"),
    [("kubernetes", "/srv/processed", True), ("kubernetes", None, False),
     ("cloud", None, False)],
    ids=["kubernetes", "kubernetes-without-volume", "unknown"],
)
def test_deployment_switch(deployment, processed, ok, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SOZIALRAUM_PROCESSED"}
    env |= {"DAGSTER_DEPLOYMENT": deployment, "DAGSTER_HOME": str(tmp_path)}
    if processed:
        env["SOZIALRAUM_PROCESSED"] = processed
    out = subprocess.run([sys.executable, "-c", _DEPLOY_SCRIPT], env=env, cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=300)
    assert (out.returncode == 0) == ok, out.stderr[-2000:]
    if not ok:
        assert "DAGSTER_DEPLOYMENT" in out.stderr
