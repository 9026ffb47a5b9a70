"""The Dagster code location: assets, checks, resources, jobs, schedule and sensor.

``DAGSTER_DEPLOYMENT`` picks the deployment: ``local`` (default; SQLite instance under
``DAGSTER_HOME``, runs as local processes, ``data/processed`` in the repository unless
``SOZIALRAUM_PROCESSED`` says otherwise) or ``kubernetes`` (Postgres instance storage and the
Kubernetes run launcher, both configured in the instance's ``dagster.yaml``; every pod must
see the same ``SOZIALRAUM_PROCESSED`` volume, so it is required). Paths come from
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

from assets import indicators, ingest, operations, publish, regions
from assets.io import ParquetIOManager
from assets.resources import CountiesResource
from pipeline.config import REPO_ROOT, default_config_path

_MODULES = [ingest, indicators, regions, publish, operations]

#: Allowed values of ``DAGSTER_DEPLOYMENT``.
DEPLOYMENTS = ("local", "kubernetes")


def _resources(deployment: str) -> dict:
    if deployment not in DEPLOYMENTS:
        raise ValueError(f"DAGSTER_DEPLOYMENT must be one of {DEPLOYMENTS}, got {deployment!r}")
    processed = os.environ.get("SOZIALRAUM_PROCESSED")
    if processed is None:
        if deployment != "local":
            raise ValueError(
                f"DAGSTER_DEPLOYMENT={deployment!r} needs SOZIALRAUM_PROCESSED: the output "
                "folder on a volume every run pod mounts")
        processed = str(REPO_ROOT / "data" / "processed")
    return {
        "counties": CountiesResource(
            config_path=str(default_config_path()), processed_root=processed
        ),
        "io_manager": ParquetIOManager(base_dir=processed),
    }


sozialraum_job = define_asset_job(
    "sozialraum_job",
    selection=AssetSelection.all(),
    description="Everything for one county: ingest, indicators, regions, publish, history.",
)

nightly_refresh = operations.build_nightly_schedule(sozialraum_job)
input_change_sensor = operations.build_input_sensor(sozialraum_job)

defs = Definitions(
    assets=load_assets_from_modules(_MODULES),
    asset_checks=load_asset_checks_from_modules(_MODULES),
    resources=_resources(os.environ.get("DAGSTER_DEPLOYMENT", "local")),
    jobs=[sozialraum_job],
    schedules=[nightly_refresh],
    sensors=[input_change_sensor],
)
