"""The input-change sensor: a county's refresh starts when the content of an input changes.

The cursor keeps modification time, size and SHA-256 of every raw input file of every
county (:mod:`pipeline.operations.fingerprints`); a file is hashed again only when its time
or size moved, and a run starts only when a hash changed.
"""

import hashlib
import json

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from assets.jobs import sozialraum_job
from assets.partitions import county_partitions
from pipeline.operations import FileState, changed_counties, input_states, load_counties


def _decode_cursor(cursor: str | None) -> dict[str, dict[str, FileState]]:
    if not cursor:
        return {}
    raw = json.loads(cursor)
    return {county: {role: FileState.from_list(v) for role, v in roles.items()}
            for county, roles in raw.items()}


def _encode_cursor(states: dict[str, dict[str, FileState]]) -> str:
    return json.dumps({county: {role: s.to_list() for role, s in roles.items()}
                       for county, roles in states.items()}, sort_keys=True)


def _digest(states: dict[str, FileState]) -> str:
    joined = "|".join(f"{role}={s.sha256}" for role, s in sorted(states.items()))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def input_change_requests(
    cursor: str | None, config_path: str | None = None
) -> tuple[list[RunRequest], str]:
    """Run requests for counties whose input content changed, and the new cursor.

    Counties seen for the first time only record their hashes (the nightly run covers them).

    Parameters
    ----------
    cursor : str or None
        JSON of ``{county: {role: [mtime_ns, size, sha256]}}`` from the last evaluation.
    config_path : str, optional
        County file; default ``$SOZIALRAUM_COUNTIES`` or ``counties.yaml``.

    Returns
    -------
    tuple of (list of RunRequest, str)
    """
    previous = _decode_cursor(cursor)
    counties = load_counties(config_path)
    keys = set(county_partitions.get_partition_keys())
    current = {key: input_states(county, previous.get(key))
               for key, county in counties.items() if key in keys}
    requests = [
        RunRequest(
            run_key=f"inputs:{key}:{_digest(previous[key])}->{_digest(current[key])}",
            partition_key=key,
            tags={"sozialraum/trigger": "input_change"},
        )
        for key in changed_counties(previous, current)
    ]
    return requests, _encode_cursor(current)


def build_input_sensor(job, interval_seconds: int = 300):
    """A sensor that refreshes a county when the content of its raw input files changes.

    Parameters
    ----------
    job : job definition
    interval_seconds : int, default 300

    Returns
    -------
    SensorDefinition
        Named ``input_change_sensor``, running by default.
    """

    @sensor(
        name="input_change_sensor", job=job, minimum_interval_seconds=interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description="Start a county's refresh when a raw input file changes (SHA-256).",
    )
    def input_change_sensor(context: SensorEvaluationContext):
        requests, cursor = input_change_requests(context.cursor)
        if not requests:
            context.update_cursor(cursor)
            return SkipReason("no input file changed")
        return SensorResult(run_requests=requests, cursor=cursor)

    return input_change_sensor


input_change_sensor = build_input_sensor(sozialraum_job)
