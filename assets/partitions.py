"""Counties as partitions: every entry of the county configuration is one partition key."""


from dagster import StaticPartitionsDefinition

from pipeline.operations.counties import load_counties

#: One partition per county in ``counties.yaml`` (or ``$SOZIALRAUM_COUNTIES``).
county_partitions = StaticPartitionsDefinition(list(load_counties()))
