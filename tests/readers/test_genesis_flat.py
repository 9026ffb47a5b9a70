"""Tests for the flat CSV export ("ffcsv") read by :mod:`pipeline.readers.genesis`.

Test matrix
-----------
- the GENESIS-Online flat file (``time``, ``<n>_variable_attribute_code``,
  ``value_variable_label``, ``value``, ``value_unit``, ``value_q``): German download
  (decimal comma) and English download (decimal point), pivoted to the wide frame;
- signs in the value cell (``-``, ``.``, ``x``, ``/``), flags in ``value_q``;
- the older flat file (``Zeit``, ``1_Auspraegung_Code``, ``CODE__Label__Unit`` columns
  with ``__q`` flags; ``ue`` spelling matched to the synonyms);
- a further dimension (sex) in the column names;
- read_income on a flat file (synonyms, EUR converted);
- errors: no key column (headings found listed), a value twice, a junk value.
"""

from __future__ import annotations

import math

import pytest

from pipeline.errors import InputError
from pipeline.readers.genesis import read_genesis_table, read_income

HEAD = (
    "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;"
    "1_variable_label;1_variable_attribute_code;1_variable_attribute_label;"
    "value_variable_code;value_variable_label;value;value_unit;value_q\n"
)
STAT = "73111;Lohn- und Einkommensteuerstatistik;JAHR;Jahr"
REGION = "GEMEIN;Gemeinden"


def line(key, name, code, label, value, unit, flag="", year="2017"):
    return f"{STAT};{year};{REGION};{key};{name};{code};{label};{value};{unit};{flag}\n"


def flat(decimal=","):
    total = f"245678{decimal}5"
    return HEAD + "".join(
        [
            line("05358004", "Aldenhoven", "STP001", "Lohn- und Einkommensteuerpflichtige",
                 "6789", "Anzahl", "e"),
            line("05358004", "Aldenhoven", "GDE001", "Gesamtbetrag der Einkünfte", total,
                 "Tsd. EUR", "p"),
            line("05358004", "Aldenhoven", "STE001", "Lohn- und Einkommensteuer", ".",
                 "Tsd. EUR", "."),
            line("05358008", "Düren, Stadt", "GDE001", "Gesamtbetrag der Einkünfte", "x",
                 "Tsd. EUR"),
            line("05358008", "Düren, Stadt", "STP001", "Lohn- und Einkommensteuerpflichtige",
                 "-", "Anzahl"),
            line("05358008", "Düren, Stadt", "STE001", "Lohn- und Einkommensteuer", "/",
                 "Tsd. EUR"),
            line("05358", "Düren, Kreis", "STP001", "Lohn- und Einkommensteuerpflichtige",
                 "120345", "Anzahl"),
            line("05358", "Düren, Kreis", "GDE001", "Gesamtbetrag der Einkünfte", "4567890",
                 "Tsd. EUR"),
        ]
    )


def write(tmp_path, text, name="73111-01-01-5_flat.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("decimal", [pytest.param(",", id="german"),
                                     pytest.param(".", id="english")])
def test_flat_pivoted_to_wide(tmp_path, decimal):
    table = read_genesis_table(write(tmp_path, flat(decimal)))
    assert table.columns.tolist()[:6] == [
        "time", "key", "name", "Lohn- und Einkommensteuerpflichtige",
        "Gesamtbetrag der Einkünfte", "Lohn- und Einkommensteuer",
    ]
    assert table["key"].tolist() == ["05358004", "05358008", "05358"]
    assert table["time"].tolist() == ["2017"] * 3
    assert table.attrs["format"] == "flat" and table.attrs["decimal"] == decimal
    assert table.attrs["units"]["Gesamtbetrag der Einkünfte"] == "Tsd. EUR"
    assert table.attrs["title"] == ["73111 Lohn- und Einkommensteuerstatistik"]
    total = table["Gesamtbetrag der Einkünfte"]
    assert total.iloc[0] == 245678.5
    assert table["Gesamtbetrag der Einkünfte_note"].iloc[0] == "provisional"  # value_q p
    assert math.isnan(total.iloc[1]) and table["Gesamtbetrag der Einkünfte_note"].iloc[1] == (
        "not_meaningful"
    )
    assert table["Lohn- und Einkommensteuerpflichtige"].iloc[1] == 0.0  # "-"
    assert table["Lohn- und Einkommensteuer_note"].tolist()[:2] == ["secret", "uncertain"]
    # the county has no income tax line: missing
    assert table["Lohn- und Einkommensteuer_note"].iloc[2] == "missing"


