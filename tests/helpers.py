"""Helpers shared by the tests that run the code location: county files and runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from dagster import load_asset_checks_from_modules, load_assets_from_modules, materialize

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
    for role in ("vg250", "income", "sgb2", "barriers"):
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
    for role in ("vg250", "income", "sgb2", "barriers"):
        entry[role] = relocate(entry[role])
    path = tmp / "counties.yaml"
    path.write_text(yaml.safe_dump({"default": "sample", "counties": {"sample": entry}},
                                   allow_unicode=True), encoding="utf-8")
    return path, raw


def materialize_county(
    config_path: Path | str, out: Path | str, *, partition: str = "sample", selection=None,
    checks: bool = True, with_history: bool = False, **kwargs,
):
    """Materialize one county into ``out`` in process (``kwargs`` to ``materialize``).

    Every asset module with its checks; the history asset only ``with_history``.
    """
    modules = [m for m in ASSET_MODULES if with_history or m is not history]
    definitions = [*load_assets_from_modules(modules)]
    if checks:
        definitions += load_asset_checks_from_modules(modules)
    return materialize(definitions, selection=selection,
                       resources=build_resources(str(config_path), str(out)),
                       partition_key=partition, **kwargs)
