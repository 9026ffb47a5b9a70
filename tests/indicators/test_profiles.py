"""Tests for :mod:`pipeline.indicators.profiles`.

Test matrix
-----------
- ratio of sums: a region of two cells built so that the mean of the cell ratios (55 %)
  and the ratio of the summed counts (3 / 21) differ; the profile equals the indicator of
  the merged cell, whatever the cells; means weighted by their base (rent by rented
  dwellings, average age by residents); shares clipped after summing;
- municipal values: a social space across two municipalities gets the municipal counts
  weighted by the residents it takes from each;
- ranks, z-scores, social index and the four status classes (thresholds and quartiles);
- errors: labels of the wrong length, missing labels, bad parameters.
"""

import numpy as np
import pandas as pd
import pytest

from pipeline.indicators.catalog import load_catalog
from pipeline.indicators.compute import compute_cell_indicators
from pipeline.indicators.profiles import (
    STATUS_CLASSES,
    ProfileParams,
    build_profiles,
    classify_status,
)
from pipeline.indicators.shrinkage import StabilizeParams

FAMILY_COLUMNS = ["Ehep_mind_1Kind_unter18", "EingetrLP_mind_1Kind_unter18",
                  "NichtehelLG_mind_1Kind_unter18", "Vater_mind_1Kind_unter18",
                  "Mutter_mind_1Kind_unter18"]
KEYS = ["anteil_alleinerziehende", "nettokaltmiete_qm", "durchschnittsalter", "anteil_65plus",
        "sgb2_quote_gem", "einkommen_je_stpfl_gem"]


def cell_table(families, rents, ages, residents, ags, **extra):
    """A joined cell table (join_topics shape) holding only the columns the keys need."""
    n = len(residents)
    table = pd.DataFrame({
        "cell_id": [f"CRS3035RES100mN{2689000 + 100 * i}E4337000" for i in range(n)],
        "x": 4337000, "y": 2689000 + 100 * np.arange(n), "ags": ags,
        "Einwohner": np.asarray(residents, float),
        "Insgesamt_Bevoelkerung": np.asarray(residents, float),
        "Unter18": 0.0, "a18bis29": np.asarray(residents, float), "a30bis49": 0.0,
        "a50bis64": 0.0, "a65undaelter": extra.get("old", 0.0),
        "Insgesamt_Haushalte": np.asarray(extra.get("households", residents), float),
        "Eigentuemerquote": np.asarray(extra.get("owners", [0.0] * n), float),
        "durchschnMieteQM": np.asarray(rents, float),
        "Durchschnittsalter": np.asarray(ages, float),
    })
    single, couples = (np.asarray(v, float) for v in zip(*families, strict=True))
    table["Vater_mind_1Kind_unter18"] = 0.0
    table["Mutter_mind_1Kind_unter18"] = single
    table["Ehep_mind_1Kind_unter18"] = couples
    table["EingetrLP_mind_1Kind_unter18"] = 0.0
    table["NichtehelLG_mind_1Kind_unter18"] = 0.0
    for topic in ("Bevoelkerungszahl", "Alter_in_5_Altersklassen", "Groesse_des_privaten_Haushalts",
                  "Eigentuemerquote", "Durchschn_Nettokaltmiete", "Durchschnittsalter",
                  "Typ_der_Kernfamilie_nach_Kindern"):
        table[f"klammern_{topic}"] = False
    return table


MUNICIPAL = pd.DataFrame({"ags": ["05399001", "05399002"], "sgb2_persons": [10.0, 40.0],
                          "taxpayers": [100.0, 50.0], "income_total_keur": [4000.0, 2500.0]})


def indicators(table):
    catalog = load_catalog().only(KEYS)
    return compute_cell_indicators(table, catalog, MUNICIPAL, StabilizeParams(method="none"),
                                   on_missing="raise").table, catalog


