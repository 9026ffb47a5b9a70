"""County configuration: the bundled file loads; bad entries fail naming file, county, key."""

import pytest

from pipeline.errors import ConfigError
from pipeline.operations.counties import load_counties
from pipeline.regionalization.parameters import RegionParameters


def test_bundled_config_has_the_sample_county_first():
    counties = load_counties()
    key, county = next(iter(counties.items()))
    assert key == "sample" and county.ags == "05399"
    assert county.parameters.min_population == 2500
    assert county.zensus["Bevoelkerungszahl"].is_absolute()
    assert "zensus:Bevoelkerungszahl" in county.input_files()


@pytest.mark.parametrize(
    "body, match",
    [
        ("counties: {}", "'counties' is empty"),
        (
            "counties:\n  x:\n    name: X\n    ags: '053'\n    zensus: {Bevoelkerungszahl: a.csv}\n    vg250: v.gpkg",
            "5-digit",
        ),
        ("counties:\n  x:\n    name: X\n    ags: '05358'\n    vg250: v.gpkg", "missing zensus"),
        (
            "counties:\n  x:\n    name: X\n    ags: '05358'\n    zensus: {Bevoelkerungszahl: a.csv}\n    vg250: v.gpkg\n    parameters: {min_population: 10, max_population: 5}",
            "max_population",
        ),
        (
            "counties:\n  x:\n    name: X\n    ags: '05358'\n    zensus: {Bevoelkerungszahl: a.csv}\n    vg250: v.gpkg\n    parameters: {floor: 10}",
            "unknown parameters",
        ),
        (
            "default: y\ncounties:\n  x:\n    name: X\n    ags: '05358'\n    zensus: {Bevoelkerungszahl: a.csv}\n    vg250: v.gpkg",
            "default county 'y'",
        ),
    ],
    ids=["empty", "bad-ags", "missing-zensus", "cap-below-floor", "unknown-param", "bad-default"],
)
def test_bad_config_names_file_and_key(tmp_path, body, match):
    path = tmp_path / "counties.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=match) as err:
        load_counties(path)
    assert str(path) in str(err.value)


def test_parameters_validate_and_replace():
    p = RegionParameters()
    assert p.replace(min_population=1000).min_population == 1000
    with pytest.raises(ConfigError, match="contiguity"):
        p.replace(contiguity="hex")
