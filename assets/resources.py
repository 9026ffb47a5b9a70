"""Resources: where the county configuration and the processed outputs live."""


from pathlib import Path

from dagster import ConfigurableResource

from pipeline.config import County, load_counties


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

    def output_dir(self, key: str) -> Path:
        """The county's output folder, created if needed."""
        path = Path(self.processed_root) / key
        path.mkdir(parents=True, exist_ok=True)
        return path
