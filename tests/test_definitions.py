"""The Dagster code location loads, validates, and keeps the layering rules."""

import ast
import os
import subprocess
import sys
from pathlib import Path

from dagster import AssetKey

from pipeline.config import REPO_ROOT


def test_definitions_load_with_every_stage():
    from pipeline.definitions import defs

    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert {"zensus_cells", "cell_indicators", "cell_regions", "sozialraeume_gpkg"} <= keys
    groups = {
        repo.asset_graph.get(AssetKey(k)).group_name
        for k in ("zensus_cells", "cell_indicators", "cell_regions", "sozialraeume_gpkg")
    }
    assert groups == {"ingest", "indicators", "regions", "publish"}
    assert defs.resolve_job_def("sozialraum_job") is not None


def _env(tmp_path):
    """The environment with a fresh DAGSTER_HOME, as on a machine that never ran Dagster."""
    return os.environ | {"DAGSTER_HOME": str(tmp_path)}


def test_dagster_definitions_validate_passes(tmp_path):
    exe = Path(sys.executable).with_name("dagster")
    proc = subprocess.run(
        [str(exe), "definitions", "validate", "-m", "pipeline.definitions"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=_env(tmp_path),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_domain_library_never_imports_dagster_or_assets():
    offenders = []
    for path in sorted((REPO_ROOT / "pipeline").glob("*.py")):
        if path.name == "definitions.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in ("dagster", "assets")
            ]
    assert offenders == []


def test_dg_check_defs_passes(tmp_path):
    exe = Path(sys.executable).with_name("dg")
    proc = subprocess.run(
        [str(exe), "check", "defs"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=_env(tmp_path),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All definitions loaded successfully" in proc.stdout + proc.stderr
