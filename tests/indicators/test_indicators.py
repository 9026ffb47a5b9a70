"""Tests for :mod:`pipeline.indicators`.

Test matrix
-----------
- catalog: the shipped YAML (>= 15 indicators, all themes, municipal keys marked ``_gem``),
  validation errors naming the indicator and field, expressions (safe arithmetic only);
- county options: disable, weights, directions, an extra CSV keyed by cell and one keyed by
  municipality, dash rules switched off, errors;
- hand-made Zensus snippet (real format, read by ``read_zensus``, joined by ``join_topics``)
  with en dashes, ``KLAMMERN``, perturbed bands (a band above its total), a cell with 3
  residents, a topic that does not list a cell, and municipal SGB II / income values:
  every indicator compared with values worked out by hand, for both topic orders;
- en-dash preparation: hidden persons in age bands, rates whose dash means 0;
- clustering matrix: no NaN, imputation counted, weights, correlated pairs, robust scaling,
  PCA whitening.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline.errors import CatalogError
from pipeline.indicators.catalog import Catalog, DashBands, load_catalog
from pipeline.indicators.compute import compute_cell_indicators, prepare_cells
from pipeline.indicators.expressions import Expression
from pipeline.indicators.matrix import build_clustering_matrix
from pipeline.indicators.options import (
    ClusteringParams,
    attach_extras,
    county_catalog,
    parse_options,
)
from pipeline.indicators.shrinkage import StabilizeParams
from pipeline.readers import no_units
from pipeline.readers.cell_table import join_topics
from pipeline.readers.zensus import read_zensus

# --- the hand-made snippet ----------------------------------------------------------------
# Four cells: A (40 residents), B (10, KLAMMERN, bands above the total), C (3 residents,
# 65+ band 4 > total 3, no families), D (20, in the second municipality, one age band
# hidden by a dash with one person unexplained).
ID = "GITTER_ID_100m;x_mp_100m;y_mp_100m"
A = "CRS3035RES100mN2689100E4337000;4337050;2689150"
B = "CRS3035RES100mN2689100E4337100;4337150;2689150"
C = "CRS3035RES100mN2689200E4337000;4337050;2689250"
D = "CRS3035RES100mN2689200E4337100;4337150;2689250"
FLAG = "werterlaeuternde_Zeichen"

SNIPPET = {
    "Bevoelkerungszahl": [
        f"{ID};Einwohner;{FLAG}",
        f"{A};40;", f"{B};10;KLAMMERN", f"{C};3;", f"{D};20;",
    ],
    "Alter_in_5_Altersklassen": [
        f"{ID};Insgesamt_Bevoelkerung;Unter18;a18bis29;a30bis49;a50bis64;a65undaelter;{FLAG}",
        f"{A};40;8;6;12;8;6;",
        f"{B};10;4;–;3;–;5;KLAMMERN",
        f"{C};3;–;–;–;–;4;",
        f"{D};20;5;–;6;5;3;",
    ],
    "Alter_5er-Jahresgruppen": [
        f"{ID};Insgesamt_Bevoelkerung;unter5;a5bis9;a10bis14;a15bis19;a20bis24;a25bis29;"
        "a30bis34;a35bis39;a40bis44;a45bis49;a50bis54;a55bis59;a60bis64;a65bis69;a70bis74;"
        f"a75bis79;a80bis84;a85bis89;a90undaelter;{FLAG}",
        f"{A};40;3;5;3;–;3;3;4;3;–;4;–;4;3;–;–;–;3;–;3;",
        f"{B};10;–;–;–;–;–;–;–;3;–;–;–;–;–;3;4;–;–;–;–;KLAMMERN",
        f"{C};3;–;–;–;–;–;–;–;–;–;–;–;–;–;–;–;–;3;–;–;",
        f"{D};20;–;3;–;–;–;3;3;–;3;–;3;–;3;3;–;–;–;–;–;",
    ],
    "Durchschnittsalter": [
        f"{ID};Durchschnittsalter;{FLAG}",
        f"{A};41,25;", f"{B};52,50;KLAMMERN", f"{C};–;", f"{D};30,00;",
    ],
    "Anteil_Auslaender": [
        f"{ID};AnteilAuslaender;{FLAG}",
        f"{A};10,00;", f"{B};–;", f"{C};–;", f"{D};25,00;",
    ],
    "Groesse_des_privaten_Haushalts": [
        f"{ID};Insgesamt_Haushalte;1_Person;2_Personen;3_Personen;4_Personen;5_Personen;"
        f"6_Personen_und_mehr;{FLAG}",
        f"{A};20;8;6;3;3;–;–;", f"{B};5;3;–;–;2;–;–;", f"{C};2;1;1;–;–;–;–;",
        f"{D};8;1;2;2;2;1;–;",
    ],
    "Durchschn_Haushaltsgroesse": [
        f"{ID};DurchschnHHGroesse;{FLAG}",
        f"{A};2,00;", f"{B};2,00;", f"{C};1,50;", f"{D};2,50;",
    ],
    "Typ_der_Kernfamilie_nach_Kindern": [  # C has no family: not listed
        f"{ID};Insgesamt_Familie;Ehep_ohneKind;Ehep_mind_1Kind_unter18;Ehep_Kinder_ab18;"
        "EingetrLP_ohneKind;EingetrLP_mind_1Kind_unter18;EingetrLP_Kinder_ab18;"
        "NichtehelLG_ohneKind;NichtehelLG_mind_1Kind_unter18;NichtehelLG_Kinder_ab18;"
        "Vater_mind_1Kind_unter18;Vater_Kinder_ab18;Mutter_mind_1Kind_unter18;"
        f"Mutter_Kinder_ab18;{FLAG}",
        f"{A};12;4;4;1;–;–;–;1;1;–;–;–;2;–;",
        f"{B};3;1;–;–;–;–;–;–;–;–;1;–;1;–;KLAMMERN",
        f"{D};5;–;3;–;–;–;–;–;1;–;–;–;1;–;",
    ],
    "Eigentuemerquote": [
        f"{ID};Eigentuemerquote;{FLAG}",
        f"{A};60,00;", f"{B};–;", f"{C};100,00;", f"{D};25,00;",
    ],
    "Leerstandsquote": [
        f"{ID};Leerstandsquote;{FLAG}",
        f"{A};5,00;", f"{B};–;", f"{C};–;", f"{D};10,00;",
    ],
    "Durchschn_Nettokaltmiete": [
        f"{ID};durchschnMieteQM;{FLAG}",
        f"{A};7,00;", f"{B};6,00;", f"{C};–;", f"{D};9,00;",
    ],
    "Durchschn_Flaeche_je_Bewohner": [
        f"{ID};durchschnFlaechejeBew;{FLAG}",
        f"{A};45,50;", f"{B};60,00;", f"{C};80,00;", f"{D};40,00;",
    ],
    "Gebaeude_nach_Baujahr_in_Mikrozensus_Klassen": [
        f"{ID};Insgesamt_Gebaeude;Vor1919;a1919bis1948;a1949bis1978;a1979bis1990;"
        f"a1991bis2000;a2001bis2010;a2011bis2019;a2020undspaeter;{FLAG}",
        f"{A};6;1;1;2;–;–;1;1;–;", f"{B};2;2;–;–;–;–;–;–;–;",
        f"{C};1;–;–;–;–;–;–;–;1;", f"{D};3;–;–;–;–;1;2;–;–;",
    ],
}

MUNI1, MUNI2 = "05399001", "05399002"
AGS = [MUNI1, MUNI1, MUNI1, MUNI2]
#: Reader-shaped municipal table (read_income + read_sgb2); SGB II under 15 anonymised in 2.
MUNICIPAL = pd.DataFrame({
    "ags": [MUNI1, MUNI2], "name": ["Eins", "Zwei"],
    "taxpayers": [30.0, 10.0], "income_total_keur": [1200.0, 500.0],
    "sgb2_persons": [6.0, 2.0], "sgb2_under15": [2.0, np.nan], "unemployed": [3.0, 1.0],
})

#: Every indicator per cell (A, B, C, D), worked out by hand from the snippet.
NAN = np.nan
EXPECTED = {
    # (3 + 5/5) / 40; D: (0 + 3/5) / 20
    "anteil_unter6": [0.1, 0.0, 0.0, 0.03],
    "anteil_unter18": [8 / 40, 4 / 10, 0 / 3, 5 / 20],
    # C: 4 / 3 clipped to 1
    "anteil_65plus": [6 / 40, 5 / 10, 1.0, 3 / 20],
    "anteil_80plus": [6 / 40, 0.0, 3 / 3, 0.0],
    # C: en dash -> missing
    "durchschnittsalter": [41.25, 52.5, NAN, 30.0],
    # under 20 per 100 aged 20-64; C has no one aged 20-64 -> missing
    "jugendquotient": [100 * 11 / 24, 0.0, NAN, 100 * 3 / 15],
    "altenquotient": [100 * 6 / 24, 100 * 7 / 3, NAN, 100 * 3 / 15],
    # B, C: en dash of a published percent with residents -> 0
    "anteil_auslaender": [0.10, 0.0, 0.0, 0.25],
    "anteil_einpersonenhh": [8 / 20, 3 / 5, 1 / 2, 1 / 8],
    "haushaltsgroesse": [2.0, 2.0, 1.5, 2.5],
    # single parents over families with children under 18; C not listed -> missing
    "anteil_alleinerziehende": [2 / 7, 2 / 2, NAN, 1 / 5],
    "eigentuemerquote": [0.60, 0.0, 1.0, 0.25],
    "leerstandsquote": [0.05, 0.0, 0.0, 0.10],
    "nettokaltmiete_qm": [7.0, 6.0, NAN, 9.0],
    "wohnflaeche_je_person": [45.5, 60.0, 80.0, 40.0],
    "gebaeude_vor1949": [2 / 6, 2 / 2, 0.0, 0.0],
    "gebaeude_ab2001": [2 / 6, 0.0, 1 / 1, 2 / 3],
    "bevoelkerungsdichte": [4000.0, 1000.0, 300.0, 2000.0],
    # under-65 residents: muni 1 = 34 + 7 + 0, muni 2 = 5 + 1 (hidden) + 6 + 5
    "sgb2_quote_gem": [6 / 41] * 3 + [2 / 17],
    # under 15: muni 1 = 11 + 0 + 0; muni 2 anonymised -> missing
    "sgb2_kinder_quote_gem": [2 / 11] * 3 + [NAN],
    # 15-64: muni 1 = 24 + 3 + 0, muni 2 = 15
    "arbeitslose_gem": [3 / 27] * 3 + [1 / 15],
    "einkommen_je_stpfl_gem": [40_000.0] * 3 + [50_000.0],
}


def write_topic(folder, topic, lines):
    path = folder / f"Zensus2022_{topic}_100m-Gitter.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def snippet_cells(folder, order=None):
    topics = {t: read_zensus(write_topic(folder, t, SNIPPET[t])) for t in order or SNIPPET}
    cells = join_topics(topics)
    cells.insert(3, "ags", AGS)
    return cells


@pytest.fixture
def cells(tmp_path):
    return snippet_cells(tmp_path)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def compute(cells, catalog, municipal=MUNICIPAL):
    return compute_cell_indicators(cells, catalog, municipal, StabilizeParams(method="none"),
                                   on_missing="raise")


# --- catalog ------------------------------------------------------------------------------


def test_default_catalog_covers_the_themes(catalog):
    assert len(catalog) >= 15
    assert {i.theme for i in catalog} == {"age", "income", "social_structure", "housing"}
    assert set(EXPECTED) == set(catalog.keys)
    municipal = [i.key for i in catalog if i.is_municipal]
    assert municipal and all(k.endswith("_gem") for k in municipal)
    assert all(i.weight == 0 for i in catalog if i.is_municipal)  # never cluster on borders
    assert "one fifth" in catalog["anteil_unter6"].note
    assert len(catalog.dash_bands) == 2 and len(catalog.dash_zero) == 3


@pytest.mark.parametrize(
    "change, message",
    [
        pytest.param({"kind": "median"}, "kind must be one of", id="bad-kind"),
        pytest.param({"level": "municipality"}, "end in '_gem'", id="municipal-unmarked"),
        pytest.param({"numerator": None}, "needs \\['numerator'\\]", id="missing-numerator"),
        pytest.param({"numerator": "{a} ** 2"}, "found 'Pow'", id="power"),
        pytest.param({"numerator": "{a} + __import__('os')"}, "found 'Call'", id="call"),
        pytest.param({"weight": -1}, "weight must be", id="negative-weight"),
        pytest.param({"colour": "red"}, "unknown fields \\['colour'\\]", id="unknown-field"),
    ],
)
def test_catalog_validation_names_indicator_and_field(tmp_path, change, message):
    record = {"key": "x", "label_de": "x", "label_en": "x", "theme": "age", "kind": "share",
              "source": "zensus", "level": "cell", "unit": "1", "numerator": "a",
              "denominator": "b"} | change
    record = {k: v for k, v in record.items() if v is not None}
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump({"indicators": [record]}), encoding="utf-8")
    with pytest.raises(CatalogError, match=message):
        load_catalog(path)


def test_expression_sums_lists_and_resolves_topics():
    frame = pd.DataFrame({"Insgesamt": [10.0], "Insgesamt_T2": [20.0], "a": [1.0],
                          "klammern_T1": [False], "klammern_T2": [False]})
    assert Expression.parse(["a", "Insgesamt"]).evaluate(frame).tolist() == [11.0]
    assert Expression.parse("{T2:Insgesamt}").evaluate(frame).tolist() == [20.0]
    assert Expression.parse("{T1:Insgesamt} / 4").evaluate(frame).tolist() == [2.5]
    assert Expression.parse("Insgesamt").columns(frame, topic="T3") == {"Insgesamt": None}
    assert np.isnan(Expression.parse("{a} / 0").evaluate(frame)[0])


# --- the hand-made snippet ----------------------------------------------------------------


@pytest.mark.parametrize("order", [
    pytest.param(None, id="file-order"),
    pytest.param(list(reversed(SNIPPET)), id="reversed-order"),
])
def test_snippet_indicators_match_hand_values(tmp_path, catalog, order):
    cells = snippet_cells(tmp_path, order)
    result = compute(cells, catalog)
    table = result.table
    assert result.skipped == {}
    assert table["cell_id"].tolist() == sorted(table["cell_id"])
    for key, expected in EXPECTED.items():
        np.testing.assert_allclose(table[f"{key}_raw"], expected, rtol=1e-12, err_msg=key)
        np.testing.assert_allclose(table[key], expected, rtol=1e-12, err_msg=key)


def test_snippet_flags_counts_and_missing(cells, catalog):
    assert cells.loc[1, "klammern_Bevoelkerungszahl"] and cells.loc[1, "Einwohner"] == 10
    assert not cells.loc[0, "klammern_Bevoelkerungszahl"]
    result = compute(cells, catalog)
    s = result.summary
    assert s.loc["anteil_65plus", "clipped"] == 1  # C: 4 / 3
    assert s.loc["durchschnittsalter", "missing"] == 1  # en dash in a mean
    assert s.loc["anteil_alleinerziehende", "missing"] == 1  # topic does not list C
    assert s.loc["jugendquotient", "zero_base"] == 1
    assert s.loc["sgb2_kinder_quote_gem", "missing"] == 1  # anonymised in municipality 2
    assert (s.loc[[k for k in EXPECTED if k.endswith("_gem")], "level"] == "municipality").all()
    assert result.prepared == {
        "Alter_in_5_Altersklassen": {"bands_filled": 1, "persons_imputed": 1.0},
        "Alter_5er-Jahresgruppen": {"bands_filled": 0, "persons_imputed": 0.0},
        "AnteilAuslaender": {"dash_as_zero": 2},
        "Eigentuemerquote": {"dash_as_zero": 1},
        "Leerstandsquote": {"dash_as_zero": 2},
    }
    assert s.loc["anteil_65plus", "max"] == 1.0 and s.loc["anteil_65plus", "min"] == 0.15


def test_snippet_numerators_are_the_counts(cells, catalog):
    table = compute(cells, catalog).table
    # shares keep the published (perturbed) counts; only the ratio is clipped
    assert table["anteil_65plus_num"].tolist() == [6, 5, 4, 3]
    assert table["anteil_65plus_den"].tolist() == [40, 10, 3, 20]
    # rent weighted by rented dwellings = households x (1 - owner rate)
    np.testing.assert_allclose(table["nettokaltmiete_qm_den"], [8.0, 5.0, NAN, 6.0])
    np.testing.assert_allclose(table["nettokaltmiete_qm_num"], [56.0, 30.0, NAN, 54.0])
    # municipal counts spread by under-65 residents; they add up to the municipal counts
    np.testing.assert_allclose(table["sgb2_quote_gem_num"], [6 * 34 / 41, 6 * 7 / 41, 0, 2])
    assert table["sgb2_quote_gem_num"].sum() == pytest.approx(8.0)
    assert table["sgb2_quote_gem_den"].sum() == pytest.approx(41 + 17)


def test_dash_rules_can_be_switched_off(cells, catalog):
    options = parse_options({"indicators": {"dashes": {"impute_bands": False,
                                                       "rates_as_zero": False}}})
    result = compute(cells, county_catalog(options, catalog))
    table = result.table
    np.testing.assert_allclose(table["anteil_auslaender_raw"], [0.10, NAN, NAN, 0.25])
    # without the hidden person, municipality 2 has 16 residents under 65
    assert table["sgb2_quote_gem_raw"].iloc[3] == pytest.approx(2 / 16)
    assert result.prepared == {}


def test_missing_topic_is_skipped_with_reason(tmp_path, catalog):
    order = [t for t in SNIPPET if t != "Durchschn_Nettokaltmiete"]
    cells = snippet_cells(tmp_path, order)
    with pytest.warns(UserWarning, match="nettokaltmiete_qm"):
        result = compute_cell_indicators(cells, catalog, MUNICIPAL,
                                         StabilizeParams(method="none"))
    assert "durchschnMieteQM" in result.skipped["nettokaltmiete_qm"]
    assert "nettokaltmiete_qm" not in result.table.columns
    with pytest.raises(KeyError, match="nettokaltmiete_qm"):
        compute(cells, catalog)


def test_without_municipal_statistics_the_municipal_indicators_are_skipped(cells, catalog):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compute_cell_indicators(cells, catalog, None, StabilizeParams(method="none"))
    assert set(result.skipped) == {k for k in EXPECTED if k.endswith("_gem")}


# --- en-dash preparation ------------------------------------------------------------------


def test_hidden_band_persons_follow_the_county_structure():
    # county structure of the published bands: young 63, mid 33, old 15
    cells = pd.DataFrame({
        "cell_id": ["a", "b", "c"], "x": [0, 100, 200], "y": [0, 0, 0],
        "Einwohner": [100.0, 5.0, 9.0],
        "total": [100.0, 5.0, 9.0],
        "young": [60.0, 0.0, 3.0], "mid": [30.0, 0.0, 3.0], "old": [10.0, 5.0, 0.0],
    })
    catalog = Catalog((), (DashBands("T", "total", ("young", "mid", "old"), 2.0),))
    out, report = prepare_cells(cells, catalog)
    # a: nothing hidden; b: remainder 0; c: remainder 9 - 6 = 3 > cap 2 -> old gets 2
    assert out[["young", "mid", "old"]].to_numpy().tolist() == [
        [60, 30, 10], [0, 0, 5], [3, 3, 2]]
    cells.loc[2, ["young", "mid"]] = [0.0, 3.0]  # c: remainder 9 - 3 = 6 over young, old
    out, _ = prepare_cells(cells, catalog)
    # published structure now young 60, mid 33, old 15: young : old = 4 : 1, so young
    # gets 6 * 0.8 = 4.8 (capped at 2) and old 6 * 0.2 = 1.2
    np.testing.assert_allclose(out.loc[2, ["young", "mid", "old"]], [2.0, 3.0, 1.2])
    assert report == {"T": {"bands_filled": 1, "persons_imputed": 2.0}}
    assert cells.loc[2, "young"] == 0.0  # input untouched


# --- county options -----------------------------------------------------------------------


def test_options_disable_weights_directions(catalog):
    options = parse_options({"indicators": {
        "disable": ["anteil_80plus"], "weights": {"anteil_unter6": 2},
        "directions": {"anteil_auslaender": 1},
        "stabilize": {"method": "pool", "k": 1}, "clustering": {"whiten": 0.9}}})
    county = county_catalog(options, catalog)
    assert "anteil_80plus" not in county and len(county) == len(catalog) - 1
    assert county["anteil_unter6"].weight == 2.0
    assert county["anteil_auslaender"].direction == 1
    assert options.stabilize == StabilizeParams(method="pool", k=1)
    assert options.clustering.whiten == 0.9


@pytest.mark.parametrize(
    "options, message",
    [
        pytest.param({"disable": ["nope"]}, "unknown indicators \\['nope'\\]", id="disable"),
        pytest.param({"weights": {"anteil_unter6": "viel"}}, "must be a number", id="weight"),
        pytest.param({"directions": {"anteil_unter6": 2}}, "direction must be", id="dir"),
        pytest.param({"colour": 1}, "unknown keys \\['colour'\\]", id="unknown"),
        pytest.param({"stabilize": {"method": "magic"}}, "method must be", id="stabilize"),
        pytest.param({"extra": [{"path": "x.csv", "key": "block"}]}, "'cell' or 'municipality'",
                     id="extra-key"),
        pytest.param({"extra": [{"path": "x.csv", "key": "municipality", "column": "kita"}]},
                     "end in '_gem'", id="extra-municipal-unmarked"),
    ],
)
def test_bad_options_raise(catalog, options, message):
    with pytest.raises(CatalogError, match=message):
        county_catalog(parse_options({"indicators": options}), catalog)


def test_extra_indicators_from_csv(tmp_path, cells, catalog):
    (tmp_path / "laerm.csv").write_text(
        "cell_id;laerm_db\n"
        "CRS3035RES100mN2689100E4337000;55,5\n"
        "CRS3035RES100mN2689200E4337100;70,0\n"
        "CRS3035RES100mN9999900E9999900;40,0\n", encoding="utf-8")
    (tmp_path / "kita.csv").write_text(
        "AGS;plaetze\n05399001;20\n05399002;3\n", encoding="utf-8")
    options = parse_options({"indicators": {"extra": [
        {"path": "laerm.csv", "key": "cell", "column": "laerm_db", "indicator": "laerm",
         "label_de": "Lärm", "unit": "dB", "weight": 0.5},
        {"path": "kita.csv", "key": "municipality", "id_column": "AGS",
         "indicator": "kitaplaetze_gem", "kind": "share", "numerator": "plaetze",
         "cell_base": "{Alter_5er-Jahresgruppen:unter5} + {Alter_5er-Jahresgruppen:a5bis9} / 5",
         "theme": "social_structure", "direction": -1},
    ]}}, base_dir=tmp_path)
    county = county_catalog(options, catalog)
    assert county["laerm"].weight == 0.5 and county["kitaplaetze_gem"].is_municipal
    with_cells, municipal = attach_extras(options, cells, MUNICIPAL)
    assert "laerm_db" not in cells.columns  # inputs untouched
    table = compute(with_cells, county, municipal).table
    np.testing.assert_allclose(table["laerm_raw"], [55.5, NAN, NAN, 70.0])
    # under 6: muni 1 = (3 + 5/5) + 0 + 0 = 4 -> 20 / 4; muni 2 = 3/5 -> 3 / 0.6 (clipped to 1)
    np.testing.assert_allclose(table["kitaplaetze_gem_raw"], [1.0, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(table["kitaplaetze_gem_num"].sum(), 23.0)


def test_extra_indicator_from_an_xlsx_workbook(tmp_path, cells, catalog):
    """A county's own table as Excel: title rows, the header found, German and real numbers."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Hinweise"
    sheet = book.create_sheet("Lärm")
    sheet.append(["Lärmkartierung 2022, Tag-Abend-Nacht-Pegel"])
    sheet.append(["cell_id", "laerm_db"])
    sheet.append(["CRS3035RES100mN2689100E4337000", 55.5])
    sheet.append(["CRS3035RES100mN2689200E4337100", "70,0"])
    book.save(tmp_path / "laerm.xlsx")
    options = parse_options({"indicators": {"extra": [
        {"path": "laerm.xlsx", "key": "cell", "column": "laerm_db", "indicator": "laerm"}]}},
        base_dir=tmp_path)
    with_cells, municipal = attach_extras(options, cells, MUNICIPAL)
    table = compute(with_cells, county_catalog(options, catalog), municipal).table
    np.testing.assert_allclose(table["laerm_raw"], [55.5, NAN, NAN, 70.0])
    wrong = parse_options({"indicators": {"extra": [
        {"path": "laerm.xlsx", "key": "cell", "column": "dB", "indicator": "laerm",
         "sheet": "Lärm"}]}}, base_dir=tmp_path)
    with pytest.raises(CatalogError, match=r"laerm.xlsx!Lärm: missing columns \['dB'\]"):
        attach_extras(wrong, cells)


