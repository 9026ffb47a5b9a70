"""What the Dagster UI shows beside the data: column descriptions, descriptions, summaries.

Matrix:
- column schemas: indicator columns described from the catalog given (German label, unit,
  what the suffix holds; stabilised or not as the catalog says), every other column from
  the one table ``pipeline.layout.COLUMN_DESCRIPTIONS``; every column an indicator brings
  is described; a column nobody described has no description;
- asset descriptions in the code location: no reST double backticks (the UI renders
  markdown), single backticks instead;
- the cell indicators' summary: raw and stabilised figures side by side, the shrinkage,
  German numbers.
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from assets.indicators import stabilized_markdown
from assets.metadata import column_description, frame_metadata, markdown_descriptions
from pipeline.indicators import load_catalog
from pipeline.indicators.shrinkage import value_summary
from pipeline.layout import COLUMN_DESCRIPTIONS, INDICATOR_COLUMN_SUFFIXES


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _schema(frame, catalog, **kwargs) -> dict:
    meta = frame_metadata(frame, catalog, **kwargs)
    assert meta["dagster/row_count"] == len(frame)
    return {c.name: c.description for c in meta["dagster/column_schema"].columns}


def test_indicator_columns_described_from_the_catalog(catalog):
    frame = pd.DataFrame(columns=["cell_id", "anteil_65plus", "anteil_65plus_raw",
                                  "anteil_65plus_num", "sgb2_quote_gem", "sgb2_quote_gem_raw",
                                  "sr_id", "social_index", "typ_name", "irgendwas"])
    schema = _schema(frame, catalog)
    old = catalog["anteil_65plus"]
    assert schema["anteil_65plus"] == f"{old.label_de} [{old.unit}]; stabilisiert"
    assert schema["anteil_65plus_raw"].endswith("; Rohwert vor der Stabilisierung")
    assert schema["anteil_65plus_num"].startswith(old.label_de)
    assert schema["sgb2_quote_gem"].endswith("nicht stabilisiert (gleich dem Rohwert)")
    assert schema["sr_id"] == COLUMN_DESCRIPTIONS["sr_id"]
    assert schema["social_index"].startswith("Sozialindex")
    assert schema["irgendwas"] is None
    # the county's catalog is the one used: a label changed there shows
    county = dataclasses.replace(catalog, indicators=tuple(
        dataclasses.replace(i, label_de="Ältere") if i.key == "anteil_65plus" else i
        for i in catalog))
    assert _schema(frame, county)["anteil_65plus_raw"].startswith("Ältere [")
    # the clustering matrix: standardized values, said so
    matrix = _schema(pd.DataFrame(columns=["cell_id", "anteil_65plus"]), catalog,
                     plain="standardisiert und gewichtet")
    assert matrix["anteil_65plus"].endswith("; standardisiert und gewichtet")


def test_every_indicator_column_has_a_description(catalog):
    names = [k + s for k in catalog.keys for s in INDICATOR_COLUMN_SUFFIXES]
    described = {n: column_description(n, catalog) for n in names}
    assert all(described.values()), [n for n, d in described.items() if not d]
    assert described["eigentuemerquote_rank"].endswith("Rang (1 = höchster Wert)")
    assert described["eigentuemerquote_z"].endswith("z-Wert über die Sozialräume")


def test_asset_descriptions_have_no_double_backticks():
    from assets.definitions import defs

    graph = defs.resolve_asset_graph()
    texts = {k.to_user_string(): graph.get(k).description for k in graph.get_all_asset_keys()}
    assert not [k for k, t in texts.items() if t and "``" in t]
    assert "`region`" in texts["cell_regions"] and "`sr_id`" in texts["cell_regions"]
    # and the helper itself: a definition's docstring literals become single backticks
    from dagster import asset

    @asset
    def demo():
        """Writes ``x`` and ``y``."""

    (plain,) = markdown_descriptions([demo])
    assert plain.specs_by_key[demo.key].description == "Writes `x` and `y`."


def test_summary_shows_raw_and_stabilised_values(catalog):
    table = pd.DataFrame({"anteil_65plus": [0.2, 0.25, 0.3, 0.25],
                          "anteil_65plus_raw": [0.0, 0.25, 1.0, np.nan]})
    summary = pd.DataFrame({"label_de": [catalog["anteil_65plus"].label_de],
                            "unit": ["Anteil (0-1)"], "n": [3], "filled": [1],
                            "mean_shrinkage": [0.75]}, index=pd.Index(["anteil_65plus"]))
    text = stabilized_markdown(summary, value_summary(table, ["anteil_65plus"]))
    header, _, row = text.splitlines()
    for column in ("Schrumpfung Ø", "Mittel roh", "Median roh", "Mittel stabilisiert",
                   "P90 stabilisiert", "geändert"):
        assert column in header
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[0] == "anteil_65plus" and "0,75" in cells
    assert "0,417" in cells  # raw mean of 0, 0.25 and 1
    assert "0,250" in cells  # stabilised mean
    assert "67 %" in cells  # two of the three raw values changed
