"""Tests for :mod:`pipeline.readers.genesis`.

Test matrix
-----------
- format: Latin-1 bytes with CRLF, title lines, ``Jahr;`` header, unit line, data lines,
  footer after ``__________``; the same with cut headings and no ``Jahr;`` header (named
  by heading, read with the ``columns`` override);
  UTF-8; dates instead of years;
- every sign: ``-``, ``0``, ``.``, ``...``, ``/``, ``x``, ``(123)``, suffixes ``p``,
  ``r``, ``s``, ``e``, thousands separators, decimal comma, empty field;
- :func:`read_income`: names, 8-digit keys with leading zeros, the county row in
  ``attrs['totals']``, notes;
- errors (file, line, column in the message): junk value, a stray line inside the data
  block, wrong field count, no data lines, a missing heading (headings listed), a wrong
  unit, the same municipality twice (both lines).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.readers.genesis import read_genesis_table, read_income

TITLE = (
    "GENESIS-Tabelle: 73111-01-01-5\r\n"
    "Lohn- und Einkommensteuerpflichtige, Gesamtbetrag der Einkünfte,;;;;;\r\n"
    "Lohn- und Einkommensteuer - Jahressumme - regionale Tiefe: Gemeinden;;;;;\r\n"
    "Lohn- und Einkommensteuerstatistik;;;;;\r\n"
)
HEADER = (
    "Jahr;Schlüssel;Gebietsname;Lohn- und Einkommensteuerpflichtige;"
    "Gesamtbetrag der Einkünfte;Lohn- und Einkommensteuer\r\n"
)
UNITS = ";;;Anzahl;Tsd. EUR;Tsd. EUR\r\n"
DATA = (
    "2019;05399;Kreis Rurtal (synthetisch);120345;4.567.890;789012\r\n"
    "2019;05399004;Aldenhoven;6789;245678;34567\r\n"
    "2019;05399008;Düren, Stadt;-;.;...\r\n"
    "2019;05399012;Heimbach;/;x;(123)\r\n"
    "2019;05399016;Hürtgenwald;4321p;0;12,5r\r\n"
    "2019;05399020;Kreuzau;7s;8e;\r\n"
)
FOOTER = (
    "__________\r\n"
    "Stand: 14.07.2023 / 10:41:02\r\n"
    "(C)opyright Statistische Ämter des Bundes und der Länder, 2024\r\n"
)
INCOME = TITLE + HEADER + UNITS + DATA + FOOTER


def write(tmp_path, text, encoding="latin-1", name="73111-01-01-5.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_table_columns_keys_and_attrs(tmp_path):
    path = write(tmp_path, INCOME)
    assert "Einkünfte".encode("latin-1") in path.read_bytes()
    table = read_genesis_table(path)
    values = [
        "Lohn- und Einkommensteuerpflichtige",
        "Gesamtbetrag der Einkünfte",
        "Lohn- und Einkommensteuer",
    ]
    # the text columns go by our names; the file's headings are kept in attrs
    assert table.columns.tolist() == [
        "time",
        "key",
        "name",
        *values,
        *[f"{v}_note" for v in values],
    ]
    assert table.attrs["headings"] == {"time": "Jahr", "key": "Schlüssel", "name": "Gebietsname"}
    assert table["key"].tolist() == [
        "05399",
        "05399004",
        "05399008",
        "05399012",
        "05399016",
        "05399020",
    ]
    assert table["name"].iloc[2] == "Düren, Stadt"
    assert table.attrs["encoding"] == "iso-8859-15"
    assert table.attrs["units"] == {
        values[0]: "Anzahl",
        values[1]: "Tsd. EUR",
        values[2]: "Tsd. EUR",
    }
    assert table.attrs["title"][0] == "GENESIS-Tabelle: 73111-01-01-5"
    assert table.attrs["footer"][-1].startswith("(C)opyright Statistische Ämter")
    assert table[values[1]].iloc[0] == 4_567_890.0  # thousands separators


SIGNS = [
    # (row, heading index, value, note)
    pytest.param(2, 0, 0.0, "zero", id="dash-zero"),
    pytest.param(2, 1, math.nan, "secret", id="dot-secret"),
    pytest.param(2, 2, math.nan, "later", id="dots-later"),
    pytest.param(3, 0, math.nan, "uncertain", id="slash-uncertain"),
    pytest.param(3, 1, math.nan, "not_meaningful", id="x-not-meaningful"),
    pytest.param(3, 2, 123.0, "limited_reliability", id="brackets"),
    pytest.param(4, 0, 4321.0, "provisional", id="p"),
    pytest.param(4, 1, 0.0, None, id="zero-rounded-is-a-number"),
    pytest.param(4, 2, 12.5, "revised", id="r-decimal-comma"),
    pytest.param(5, 0, 7.0, "estimated", id="s"),
    pytest.param(5, 1, 8.0, "estimated", id="e"),
    pytest.param(5, 2, math.nan, "missing", id="empty"),
    pytest.param(1, 0, 6789.0, None, id="plain"),
]


@pytest.mark.parametrize(("row", "column", "value", "note"), SIGNS)
def test_signs(tmp_path, row, column, value, note):
    table = read_genesis_table(write(tmp_path, INCOME))
    name = table.columns[3 + column]
    got = table[name].iloc[row]
    assert (math.isnan(got) and math.isnan(value)) or got == value
    got_note = table[f"{name}_note"].iloc[row]
    assert (note is None and pd.isna(got_note)) or got_note == note


def test_income(tmp_path):
    income = read_income(write(tmp_path, INCOME))
    assert income.columns.tolist() == [
        "ags",
        "name",
        "year",
        "taxpayers",
        "income_total_keur",
        "income_tax_keur",
        "taxpayers_note",
        "income_total_keur_note",
        "income_tax_keur_note",
    ]
    assert income["ags"].tolist() == [
        "05399004",
        "05399008",
        "05399012",
        "05399016",
        "05399020",
    ]
    assert income["year"].tolist() == [2019] * 5 and income["year"].dtype == np.int64
    assert income.loc[0].tolist()[:6] == [
        "05399004",
        "Aldenhoven",
        2019,
        6789.0,
        245678.0,
        34567.0,
    ]
    assert income["taxpayers"].iloc[1] == 0.0
    assert income["taxpayers_note"].iloc[1] == "zero"
    assert np.isnan(income["income_total_keur"].iloc[1])
    assert income["income_total_keur_note"].iloc[1] == "secret"
    assert income["income_tax_keur_note"].iloc[2] == "limited_reliability"
    assert income.attrs["totals"] == [
        {
            "ags": "05399",
            "name": "Kreis Rurtal (synthetisch)",
            "year": 2019,
            "taxpayers": 120345.0,
            "income_total_keur": 4567890.0,
            "income_tax_keur": 789012.0,
            "taxpayers_note": None,
            "income_total_keur_note": None,
            "income_tax_keur_note": None,
        }
    ]


def test_cut_headings_without_jahr_header_need_the_override(tmp_path):
    # Changed by issue 12: columns are named by their headings, not by position, and
    # read_income maps them by heading; cut headings need income: columns: in the county file.
    text = TITLE + ";;;Lohn- und Einkommen-;Gesamtbetrag der;Lohn- und Einkommen-\r\n"
    text += UNITS + DATA + FOOTER
    path = write(tmp_path, text)
    table = read_genesis_table(path)
    assert table.columns[:6].tolist() == [
        "time",
        "key",
        "name",
        "Lohn- und Einkommen-",
        "Gesamtbetrag der",
        "Lohn- und Einkommen-_6",
    ]
    assert table.attrs["units"] == {
        "Lohn- und Einkommen-": "Anzahl",
        "Gesamtbetrag der": "Tsd. EUR",
        "Lohn- und Einkommen-_6": "Tsd. EUR",
    }
    with pytest.raises(InputError, match=r"value columns found: Lohn- und Einkommen-, "
                       r"Gesamtbetrag der, Lohn- und Einkommen-_6 .*set income: columns: "
                       r"taxpayers: <heading> in the county file"):
        read_income(path)
    income = read_income(
        path,
        columns={
            "taxpayers": "Lohn- und Einkommen-",
            "income_total_keur": "Gesamtbetrag der",
            "income_tax_keur": "Lohn- und Einkommen-_6",
        },
    )
    assert income["taxpayers"].iloc[0] == 6789.0
    assert income["income_tax_keur"].iloc[0] == 34567.0


def test_utf8_and_dates_and_no_footer(tmp_path):
    text = (
        "Tabelle\n"
        + HEADER.replace("\r", "")
        + "31.12.2019;05399004;Aldenhoven;6789;245678;34567\n"
    )
    income = read_income(write(tmp_path, text, encoding="utf-8"))
    assert income["year"].tolist() == [2019]
    assert income.attrs["encoding"] == "utf-8"
    assert income["name"].tolist() == ["Aldenhoven"]


# --- errors -------------------------------------------------------------------------------


def test_error_junk_value_names_line_and_column(tmp_path):
    path = write(tmp_path, INCOME.replace(";6789;", ";67a9;"))
    with pytest.raises(
        InputError,
        match=r"73111-01-01-5.csv, line 8, column 'Lohn- und "
        r"Einkommensteuerpflichtige': value '67a9' is not a "
        r"number or a sign of the statistics offices",
    ):
        read_genesis_table(path)


def test_error_stray_line_inside_data_block(tmp_path):
    text = INCOME.replace("2019;05399012;", "Hinweis;05399012;")
    with pytest.raises(
        InputError, match=r"73111-01-01-5\.csv, line 10, column 'Jahr': expected a data line"
    ):
        read_genesis_table(write(tmp_path, text))


def test_error_wrong_field_count(tmp_path):
    text = INCOME.replace("Heimbach;/;x;(123)", "Heimbach;/;x;(123);4")
    with pytest.raises(
        InputError,
        match=r"73111-01-01-5\.csv, line 10: expected 6 fields separated by ';' as on "
        r"line 7, found 7",
    ):
        read_genesis_table(write(tmp_path, text))


def test_error_no_data_lines(tmp_path):
    with pytest.raises(InputError, match=r"73111-01-01-5.csv: no data lines found"):
        read_genesis_table(write(tmp_path, TITLE + HEADER + FOOTER))


def test_error_heading_missing_lists_headings(tmp_path):
    text = INCOME.replace("Gesamtbetrag der Einkünfte", "Einkünfte insgesamt")
    with pytest.raises(
        InputError,
        match=r"73111-01-01-5\.csv, column 'Gesamtbetrag der Einkünfte': no column "
        r"'Gesamtbetrag der Einkünfte' in the header; value "
        r"columns found: Lohn- und Einkommensteuerpflichtige, "
        r"Einkünfte insgesamt, Lohn- und Einkommensteuer",
    ):
        read_income(write(tmp_path, text))


def test_error_wrong_unit(tmp_path):
    # Changed by issue 12: "EUR" is converted now (tests/readers/test_genesis_layouts.py);
    # other units are still refused.
    text = INCOME.replace(UNITS, ";;;Anzahl;Mill. EUR;Tsd. EUR\r\n")
    with pytest.raises(
        InputError,
        match=r"73111-01-01-5\.csv, column 'Gesamtbetrag der Einkünfte': unit 'Mill. EUR', "
        r"expected 'Tsd. EUR'",
    ):
        read_income(write(tmp_path, text))


def test_error_duplicate_municipality_names_both_lines(tmp_path):
    text = INCOME.replace(FOOTER, "2019;05399004;Aldenhoven;1;2;3\r\n" + FOOTER)
    with pytest.raises(
        InputError,
        match=r"73111-01-01-5\.csv, line 8, column 'Schlüssel': municipality 05399004 "
        r"appears more than once for 2019, on lines 8, 13",
    ):
        read_income(write(tmp_path, text))


def test_error_utf16_table_says_how_to_save_it(tmp_path):
    path = write(tmp_path, INCOME, encoding="utf-16")
    with pytest.raises(InputError, match=r"73111-01-01-5.csv: the file is UTF-16"):
        read_income(path)