def test_flat_income(tmp_path):
    text = flat().replace("245678,5;Tsd. EUR", "245678500;EUR").replace(
        "4567890;Tsd. EUR", "4567890000;EUR").replace(";x;Tsd. EUR", ";x;EUR")
    income = read_income(write(tmp_path, text))
    assert income["ags"].tolist() == ["05358004", "05358008"]
    assert income["year"].tolist() == [2017, 2017]
    assert income["income_total_keur"].iloc[0] == 245678.5  # EUR / 1000
    assert income.attrs["totals"][0]["income_total_keur"] == 4567890.0
    assert income["taxpayers"].iloc[0] == 6789.0


OLD = (
    "Statistik_Code;Statistik_Label;Zeit_Code;Zeit_Label;Zeit;1_Merkmal_Code;"
    "1_Merkmal_Label;1_Auspraegung_Code;1_Auspraegung_Label;"
    "STP001__Lohn_und_Einkommensteuerpflichtige__Anzahl;"
    "STP001__Lohn_und_Einkommensteuerpflichtige__q;"
    "GDE001__Gesamtbetrag_der_Einkuenfte__Tsd._EUR;GDE001__Gesamtbetrag_der_Einkuenfte__q\n"
    "73111;Lohn- und Einkommensteuerstatistik;JAHR;Jahr;2017;GEMEIN;Gemeinden;05358004;"
    "Aldenhoven;6789;e;245678,5;p\n"
    "73111;Lohn- und Einkommensteuerstatistik;JAHR;Jahr;2017;GEMEIN;Gemeinden;05358008;"
    "Düren, Stadt;-;;.;\n"
)


def test_old_flat_with_code_label_unit_columns(tmp_path):
    table = read_genesis_table(write(tmp_path, OLD))
    assert table.columns.tolist()[3:5] == [
        "Lohn und Einkommensteuerpflichtige", "Gesamtbetrag der Einkuenfte",
    ]
    assert table.attrs["units"]["Gesamtbetrag der Einkuenfte"] == "Tsd. EUR"
    income = read_income(write(tmp_path, OLD))
    assert income.loc[0, ["ags", "taxpayers", "income_total_keur"]].tolist() == [
        "05358004", 6789.0, 245678.5,
    ]
    assert income["income_total_keur_note"].tolist() == ["provisional", "secret"]
    assert income["taxpayers_note"].tolist() == ["estimated", "zero"]
    assert income["income_tax_keur_note"].tolist() == ["not_published"] * 2


def test_flat_further_dimension_in_column_names(tmp_path):
    head = HEAD.replace("value_variable_code", "2_variable_code;2_variable_label;"
                        "2_variable_attribute_code;2_variable_attribute_label;value_variable_code")
    rows = [
        f"12411;Bevölkerung;STAG;Stichtag;31.12.2018;{REGION};05358008;Düren, Stadt;GES;"
        f"Geschlecht;{code};{sex};BEVSTD;Bevölkerungsstand;{value};Anzahl;\n"
        for code, sex, value in [("GESM", "männlich", "44880"), ("GESW", "weiblich", "45853")]
    ]
    table = read_genesis_table(write(tmp_path, head + "".join(rows)))
    assert table.columns.tolist()[:5] == [
        "time", "key", "name", "Bevölkerungsstand (männlich)", "Bevölkerungsstand (weiblich)",
    ]
    assert table.iloc[0, 3:5].tolist() == [44880.0, 45853.0]


# --- errors -------------------------------------------------------------------------------


def test_error_flat_without_key_column(tmp_path):
    text = "Zeit;Gebiet;Merkmal;Wert\n2017;Aldenhoven;Steuerpflichtige;6789\n"
    with pytest.raises(
        InputError,
        match=r"_flat\.csv, line 1: flat table without a key column; headings found: Zeit, "
        r"Gebiet, Merkmal, Wert; accepted .*: key: schluessel, regionalschluessel",
    ):
        read_genesis_table(write(tmp_path, text))


def test_error_flat_value_twice(tmp_path):
    text = flat() + line("05358004", "Aldenhoven", "STP001",
                         "Lohn- und Einkommensteuerpflichtige", "1", "Anzahl")
    with pytest.raises(
        InputError,
        match=r"line 2, column '1_variable_attribute_code': 'Lohn- und "
        r"Einkommensteuerpflichtige' for 05358004 and 2017 appears more than once, on "
        r"lines 2, 10",
    ):
        read_genesis_table(write(tmp_path, text))


def test_error_flat_junk_value(tmp_path):
    text = flat().replace(";6789;", ";6789 Fälle;")
    with pytest.raises(InputError, match=r"line 2, column 'value': value '6789 Fälle' is not"):
        read_genesis_table(write(tmp_path, text))