def test_extra_csv_must_hold_its_columns(tmp_path, cells):
    (tmp_path / "x.csv").write_text("cell_id;other\nA;1\n", encoding="utf-8")
    options = parse_options({"indicators": {"extra": [
        {"path": "x.csv", "key": "cell", "column": "laerm"}]}}, base_dir=tmp_path)
    with pytest.raises(CatalogError, match="missing columns \\['laerm'\\]"):
        attach_extras(options, cells)


# --- clustering matrix --------------------------------------------------------------------


def small_table():
    rng = np.random.default_rng(1)
    n = 200
    a = rng.normal(size=n)
    return pd.DataFrame({
        "cell_id": [f"c{i}" for i in range(n)], "Einwohner": rng.integers(1, 50, n).astype(float),
        "anteil_unter18": a,
        "anteil_65plus": -a + rng.normal(scale=0.05, size=n),  # |r| > 0.9 with the first
        "anteil_einpersonenhh": np.where(np.arange(n) % 10 == 0, np.nan, rng.normal(size=n)),
        "eigentuemerquote": np.full(n, 0.5),  # constant
    })


def test_clustering_matrix_standardizes_weights_and_reports(catalog):
    table = small_table()
    cat = catalog.only(["anteil_unter18", "anteil_65plus", "anteil_einpersonenhh",
                        "eigentuemerquote", "jugendquotient"])
    cat = cat.with_values("weight", {"anteil_unter18": 4.0})
    m = build_clustering_matrix(table, cat)
    assert m.values.shape == (200, 3) and np.isfinite(m.values).all()
    assert m.columns == ("anteil_unter18", "anteil_65plus", "anteil_einpersonenhh")
    assert m.imputed["anteil_einpersonenhh"] == 20
    assert m.dropped == {"eigentuemerquote": "constant", "jugendquotient": "weight 0"}
    w = table["Einwohner"].to_numpy()
    col = m.values[:, 0]
    assert np.average(col, weights=w) == pytest.approx(0.0, abs=1e-12)
    assert np.sqrt(np.average(col**2, weights=w)) == pytest.approx(2.0)  # sqrt(weight 4)
    assert m.correlated[["a", "b"]].values.tolist() == [["anteil_unter18", "anteil_65plus"]]
    assert m.correlated["r"].iloc[0] < -0.9
    frame = m.to_frame(table["cell_id"])
    assert frame.columns[0] == "cell_id" and len(frame) == 200


