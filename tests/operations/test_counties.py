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


_UNITS = ("counties:\n  b:\n    name: B\n    ags: '05358'\n    vg250: {path: vg.zip, "
          "layers: {municipalities: gemeinden}, fields: {ags: ARS}}\n"
          "    income: {path: 73111.xlsx, sheet: Tabelle, columns: {taxpayers: Steuerpflichtige}}\n"
          "    sgb2: {path: ba.csv, rate: {numerator: sgb2_persons_in_bg}}\n"
          "    units:\n      path: bloecke.gpkg\n      id: BLOCK\n"
          "      table: {path: register.xlsx, key: Baublock}\n"
          "      columns: {Einwohner: EW gesamt, unter5: unter 5}\n")


def test_units_and_reader_options_are_read(tmp_path):
    path = tmp_path / "counties.yaml"
    path.write_text(_UNITS, encoding="utf-8")
    county = load_counties(path)["b"]
    assert not county.grid and county.zensus == {}
    assert county.units.path == tmp_path / "bloecke.gpkg" and county.units.id == "BLOCK"
    assert county.units.table == tmp_path / "register.xlsx"
    assert (county.units.table_key, county.units.columns["unter5"]) == ("Baublock", "unter 5")
    assert county.vg250 == tmp_path / "vg.zip"
    assert county.read_options("vg250") == {"layers": {"municipalities": "gemeinden"},
                                            "fields": {"ags": "ARS"}}
    assert county.read_options("income") == {"sheet": "Tabelle",
                                             "columns": {"taxpayers": "Steuerpflichtige"}}
    assert county.read_options("barriers") == {}
    assert set(county.input_files()) == {"units", "units:table", "vg250", "income", "sgb2"}


@pytest.mark.parametrize("edit, match", [
    (("    units:", "    zensus: {Bevoelkerungszahl: a.csv}\n    units:"), "not both"),
    (("Einwohner: EW gesamt, ", ""), "must name the residents' field as Einwohner"),
    (("sheet: Tabelle", "tab: Tabelle"), r"income: unknown keys \['tab'\]"),
    (("{path: ba.csv, ", "{file: ba.csv, "), r"sgb2: unknown keys \['file'\]"),
    (("      id: BLOCK\n", ""), "units: 'id' must be given"),
], ids=["zensus-and-units", "no-residents", "income-key", "sgb2-key", "no-id"])
def test_bad_units_or_options_name_the_key(tmp_path, edit, match):
    path = tmp_path / "counties.yaml"
    path.write_text(_UNITS.replace(*edit), encoding="utf-8")
    with pytest.raises(ConfigError, match=match) as err:
        load_counties(path)
    assert "county 'b'" in str(err.value)


def test_readme_examples_are_valid_county_entries(tmp_path):
    """The county-file snippets of the README load: every key they show is a real key."""
    import re

    import yaml

    from pipeline.layout import REPO_ROOT

    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Pointing it at a real county"):text.index("## Layout")]
    blocks = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 3
    full = yaml.safe_load(blocks[0])
    entry = full["counties"]["dueren"]
    options = yaml.safe_load("\n".join(line[4:] for line in blocks[1].splitlines()))
    entry.update(options)
    units = yaml.safe_load("\n".join(line[2:] for line in blocks[2].splitlines()))
    full["counties"].update(units)
    path = tmp_path / "counties.yaml"
    path.write_text(yaml.safe_dump(full, allow_unicode=True), encoding="utf-8")
    counties = load_counties(path)
    assert counties["dueren"].read_options("sgb2")["rate"]["numerator"] == "sgb2_persons_in_bg"
    assert counties["dueren"].read_options("vg250")["fields"] == {"ags": "AGS", "name": "GEN"}
    assert counties["dueren_bloecke"].units.table_sheet == "Blöcke"
    assert not counties["dueren_bloecke"].grid
