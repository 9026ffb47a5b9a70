"""The nightly refresh: one run request per county at 02:00 Europe/Berlin.

A plain cron schedule over partitioned assets would launch one run without a partition;
this one yields a run request per county partition.
"""

from collections.abc import Iterator

from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, schedule

from assets.jobs import sozialraum_job
from assets.partitions import county_partitions


def build_nightly_schedule(job, cron: str = "0 2 * * *", timezone: str = "Europe/Berlin"):
    """A schedule that requests one run per county partition of ``job``.

    Parameters
    ----------
    job : job definition
        A job over the county-partitioned assets.
    cron : str, default "0 2 * * *"
    timezone : str, default "Europe/Berlin"

    Returns
    -------
    ScheduleDefinition
        Named ``nightly_refresh``, running by default.
    """

    @schedule(
        name="nightly_refresh", cron_schedule=cron, execution_timezone=timezone, job=job,
        default_status=DefaultScheduleStatus.RUNNING,
        description="Refresh every county at 02:00 Europe/Berlin, one run per county.",
    )
    def nightly_refresh(context: ScheduleEvaluationContext) -> Iterator[RunRequest]:
        when = context.scheduled_execution_time
        stamp = when.strftime("%Y-%m-%d") if when is not None else "manual"
        for key in county_partitions.get_partition_keys():
            yield RunRequest(run_key=f"nightly:{key}:{stamp}", partition_key=key,
                             tags={"sozialraum/trigger": "nightly"})

    return nightly_refresh


nightly_refresh = build_nightly_schedule(sozialraum_job)
