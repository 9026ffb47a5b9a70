"""Operations: serving counties run after run: configuration, fingerprints, stable IDs, history.

:mod:`~pipeline.operations.counties` reads the county file; :mod:`~pipeline.operations.fingerprints`
hashes inputs; :mod:`~pipeline.operations.published` keeps the published state that
:mod:`~pipeline.operations.stable_ids` matches new regions against, and
:mod:`~pipeline.operations.history` appends every publish to DuckDB;
:mod:`~pipeline.operations.scenarios` draws a county's scenarios beside it and compares them.
"""

from pipeline.operations.counties import (
    County,
    UnitsSource,
    default_config_path,
    load_counties,
)
from pipeline.operations.fingerprints import (
    FileState,
    changed_counties,
    fingerprint,
    input_states,
)
from pipeline.operations.history import (
    append_run,
    numeric_figures,
    read_profiles,
    read_runs,
)
from pipeline.operations.published import (
    PublishedState,
    load_published,
    previous_ids,
    published_labels,
    save_published,
    warm_start_labels,
)
from pipeline.operations.refresh import (
    CountyRegions,
    draw_county_regions,
)
from pipeline.operations.stable_ids import (
    StabilityReport,
    StableIds,
    assign_stable_ids,
    changed_share,
    match_regions,
)

__all__ = [
    "County",
    "UnitsSource",
    "CountyRegions",
    "FileState",
    "PublishedState",
    "StabilityReport",
    "StableIds",
    "append_run",
    "assign_stable_ids",
    "changed_counties",
    "changed_share",
    "default_config_path",
    "draw_county_regions",
    "fingerprint",
    "input_states",
    "load_counties",
    "load_published",
    "match_regions",
    "numeric_figures",
    "previous_ids",
    "published_labels",
    "read_profiles",
    "read_runs",
    "save_published",
    "warm_start_labels",
]
