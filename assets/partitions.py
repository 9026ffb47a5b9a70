"""Counties and their scenarios as partitions, all read from the county configuration.

``county_partitions`` has one key per county (``sample``). ``scenario_partitions`` has one
key per scenario of a county, ``<county>.<scenario>`` (``sample.klein``), and
``scenario_county_partitions`` one per county that defines scenarios (its comparison).
Either may be empty (no county defines scenarios): Dagster accepts an empty static
partitions definition, the scenario assets then simply have nothing to materialize.
The partition mappings tie a scenario to its county both ways.
"""

from dagster import StaticPartitionMapping, StaticPartitionsDefinition

from pipeline.operations.counties import load_counties
from pipeline.operations.scenarios import scenario_keys

_COUNTIES = load_counties()
#: County -> its scenarios' partition keys, for the counties that define scenarios.
_SCENARIOS = scenario_keys(_COUNTIES)

#: One partition per county in ``counties.yaml`` (or ``$SOZIALRAUM_COUNTIES``).
county_partitions = StaticPartitionsDefinition(list(_COUNTIES))
#: One partition per scenario of a county: ``<county>.<scenario>``.
scenario_partitions = StaticPartitionsDefinition(
    [key for keys in _SCENARIOS.values() for key in keys])
#: One partition per county that defines scenarios: the comparison of its scenarios.
scenario_county_partitions = StaticPartitionsDefinition(list(_SCENARIOS))


def county_to_scenarios() -> StaticPartitionMapping:
    """A county asset read by its scenarios: county key -> every scenario key of it."""
    return StaticPartitionMapping({county: set(keys) for county, keys in _SCENARIOS.items()})


def county_to_comparison() -> StaticPartitionMapping:
    """A county asset read by the comparison of its scenarios: the same key."""
    return StaticPartitionMapping({county: county for county in _SCENARIOS})


def scenarios_to_county() -> StaticPartitionMapping:
    """Scenario results read by their county's comparison: scenario key -> county key."""
    return StaticPartitionMapping({key: county for county, keys in _SCENARIOS.items()
                                   for key in keys})
