"""History: every publication of a county appended to ``history.duckdb``.

``sozialraum_history`` runs after the publication (one at a time, pool ``history``: DuckDB
allows a single writing process). It records every release of the county that became
current and is not in the history yet: its own, and any a killed run left unrecorded,
from the release's record (parameters, quality, stability) and profiles, so the history
always matches what was published.

As the run's last step it also reports how long each step of the run took (the
``step_seconds`` table), so a slow input or asset shows without opening every step.
"""

from datetime import datetime

import pandas as pd
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from assets.errors import reported
from assets.partitions import county_partitions
from assets.resources import CountiesResource
from pipeline.operations import append_run, read_runs
from pipeline.publish import PROFILES_FILE, read_release, releases

GROUP = "operations"


@asset(
    group_name=GROUP, partitions_def=county_partitions, kinds={"duckdb"}, pool="history",
    deps=[AssetKey("sozialraeume_gpkg")],
)
@reported
def sozialraum_history(
    context: AssetExecutionContext, counties: CountiesResource
) -> MaterializeResult:
    """Append the county's publications that are not in ``history.duckdb`` yet."""
    layout = counties.layout(context.partition_key)
    recorded = (set(read_runs(layout.history, layout.county)["run_id"])
                if layout.history.exists() else set())
    added = []
    for run_id in releases(layout, published=True):
        if run_id in recorded:
            continue
        record = read_release(layout, run_id)
        profiles = pd.read_parquet(layout.release(run_id).folder / PROFILES_FILE)
        when = record.get("published_at")
        append_run(
            layout.history, run_id=run_id, county=layout.county,
            parameters=record["parameters"], quality=record["quality"],
            stability=record["stability"], profiles=profiles,
            published_at=datetime.fromisoformat(when) if when else None,
            changes=pd.DataFrame(record["changes"]) if record.get("changes") else None)
        added.append(run_id)
    stability = read_release(layout, context.run.run_id)["stability"] \
        if context.run.run_id in added else {}
    steps = step_seconds(context)
    return MaterializeResult(metadata={
        "step_seconds": MetadataValue.md(_steps_table(steps)),
        "steps_total_seconds": round(sum(steps.values()), 1),
        "history": MetadataValue.path(str(layout.history)),
        "published_state": MetadataValue.path(str(layout.published)),
        "recorded": MetadataValue.json(added),
        "changed_share": float(stability.get("changed_share", 0.0)),
    })


def step_seconds(context: AssetExecutionContext) -> dict[str, float]:
    """Seconds each finished step of this run took, slowest first (from the instance)."""
    stats = context.instance.get_run_step_stats(context.run.run_id)
    took = {s.step_key: s.end_time - s.start_time for s in stats
            if s.start_time is not None and s.end_time is not None}
    return dict(sorted(took.items(), key=lambda kv: (-kv[1], kv[0])))


def _steps_table(steps: dict[str, float]) -> str:
    rows = [f"| {key} | {seconds:.1f} |" for key, seconds in steps.items()]
    return "\n".join(["| Schritt | Sekunden |", "|---|---:|", *rows])
