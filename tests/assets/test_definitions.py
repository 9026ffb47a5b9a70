"""The Dagster code location loads, validates, and keeps the layering rules."""

import ast
import os
import subprocess
import sys
from pathlib import Path

from dagster import AssetKey

from pipeline.layout import REPO_ROOT


def test_definitions_load_with_every_stage():
    from assets.definitions import defs

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


def _cli(tmp_path, command: str, *args: str) -> subprocess.CompletedProcess:
    """Run a Dagster command line of the venv in the repository; fails the test on an error."""
    exe = Path(sys.executable).with_name(command)
    proc = subprocess.run([str(exe), *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=300, env=_env(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_dagster_definitions_validate_passes(tmp_path):
    _cli(tmp_path, "dagster", "definitions", "validate", "-m", "assets.definitions")


#: The stages of the domain library in order: a stage imports only itself and earlier ones.
STAGES = ("readers", "graph", "indicators", "regionalization", "publish", "operations")
#: Top-level modules every stage may use; they import no stage.
FOUNDATIONS = ("_compat", "crs", "errors", "files", "layout")
#: Top-level modules above the stages: the public API facade and the test helpers.
ABOVE = ("__init__", "testing")


def _imported(path: Path) -> list[str]:
    """Absolute names of the modules a file imports (relative imports resolved)."""
    package = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts[:-1])
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            names += [module] + [f"{module}.{a.name}" for a in node.names]
    return names


def _domain_modules() -> list[Path]:
    return sorted((REPO_ROOT / "pipeline").rglob("*.py"))


def test_domain_library_never_imports_dagster_or_assets():
    offenders = [
        f"{path.relative_to(REPO_ROOT)}: {name}"
        for path in _domain_modules() for name in _imported(path)
        if name.split(".")[0] in ("dagster", "dagster_webserver", "assets")
    ]
    assert offenders == []


def _rank(path: Path) -> tuple[str, int]:
    parts = path.relative_to(REPO_ROOT / "pipeline").with_suffix("").parts
    if len(parts) == 1:
        name = parts[0]
        assert name in FOUNDATIONS + ABOVE, f"top-level module {name} is not a foundation"
        return name, -1 if name in FOUNDATIONS else len(STAGES)
    assert parts[0] in STAGES, f"pipeline/{parts[0]} is not a stage"
    return parts[0], STAGES.index(parts[0])


def test_stages_import_only_earlier_stages_and_foundations():
    assert {p.name for p in (REPO_ROOT / "pipeline").iterdir() if p.is_dir()
            and p.name != "__pycache__"} == set(STAGES)
    offenders = []
    for path in _domain_modules():
        where, rank = _rank(path)
        for name in _imported(path):
            parts = name.split(".")
            if parts[0] != "pipeline" or len(parts) < 2:
                continue
            target = parts[1]
            if target in STAGES:
                ok = STAGES.index(target) <= rank
            else:  # a foundation, or (only from above) the facade and the test helpers
                ok = target in FOUNDATIONS or rank == len(STAGES)
            if not ok:
                offenders.append(f"{path.relative_to(REPO_ROOT)} ({where}) imports {name}")
    assert offenders == []


def test_the_graph_and_the_engine_know_no_files():
    offenders = [
        f"{path.relative_to(REPO_ROOT)}: {name}"
        for path in _domain_modules() if _rank(path)[0] in ("graph", "regionalization")
        for name in _imported(path)
        if name.split(".")[0] in ("pyogrio", "duckdb", "fiona", "pyarrow")
        or name.startswith(("pipeline.files", "pipeline.layout"))
    ]
    assert offenders == []


def test_outside_the_package_the_benchmark_and_the_generator():
    assert not list((REPO_ROOT / "pipeline").rglob("*bench*"))
    assert not list((REPO_ROOT / "pipeline").rglob("sample_county*"))
    assert (REPO_ROOT / "benchmarks" / "bench.py").is_file()
    assert (REPO_ROOT / "tools" / "sample_county.py").is_file()


def test_no_module_over_about_600_lines():
    long = {str(p.relative_to(REPO_ROOT)): n for p in [*_domain_modules(),
                                                       *(REPO_ROOT / "assets").glob("*.py")]
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 620}
    assert long == {}


def test_dg_check_defs_passes(tmp_path):
    proc = _cli(tmp_path, "dg", "check", "defs")
    assert "All definitions loaded successfully" in proc.stdout + proc.stderr
