"""The Dagster code location: the one module that wires assets, checks, resources and triggers.

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
    Definitions,
    in_process_executor,
    load_asset_checks_from_modules,
    load_assets_from_modules,
)

from assets import history, indicators, ingest, publish, regions, scenarios
from assets.io_manager import ParquetIOManager
from assets.jobs import sozialraum_job
from assets.metadata import markdown_descriptions
from assets.resources import CountiesResource
from assets.schedules import nightly_refresh
from assets.sensors import input_change_sensor
from pipeline.layout import PROCESSED_ENV, processed_root
from pipeline.operations import default_config_path

#: The asset modules, in pipeline order; each holds its assets and their checks.
ASSET_MODULES = (ingest, indicators, regions, publish, history)
#: The scenario assets: partitioned by scenario (and their comparison by county), outside
#: the county's job (``assets.jobs``); loaded even when no county defines scenarios.
SCENARIO_MODULES = (scenarios,)

#: Allowed values of ``DAGSTER_DEPLOYMENT``.
DEPLOYMENTS = ("local", "kubernetes")


def build_resources(config_path: str, processed: str) -> dict:
    """The resources of the code location for a county file and a processed root."""
    return {
        "counties": CountiesResource(config_path=config_path, processed_root=processed),
        "io_manager": ParquetIOManager(base_dir=processed),
    }


def _resources(deployment: str) -> dict:
    if deployment not in DEPLOYMENTS:
        raise ValueError(f"DAGSTER_DEPLOYMENT must be one of {DEPLOYMENTS}, got {deployment!r}")
    if os.environ.get(PROCESSED_ENV) is None and deployment != "local":
        raise ValueError(
            f"DAGSTER_DEPLOYMENT={deployment!r} needs {PROCESSED_ENV}: the output "
            "folder on a volume every run pod mounts")
    return build_resources(str(default_config_path()), str(processed_root()))


defs = Definitions(
    assets=markdown_descriptions(load_assets_from_modules([*ASSET_MODULES, *SCENARIO_MODULES])),
    asset_checks=load_asset_checks_from_modules([*ASSET_MODULES, *SCENARIO_MODULES]),
    resources=_resources(os.environ.get("DAGSTER_DEPLOYMENT", "local")),
    jobs=[sozialraum_job],
    schedules=[nightly_refresh],
    sensors=[input_change_sensor],
    # every step of a county run in its one process: no process start per step, and a
    # killed run leaves no step workers behind (Kubernetes still starts a pod per run)
    executor=in_process_executor,
)