def test_profile_is_the_ratio_of_sums_not_the_mean_of_ratios():
    # cell 0: 1 single parent among 1 family (100 %); cell 1: 2 among 20 (10 %)
    table = cell_table(families=[(1, 0), (2, 18)], rents=[10.0, 6.0], ages=[30.0, 50.0],
                       residents=[4, 60], ags=["05399001"] * 2,
                       households=[2, 30], owners=[0.0, 50.0])
    cells, catalog = indicators(table)
    assert cells["anteil_alleinerziehende"].tolist() == [1.0, 0.1]
    mean_of_ratios = cells["anteil_alleinerziehende"].mean()
    profile = build_profiles(cells, [0, 0], catalog).iloc[0]
    assert mean_of_ratios == pytest.approx(0.55)
    assert profile["anteil_alleinerziehende"] == pytest.approx(3 / 21)
    # the right one: the same counts published as one cell give the profile's value
    merged = table.iloc[[0]].copy()
    merged[["Mutter_mind_1Kind_unter18", "Ehep_mind_1Kind_unter18"]] = [3.0, 18.0]
    merged_value = indicators(merged)[0]["anteil_alleinerziehende"].iloc[0]
    assert merged_value == pytest.approx(profile["anteil_alleinerziehende"])
    # rent weighted by rented dwellings: 2 x 100 % and 30 x 50 % -> (10 * 2 + 6 * 15) / 17
    assert profile["nettokaltmiete_qm"] == pytest.approx((10 * 2 + 6 * 15) / 17)
    assert cells["nettokaltmiete_qm"].mean() == pytest.approx(8.0)  # what must not come out
    # average age weighted by residents
    assert profile["durchschnittsalter"] == pytest.approx((30 * 4 + 50 * 60) / 64)
    assert profile["residents"] == 64 and profile["cells"] == 2
    assert profile["area_km2"] == pytest.approx(0.02)


def test_profile_does_not_depend_on_how_counts_fall_into_cells():
    rng = np.random.default_rng(3)
    singles = rng.integers(0, 4, 30)
    couples = rng.integers(0, 10, 30)
    table = cell_table(families=list(zip(singles, couples, strict=True)),
                       rents=rng.uniform(5, 10, 30), ages=rng.uniform(20, 60, 30),
                       residents=rng.integers(1, 40, 30), ags=["05399001"] * 30)
    cells, catalog = indicators(table)
    labels = rng.integers(0, 3, 30)
    profiles = build_profiles(cells, labels, catalog).set_index("region")
    for region in range(3):
        inside = labels == region
        expected = singles[inside].sum() / (singles[inside].sum() + couples[inside].sum())
        assert profiles.loc[region, "anteil_alleinerziehende"] == pytest.approx(expected)


def test_shares_are_clipped_after_summing():
    table = cell_table(families=[(1, 0), (1, 0)], rents=[6, 6], ages=[40, 40],
                       residents=[3, 3], ags=["05399001"] * 2, old=[5.0, 1.0])
    cells, catalog = indicators(table)
    assert cells["anteil_65plus"].tolist() == [1.0, 1 / 3]  # 5 / 3 clipped in the cell
    profile = build_profiles(cells, [0, 0], catalog).iloc[0]
    assert profile["anteil_65plus"] == pytest.approx(1.0)  # (5 + 1) / 6, not (1 + 1/3) / 2


def test_municipal_values_follow_the_residents_taken_from_each_municipality():
    # under-65 residents: muni 1 = 10 + 30, muni 2 = 60 + 20; region 0 = cells 0 and 2
    table = cell_table(families=[(0, 1)] * 4, rents=[6] * 4, ages=[40] * 4,
                       residents=[10, 30, 60, 20], ags=["05399001", "05399001", "05399002",
                                                        "05399002"])
    cells, catalog = indicators(table)
    np.testing.assert_allclose(cells["sgb2_quote_gem"], [10 / 40, 10 / 40, 40 / 80, 40 / 80])
    profiles = build_profiles(cells, [0, 1, 0, 1], catalog).set_index("region")
    # region 0 takes 10/40 of muni 1 and 60/80 of muni 2
    expected = (10 * 10 / 40 + 40 * 60 / 80) / (10 + 60)
    assert profiles.loc[0, "sgb2_quote_gem"] == pytest.approx(expected)
    assert profiles.loc[0, "municipalities"] == 2
    # income per taxpayer: income and taxpayers spread by residents
    income = 4_000_000 * 10 / 40 + 2_500_000 * 60 / 80
    payers = 100 * 10 / 40 + 50 * 60 / 80
    assert profiles.loc[0, "einkommen_je_stpfl_gem"] == pytest.approx(income / payers)
    assert profiles.attrs["levels"]["sgb2_quote_gem"] == "municipality"


