"""The Dagster code location: assets, checks, resources and jobs, wired in one place.

``DAGSTER_DEPLOYMENT`` picks the resources (``local`` by default). Paths come from
``SOZIALRAUM_COUNTIES`` (the county file) and ``SOZIALRAUM_PROCESSED`` (output root), with
the repository's ``counties.yaml`` and ``data/processed`` as defaults.
"""

from __future__ import annotations

import os

from dagster import (
    AssetSelection,
    Definitions,
    define_asset_job,
    load_asset_checks_from_modules,
    load_assets_from_modules,
)

from assets import indicators, ingest, publish, regions
from assets.io import ParquetIOManager
from assets.resources import CountiesResource
from pipeline.config import REPO_ROOT, default_config_path

_MODULES = [ingest, indicators, regions, publish]


def _resources(deployment: str) -> dict:
    processed = os.environ.get("SOZIALRAUM_PROCESSED", str(REPO_ROOT / "data" / "processed"))
    if deployment not in ("local",):
        raise ValueError(f"DAGSTER_DEPLOYMENT must be 'local', got {deployment!r}")
    return {
        "counties": CountiesResource(
            config_path=str(default_config_path()), processed_root=processed
        ),
        "io_manager": ParquetIOManager(base_dir=processed),
    }


sozialraum_job = define_asset_job(
    "sozialraum_job",
    selection=AssetSelection.all(),
    description="Everything for one county: ingest, indicators, regions, publish.",
)

defs = Definitions(
    assets=load_assets_from_modules(_MODULES),
    asset_checks=load_asset_checks_from_modules(_MODULES),
    resources=_resources(os.environ.get("DAGSTER_DEPLOYMENT", "local")),
    jobs=[sozialraum_job],
)
