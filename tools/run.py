"""Run every asset and check for one county, as ``make run`` does, and say plainly what failed.

``python -m tools.run [COUNTY]`` executes the code location's asset job for the county on
the instance in ``DAGSTER_HOME`` (so the run shows in the UI), prints one line per step,
and on failure the message of each failed step: for bad input, configuration or
constraints (the errors that name a file, line and column) the message alone, without a
stack trace; for anything else the full error, which is a bug to report. The published
files are listed at the end. Exit status 0 on success, 1 when a step failed, 2 when the
county file cannot be used.

``python -m tools.run COUNTY --scenarios`` (``make scenarios``) draws the county's
scenarios instead: one run for the county's inputs (ingest and indicators), one per
scenario (``<county>.<scenario>``), one for their comparison; it prints the comparison
and the files written under ``<county>/szenarien/``. The county's publication is left as
it is.
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


def _execute(job, instance, partition: str, selection):
    """One in-process run of the selected assets (and their checks) for a partition.

    Prints one line per step and per check that did not pass, and the message of every
    failed step; returns the run's result.
    """
    from dagster import DagsterEventType

    # Dagster's own console log prints a stack trace with every failure: the summary
    # below says what failed instead (the full log is in the UI)
    result = job.execute_in_process(
        partition_key=partition, instance=instance, raise_on_error=False,
        asset_selection=selection,
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}})
    failures = [e for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE]
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_SUCCESS:
            seconds = (getattr(event.event_specific_data, "duration_ms", None) or 0) / 1000
            print(f"  ok      {event.step_key:<52} {seconds:6.1f} s")
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
    return result


def _selection(defs, selection) -> list:
    """The asset keys of an :class:`AssetSelection` in the code location."""
    return sorted(selection.resolve(defs.resolve_asset_graph()))


def _run_county(defs, instance, county: str) -> int:
    from assets.jobs import COUNTY_ASSETS
    from tools.outputs import main as list_outputs

    started = time.monotonic()
    job = defs.resolve_implicit_global_asset_job_def()
    result = _execute(job, instance, county, _selection(defs, COUNTY_ASSETS))
    seconds = time.monotonic() - started
    if not result.success:
        print(f"run {result.run_id} for {county!r} failed after {seconds:.0f} s; the last "
              "publication is unchanged", file=sys.stderr)
        return 1
    print(f"run {result.run_id} for {county!r} done in {seconds:.0f} s")
    return list_outputs([county])


def _run_scenarios(defs, instance, county: str) -> int:
    """The county's inputs, each scenario, then the comparison; what they wrote."""
    from dagster import AssetSelection

    from assets.jobs import SCENARIO_GROUP
    from assets.partitions import scenario_partitions
    from pipeline.layout import CountyLayout
    from pipeline.operations.scenarios import comparison_markdown, split_scenario_key

    keys = [k for k in scenario_partitions.get_partition_keys()
            if split_scenario_key(k)[0] == county]
    if not keys:
        print(f"county {county!r} defines no scenarios: add 'scenarios:' to its entry in "
              "the county file, e.g. scenarios: {gross: {min_population: 5000}}",
              file=sys.stderr)
        return 2
    started = time.monotonic()
    scenarios = AssetSelection.groups(SCENARIO_GROUP)
    job = defs.resolve_implicit_global_asset_job_def()
    steps = [(county, _selection(defs, scenarios.upstream() - scenarios))]
    steps += [(key, _selection(defs, AssetSelection.assets("scenario_regions",
                                                           "scenario_polygons")))
              for key in keys]
    steps.append((county, _selection(defs, AssetSelection.assets("scenario_comparison"))))
    for partition, selection in steps:
        print(f"  -- {partition}")
        result = _execute(job, instance, partition, selection)
        if not result.success:
            print(f"run {result.run_id} for {partition!r} failed after "
                  f"{time.monotonic() - started:.0f} s", file=sys.stderr)
            return 1
    table = result.output_for_node("scenario_comparison").set_index("szenario")
    print(f"scenarios of {county!r} done in {time.monotonic() - started:.0f} s")
    print(comparison_markdown(table))
    layout = CountyLayout.of(county)
    print(f"Written for the scenarios of county '{county}':")
    for key in keys:
        folder = layout.scenario(split_scenario_key(key)[1])
        for path in (folder.geopackage, folder.profiles_csv):
            print(f"  {path}")
    print(f"  {layout.comparison_csv}\n  {layout.comparison_map}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the county (or its scenarios); print steps, clean messages and what was written."""
    warnings.formatwarning = _one_line
    # skipped indicators are listed once, under the check indicators_complete
    warnings.filterwarnings("ignore", message=r"indicator '\w+' skipped")
    args = sys.argv[1:] if argv is None else argv
    flags = [a for a in args if a.startswith("--")]
    args = [a for a in args if not a.startswith("--")]
    if set(flags) - {"--scenarios"}:
        print(f"unknown options {sorted(set(flags) - {'--scenarios'})}; usage: "
              "python -m tools.run [COUNTY] [--scenarios]", file=sys.stderr)
        return 2
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
    from dagster import DagsterInstance

    with DagsterInstance.get() as instance:
        if "--scenarios" in flags:
            return _run_scenarios(defs, instance, county)
        return _run_county(defs, instance, county)


if __name__ == "__main__":
    raise SystemExit(main())