def test_ranks_z_scores_and_social_index():
    catalog = load_catalog().only(["anteil_alleinerziehende", "eigentuemerquote",
                                   "anteil_unter18"])
    # five regions of one cell each; values chosen so that z-scores are simple
    single = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    owners = np.array([0.5, 0.5, 0.5, 0.5, 0.9])
    table = pd.DataFrame({
        "Einwohner": [100.0] * 5,
        "anteil_alleinerziehende_num": single * 10, "anteil_alleinerziehende_den": [10.0] * 5,
        "eigentuemerquote_num": owners * 10, "eigentuemerquote_den": [10.0] * 5,
        "anteil_unter18_num": [1.0] * 5, "anteil_unter18_den": [10.0] * 5,
    })
    p = build_profiles(table, np.arange(5), catalog)
    assert p["anteil_alleinerziehende_rank"].tolist() == [5, 4, 3, 2, 1]
    assert p["eigentuemerquote_rank"].tolist() == [2, 2, 2, 2, 1]
    z_single = (single - 0.3) / single.std()
    np.testing.assert_allclose(p["anteil_alleinerziehende_z"], z_single)
    z_owner = (owners - owners.mean()) / owners.std()
    mean_signed = (z_single - z_owner) / 2  # higher = more need
    assert (p["anteil_unter18_z"] == 0).all()  # constant: z 0, not in the index anyway
    # one index, standardized: the mean of the signed z-scores is not kept beside it
    np.testing.assert_allclose(p["social_index"],
                               (mean_signed - mean_signed.mean()) / mean_signed.std())
    assert "social_index_z" not in p.columns
    assert list(p["status"].cat.categories) == list(STATUS_CLASSES)
    expected = classify_status(p["social_index"].to_numpy())
    assert p["status_class"].tolist() == expected.tolist()
    # the classes follow the index: more need, higher class, never the other way round
    order = np.argsort(p["social_index"].to_numpy())
    assert np.all(np.diff(p["status_class"].to_numpy()[order].astype(int)) >= 0)
    assert p.loc[p["social_index"].idxmax(), "status"] in ("hoch", "sehr hoch")


def test_classify_status_thresholds_and_quartiles():
    z = np.array([-2.0, -1.0, -0.5, 1.0, 1.2, 1.5, 1.6, np.nan])
    assert classify_status(z).tolist() == [1, 1, 2, 2, 3, 3, 4, 0]
    custom = ProfileParams(thresholds=(-0.5, 0.5, 1.0))
    assert classify_status(z, custom).tolist() == [1, 1, 1, 3, 4, 4, 4, 0]
    quart = ProfileParams(classify="quartiles")
    assert classify_status(np.arange(8.0), quart).tolist() == [1, 1, 2, 2, 3, 3, 4, 4]


def test_area_override_and_missing_values():
    catalog = load_catalog().only(["anteil_alleinerziehende"])
    table = pd.DataFrame({"Einwohner": [5.0, 7.0, 9.0],
                          "anteil_alleinerziehende_num": [1.0, np.nan, 2.0],
                          "anteil_alleinerziehende_den": [2.0, np.nan, 0.0]})
    p = build_profiles(table, [0, 0, 1], catalog, area_km2=pd.Series({0: 1.5, 1: 2.5}))
    assert p["area_km2"].tolist() == [1.5, 2.5]
    assert p["anteil_alleinerziehende"].iloc[0] == 0.5
    assert np.isnan(p["anteil_alleinerziehende"].iloc[1])  # no families: missing, not 0
    assert pd.isna(p["anteil_alleinerziehende_rank"].iloc[1])


@pytest.mark.parametrize(
    "labels, params, error, message",
    [
        pytest.param([0, 1], None, ValueError, "one entry per row", id="length"),
        pytest.param([0, np.nan, 1], None, ValueError, "missing values", id="nan"),
        pytest.param([0, 1, 1], "x", TypeError, "ProfileParams", id="params-type"),
    ],
)
def test_errors(labels, params, error, message):
    table = pd.DataFrame({"Einwohner": [1.0, 2.0, 3.0]})
    with pytest.raises(error, match=message):
        build_profiles(table, labels, load_catalog(), params)


def test_bad_parameters():
    with pytest.raises(ValueError, match="3 increasing numbers"):
        ProfileParams(thresholds=(1.0, 0.0, 2.0))
    with pytest.raises(ValueError, match="classify must be one of"):
        ProfileParams(classify="deciles")
