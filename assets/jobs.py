"""Jobs: everything for one county as one run.

The scenario assets (group ``scenarios``) are partitioned by scenario, not by county, and
are not part of a county's run: :data:`COUNTY_ASSETS` leaves them out, for the job, the
schedule, the sensor and ``make run``.
"""

from dagster import AssetSelection, define_asset_job

#: Group of the scenario assets (:mod:`assets.scenarios`).
SCENARIO_GROUP = "scenarios"
#: Every county-partitioned asset and check: all but the scenarios.
COUNTY_ASSETS = AssetSelection.all() - AssetSelection.groups(SCENARIO_GROUP)

sozialraum_job = define_asset_job(
    "sozialraum_job",
    selection=COUNTY_ASSETS,
    description="Everything for one county: ingest, indicators, regions, publish, history.",
)
