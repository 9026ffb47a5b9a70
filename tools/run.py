"""Run every asset and check for one county, as ``make run`` does, and say plainly what failed.

``python -m tools.run [COUNTY]`` executes the code location's asset job for the county on
the instance in ``DAGSTER_HOME`` (so the run shows in the UI), prints one line per step,
and on failure the message of each failed step: for bad input, configuration or
constraints (the errors that name a file, line and column) the message alone, without a
stack trace; for anything else the full error, which is a bug to report. The published
files are listed at the end. Exit status 0 on success, 1 when a step failed, 2 when the
county file cannot be used.
"""

from __future__ import annotations

import re
import sys
import time
import warnings

#: Errors that mean "the input or the configuration is wrong", shown without a stack.
USER_ERRORS = ("InputError", "ConfigError", "CatalogError", "InfeasibleError",
               "PublishError", "TilingError")


def user_message(error) -> str | None:
    """The message of the first user error in a Dagster error and its causes, or None."""
    while error is not None:
        if error.cls_name in USER_ERRORS:
            return re.sub(rf"^[\w.]*{error.cls_name}: ", "", error.message.strip())
        error = error.cause
    return None


def _one_line(message, category, filename, lineno, file=None, line=None) -> str:
    """A Python warning as the run shows it: the message, not the source line."""
    return f"  warning {message}\n"


def main(argv: list[str] | None = None) -> int:
    """Run the county; print steps, clean messages for user errors, and the published files."""
    warnings.formatwarning = _one_line
    # skipped indicators are listed once, under the check indicators_complete
    warnings.filterwarnings("ignore", message=r"indicator '\w+' skipped")
    args = sys.argv[1:] if argv is None else argv
    county = args[0] if args else "sample"
    from pipeline.errors import ConfigError

    try:
        from assets.definitions import defs
        from assets.partitions import county_partitions
    except ConfigError as err:
        print(f"the county file cannot be used: {err}", file=sys.stderr)
        return 2
    if county not in county_partitions.get_partition_keys():
        print(f"no county {county!r} in the county file; known: "
              f"{', '.join(county_partitions.get_partition_keys())}", file=sys.stderr)
        return 2
    from dagster import DagsterEventType, DagsterInstance

    from tools.outputs import main as list_outputs

    started = time.monotonic()
    with DagsterInstance.get() as instance:
        job = defs.resolve_implicit_global_asset_job_def()
        # Dagster's own console log prints a stack trace with every failure: the summary
        # below says what failed instead (the full log is in the UI)
        result = job.execute_in_process(
            partition_key=county, instance=instance, raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}})
        failures = [e for e in result.all_events
                    if e.event_type == DagsterEventType.STEP_FAILURE]
        for event in result.all_events:
            if event.event_type == DagsterEventType.STEP_SUCCESS:
                print(f"  ok      {event.step_key}")
        for check in result.get_asset_check_evaluations():
            if not check.passed:
                problems = {k: getattr(v, "value", v) for k, v in check.metadata.items()}
                listed = problems.pop("gaps", None) or []
                print(f"  {check.severity.value:<7} check {check.asset_key.to_user_string()}:"
                      f"{check.check_name} did not pass: {problems}", file=sys.stderr)
                for item in listed:
                    print(f"            - {item}", file=sys.stderr)
        for event in failures:
            error = event.event_specific_data.error
            message = user_message(error)
            print(f"  FAILED  {event.step_key}: {message or error.to_string()}", file=sys.stderr)
    seconds = time.monotonic() - started
    if not result.success:
        print(f"run {result.run_id} for {county!r} failed after {seconds:.0f} s; the last "
              "publication is unchanged", file=sys.stderr)
        return 1
    print(f"run {result.run_id} for {county!r} done in {seconds:.0f} s")
    return list_outputs([county])


if __name__ == "__main__":
    raise SystemExit(main())
