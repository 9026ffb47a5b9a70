"""Tests for :mod:`pipeline.indicators.sgb2_rate`.

Test matrix
-----------
- the shipped catalog: default choice (RLB over Zensus under 65) equals the catalog entry;
  PersBG over Zensus; PersBG over the BA's population below the age limit; the input
  catalog is not changed; a catalog without the rate is returned as it is;
- computed on a hand-made cell table of three cells in two municipalities (values worked
  out by hand): the rate per municipality, and numerator and denominator spread by the
  Zensus under-65 residents so that they add up to the municipal counts;
- errors: numerator or denominator not allowed (names the allowed values), no catalog;
- the allowed names are columns of ``read_sgb2``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import CatalogError
from pipeline.indicators.catalog import load_catalog
from pipeline.indicators.compute import compute_cell_indicators
from pipeline.indicators.sgb2_rate import (
    RATE_DENOMINATORS,
    RATE_KEY,
    RATE_NUMERATORS,
    sgb2_rate_catalog,
)
from pipeline.readers.bundesagentur import SGB2_VALUES

A, B = "05399001", "05399002"
#: Under-65 residents (the catalog's cell_base): c1 10+20+30+40 = 100, c2 4 x 5 = 20 (A has
#: 120), c3 10+10+10+20 = 50 (B).
CELLS = pd.DataFrame({
    "cell_id": ["CRS3035RES100mN3000000E4000000", "CRS3035RES100mN3000000E4000100",
                "CRS3035RES100mN3000100E4000000"],
    "x": [4000050.0, 4000150.0, 4000050.0], "y": [3000050.0, 3000050.0, 3000150.0],
    "ags": [A, A, B], "Einwohner": [130.0, 25.0, 60.0],
    "Unter18": [10.0, 5.0, 10.0], "a18bis29": [20.0, 5.0, 10.0],
    "a30bis49": [30.0, 5.0, 10.0], "a50bis64": [40.0, 5.0, 20.0],
})
MUNICIPAL = pd.DataFrame({
    "ags": [A, B], "name": ["Eins", "Zwei"],
    "sgb2_persons": [12.0, 4.0], "sgb2_persons_in_bg": [18.0, 8.0],
    "population_below_limit": [150.0, 40.0],
})


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def rate_table(catalog):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the other indicators lack their columns
        return compute_cell_indicators(CELLS, catalog.only([RATE_KEY]), MUNICIPAL).table


def test_default_is_the_catalog_entry(catalog):
    chosen = sgb2_rate_catalog(catalog)
    assert chosen[RATE_KEY].numerator == catalog[RATE_KEY].numerator
    assert chosen[RATE_KEY].denominator is None
    assert chosen[RATE_KEY].cell_base == catalog[RATE_KEY].cell_base
    assert chosen.keys == catalog.keys
    table = rate_table(chosen)
    np.testing.assert_allclose(table[f"{RATE_KEY}_raw"], [12 / 120, 12 / 120, 4 / 50])


def test_persons_in_bg_over_zensus(catalog):
    chosen = sgb2_rate_catalog(catalog, numerator="sgb2_persons_in_bg")
    assert chosen[RATE_KEY].numerator.text == "{sgb2_persons_in_bg}"
    assert "PersBG" in chosen[RATE_KEY].note
    table = rate_table(chosen)
    np.testing.assert_allclose(table[f"{RATE_KEY}_raw"], [18 / 120, 18 / 120, 8 / 50])
    # the numerator is spread by the under-65 residents: 18 x 100/120, 18 x 20/120, 8
    np.testing.assert_allclose(table[f"{RATE_KEY}_num"], [15.0, 3.0, 8.0])
    np.testing.assert_allclose(table[f"{RATE_KEY}_den"], [100.0, 20.0, 50.0])


def test_persons_in_bg_over_population_below_limit(catalog):
    chosen = sgb2_rate_catalog(catalog, numerator="sgb2_persons_in_bg",
                               denominator="population_below_limit")
    rate = chosen[RATE_KEY]
    assert rate.denominator.text == "{population_below_limit}"
    assert rate.cell_base == catalog[RATE_KEY].cell_base  # still the spreading key
    assert catalog[RATE_KEY].denominator is None  # the input is unchanged
    table = rate_table(chosen)
    np.testing.assert_allclose(table[f"{RATE_KEY}_raw"], [18 / 150, 18 / 150, 8 / 40])
    # 150 spread as 100/120 and 20/120 of the Zensus base: 125 and 25
    np.testing.assert_allclose(table[f"{RATE_KEY}_den"], [125.0, 25.0, 40.0])
    assert table[f"{RATE_KEY}_num"].sum() == pytest.approx(18 + 8)


def test_other_indicators_are_untouched(catalog):
    chosen = sgb2_rate_catalog(catalog, numerator="sgb2_employable")
    for indicator in catalog:
        if indicator.key != RATE_KEY:
            assert chosen[indicator.key] == indicator


def test_catalog_without_the_rate_is_returned_as_is(catalog):
    without = catalog.without([RATE_KEY])
    assert sgb2_rate_catalog(without, numerator="sgb2_persons_in_bg") is without


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"numerator": "sgb2_households"},
         r"sgb2: rate: numerator must be one of \('sgb2_persons', 'sgb2_persons_in_bg'.*"
         r"got 'sgb2_households'"),
        ({"denominator": "Einwohner"},
         r"sgb2: rate: denominator must be one of \(None, 'population_below_limit'\).*"
         r"got 'Einwohner'"),
    ],
    ids=["numerator", "denominator"],
)
def test_errors_name_the_allowed_values(catalog, kwargs, message):
    with pytest.raises(CatalogError, match=message):
        sgb2_rate_catalog(catalog, **kwargs)
    assert issubclass(CatalogError, ValueError)


def test_error_not_a_catalog():
    with pytest.raises(TypeError, match="catalog must be a Catalog, got dict"):
        sgb2_rate_catalog({}, numerator="sgb2_persons")


def test_allowed_names_are_reader_columns():
    assert set(RATE_NUMERATORS) <= set(SGB2_VALUES)
    assert {d for d in RATE_DENOMINATORS if d is not None} <= set(SGB2_VALUES)