def test_clustering_matrix_robust_and_whitened(catalog):
    table = small_table()
    cat = catalog.only(["anteil_unter18", "anteil_65plus", "anteil_einpersonenhh"])
    robust = build_clustering_matrix(table, cat, params=ClusteringParams(standardize="robust"))
    assert np.isfinite(robust.values).all()
    white = build_clustering_matrix(table, cat, params=ClusteringParams(whiten=True))
    w = table["Einwohner"].to_numpy()
    cov = np.cov(white.values.T, aweights=w, bias=True)
    np.testing.assert_allclose(cov, np.eye(white.values.shape[1]), atol=1e-9)
    part = build_clustering_matrix(table, cat, params=ClusteringParams(whiten=0.6))
    assert part.columns[0] == "pc1" and part.values.shape[1] < 3
    assert part.explained[0] > 0.6 or part.explained.sum() >= 0.6


def test_clustering_matrix_on_the_snippet(cells, catalog):
    table = compute(cells, catalog).table
    m = build_clustering_matrix(table, catalog)
    assert m.values.shape[0] == 4 and np.isfinite(m.values).all()
    # C's average age and rent are missing (no stabilisation here): imputed and counted
    assert m.imputed["durchschnittsalter"] == 1 and m.imputed["nettokaltmiete_qm"] == 1
    assert all(k.endswith("_gem") is False for k in m.columns)


