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


_ENTRY = "counties:\n  x:\n    name: X\n    zensus: {Bevoelkerungszahl: a.csv}\n    vg250: v.gpkg\n"


@pytest.mark.parametrize(
    "extra, match",
    [
        ("    ags: 05314\n", r"county 'x': 'ags' must be the 5-digit Kreisschlüssel in quotes, "
                           r"e\.g\. ags: \"05358\"; without quotes YAML reads it as the number 2764"),
        ("    ags: 5358\n", r"'ags' must be .* in quotes.*the number 5358"),
        ("    ags: '05358'\n    parameters: {min_population: '2500'}\n",
         r"county 'x': parameters: min_population must be a whole number, got '2500' "
         r"\(read as text: write a plain number, without quotes or units\)"),
        ("    ags: '05358'\n    parameters: {nested: 'ja'}\n",
         r"parameters: nested must be true or false, got 'ja' \(read as text: write true or"),
        ("    ags: '05358'\n    parameters: {bridge_distance: '5 km'}\n",
         r"parameters: bridge_distance must be a number, got '5 km'"),
        ("    ags: '05358'\n    parameters: {max_population: 25000.0}\n",
         r"parameters: max_population must be a whole number or null, got 25000\.0$"),
    ],
    ids=["ags-octal", "ags-number", "floor-as-text", "nested-as-text", "distance-with-unit",
         "cap-as-float"],
)
def test_values_of_the_wrong_kind_are_named_with_a_hint(tmp_path, extra, match):
    path = tmp_path / "counties.yaml"
    path.write_text(_ENTRY + extra, encoding="utf-8")
    with pytest.raises(ConfigError, match=match) as err:
        load_counties(path)
    assert str(path) in str(err.value)


def test_parameters_validate_and_replace():
    p = RegionParameters()
    assert p.replace(min_population=1000).min_population == 1000
    with pytest.raises(ConfigError, match="contiguity"):
        p.replace(contiguity="hex")
