"""``make run`` (``python -m tools.run``) says plainly what is wrong, without a stack trace.

Matrix: a BA table with a letter in a count stops the run at ingest with the file, line,
column and value and exit status 1; a county file with an unquoted ``ags`` is refused
before anything runs, with a hint to quote it and exit status 2; an unknown county is
named with the known ones.
"""

import os
import subprocess
import sys

import yaml

from pipeline.layout import REPO_ROOT
from tests.helpers import copy_county


def _run(tmp_path, config, county="sample"):
    (tmp_path / "dagster.yaml").write_text((REPO_ROOT / "dagster.yaml").read_text())
    env = os.environ | {"SOZIALRAUM_COUNTIES": str(config),
                        "SOZIALRAUM_PROCESSED": str(tmp_path / "processed"),
                        "DAGSTER_HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "tools.run", county], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_bad_input_stops_the_run_with_file_line_and_column(sample_dir, tmp_path):
    config, raw = copy_county(sample_dir, tmp_path)
    table = raw / "sgb2_gemeinden.csv"
    text = table.read_text(encoding="utf-8-sig")
    table.write_text(text.replace("Aldenrath;05399004;302;", "Aldenrath;05399004;3O2;"),
                     encoding="utf-8-sig")
    out = _run(tmp_path, config)
    assert out.returncode == 1
    assert (f"FAILED  municipal_sgb2: {table}, line 6, column 'Bedarfsgemeinschaften': "
            "value '3O2' is not a number") in out.stderr
    assert "Traceback" not in out.stderr and "Stack Trace" not in out.stderr
    assert "the last publication is unchanged" in out.stderr


def test_a_county_file_that_cannot_be_used_is_refused_before_anything_runs(tmp_path):
    raw = yaml.safe_load((REPO_ROOT / "counties.yaml").read_text(encoding="utf-8"))
    path = tmp_path / "counties.yaml"
    text = yaml.safe_dump(raw).replace("ags: 05399", "ags: 05314")  # YAML: the octal 2764
    assert "ags: 05314" in text
    path.write_text(text, encoding="utf-8")
    out = _run(tmp_path, path)
    assert out.returncode == 2
    assert "'ags' must be the 5-digit Kreisschlüssel in quotes" in out.stderr
    assert "Traceback" not in out.stderr


def test_an_unknown_county_is_named_with_the_known_ones(tmp_path):
    out = _run(tmp_path, REPO_ROOT / "counties.yaml", county="dueren")
    assert out.returncode == 2
    assert "no county 'dueren' in the county file; known: sample" in out.stderr