# --- the assets (direct calls) ------------------------------------------------------------


def test_assets_follow_the_county_options(tmp_path, cells):
    from dagster import build_asset_context

    from assets.indicators import cell_indicators, clustering_matrix
    from assets.regions import region_profiles
    from assets.resources import CountiesResource
    from pipeline.operations import CountyRegions, PublishedState, assign_stable_ids
    from pipeline.regionalization import RegionParameters

    (tmp_path / "laerm.csv").write_text("cell_id;laerm_db\n" + "".join(
        f"{c};{50 + i}\n" for i, c in enumerate(cells["cell_id"])), encoding="utf-8")
    config = tmp_path / "counties.yaml"
    config.write_text(yaml.safe_dump({"counties": {"sample": {
        "name": "Snippet", "ags": "05399", "vg250": "none.gpkg",
        "zensus": {"Bevoelkerungszahl": "none.zip"},
        "options": {"indicators": {
            "disable": ["anteil_80plus"], "weights": {"bevoelkerungsdichte": 1.0},
            "extra": [{"path": "laerm.csv", "key": "cell", "column": "laerm_db",
                       "indicator": "laerm", "weight": 1.0}],
            "stabilize": {"method": "none"}}}}}}), encoding="utf-8")
    counties = CountiesResource(config_path=str(config), processed_root=str(tmp_path / "out"))
    income = MUNICIPAL[["ags", "name", "taxpayers", "income_total_keur"]]
    sgb2 = MUNICIPAL[["ags", "name", "sgb2_persons", "sgb2_under15", "unemployed"]]

    def context():
        return build_asset_context(partition_key="sample")

    out = cell_indicators(context(), counties, cells, income, sgb2, no_units())
    table = out.value
    assert "anteil_80plus" not in table.columns
    assert table["laerm"].tolist() == [50.0, 51.0, 52.0, 53.0]
    np.testing.assert_allclose(table["sgb2_quote_gem"], EXPECTED["sgb2_quote_gem"])
    assert out.metadata["missing/durchschnittsalter"].value == 1
    assert "| anteil_65plus" in out.metadata["summary"].value

    matrix = clustering_matrix(context(), counties, table).value
    assert {"laerm", "bevoelkerungsdichte"} <= set(matrix.columns)
    assert matrix.drop(columns="cell_id").notna().all().all()

    # the regions carry stable IDs matched to a publish: the profiles carry the same IDs
    ids, labels = table["cell_id"].to_numpy(), np.array([0, 0, 0, 1])
    published = PublishedState(pd.DataFrame({
        "cell_id": ids, "region": labels,
        "sr_id": ["SR-05399-007"] * 3 + ["SR-05399-004"]}), "fp", 7, "run-0")
    stable = assign_stable_ids(ids, labels, np.ones(4), published, "05399")
    regions = CountyRegions(
        cells=pd.DataFrame({"cell_id": ids, "region": labels, "sr_id": stable.sr_id}),
        parameters=RegionParameters(), fingerprint="fp", max_issued=stable.max_issued,
        reused_published=False, warm_started=True, quality={}, stability=stable.report)
    profiles = region_profiles(context(), counties, table, regions.to_frame())
    p = profiles.value.set_index("sr_id")
    assert list(p.index) == ["SR-05399-007", "SR-05399-004"]
    assert p.loc["SR-05399-007", "anteil_alleinerziehende"] == pytest.approx(4 / 9)
    assert p.loc["SR-05399-007", "sgb2_quote_gem"] == pytest.approx(6 / 41)
    assert profiles.metadata["regions"].value == 2
