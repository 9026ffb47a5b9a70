"""Jobs: everything for one county as one run."""

from dagster import AssetSelection, define_asset_job

sozialraum_job = define_asset_job(
    "sozialraum_job",
    selection=AssetSelection.all(),
    description="Everything for one county: ingest, indicators, regions, publish, history.",
)
