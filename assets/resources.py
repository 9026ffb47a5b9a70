"""Resources: where the county configuration and the processed outputs live."""

from pathlib import Path

from dagster import ConfigurableResource

from pipeline.errors import ConfigError
from pipeline.indicators import (
    Catalog,
    IndicatorOptions,
    county_catalog,
    parse_options,
    sgb2_rate_catalog,
)
from pipeline.layout import CountyLayout
from pipeline.operations.counties import County, load_counties


class CountiesResource(ConfigurableResource):
    """The county configuration file and the root folder of published outputs.

    Attributes
    ----------
    config_path : str
        Absolute path of the county YAML file.
    processed_root : str
        Absolute path of ``data/processed``; a county writes to ``<root>/<county>/``.
    """

    config_path: str
    processed_root: str

    def county(self, key: str) -> County:
        """The configured county for a partition key."""
        counties = load_counties(self.config_path)
        if key not in counties:
            raise KeyError(f"{self.config_path}: no county {key!r}; known: {sorted(counties)}")
        return counties[key]

    def layout(self, key: str) -> CountyLayout:
        """Where the county's outputs go (:class:`pipeline.layout.CountyLayout`)."""
        return CountyLayout(Path(self.processed_root), key)

    @property
    def config_dir(self) -> Path:
        """Folder of the county file: relative paths in county options resolve against it."""
        return Path(self.config_path).parent

    def indicator_options(self, key: str) -> IndicatorOptions:
        """The county's indicator options (``options: indicators:`` in the county file)."""
        return parse_options(self.county(key).options, base_dir=self.config_dir)

    def catalog(self, key: str) -> Catalog:
        """The county's indicator catalog: the shipped one with its options applied.

        ``sgb2: rate: {numerator: ..., denominator: ...}`` in the county file chooses the
        SGB II rate's counts (:func:`pipeline.indicators.sgb2_rate_catalog`).
        """
        catalog = county_catalog(self.indicator_options(key))
        rate = self.county(key).read_options("sgb2").get("rate")
        if rate:
            unknown = sorted(set(rate) - {"numerator", "denominator"})
            if unknown:
                raise ConfigError(f"{self.config_path}: county '{key}': sgb2: rate: unknown "
                                  f"keys {unknown}; allowed: ['numerator', 'denominator']")
            try:
                catalog = sgb2_rate_catalog(catalog, **rate)
            except ValueError as err:
                raise ConfigError(f"{self.config_path}: county '{key}': {err}") from None
        return catalog
