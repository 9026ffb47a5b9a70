"""Tests for the table and xlsx exports read by :mod:`pipeline.readers.genesis` (issue 12).

Test matrix
-----------
- head layouts (hand-written from the published exports):
  a) headings line, then units line, no key headings; year, key, indented name;
  b) headings line above a line with the key headings and the units;
  c) reference date in the head (``Stichtag`` / date / headings), key-first lines, rows
     for DG, Land, Regierungsbezirk, county and municipality (12411-01-01-4);
  d) units line above the headings; a heading cut with ``-`` over two lines;
- footers: multi-line quoted text, ``©`` and ``Stand:`` lines, no ``___`` rule;
- encodings: Latin-1 with CRLF, UTF-8 with LF;
- xlsx workbook built with openpyxl: title rows, numbers as numbers, key stored as a
  number, a second sheet, ``sheet=``, ``file.xlsx!Sheet`` in messages;
- read_income: synonyms (``Steuerpflichtige``, ``festgesetzte Einkommensteuer``,
  ``ue`` spelling), override by ``columns``, absent income tax (``not_published``),
  ``EUR`` converted to thousand EUR, year from the head date;
- errors: county-level file (keys and levels listed, table -5 named), unmappable heading
  (headings found listed, county-file key named), override heading not found, bad
  ``columns`` argument.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.readers.genesis import read_genesis_table, read_income

TITLE_4 = (
    "GENESIS-Tabelle: 73111-01-01-4\r\n"
    "Lohn- und Einkommensteuerpflichtige, Gesamtbetrag der Einkünfte,;;;;;\r\n"
    "Lohn- und Einkommensteuer - Jahressumme - regionale Tiefe: Kreise;;;;;\r\n"
    "und krfr. Städte;;;;;\r\n"
    "Lohn- und Einkommensteuerstatistik;;;;;\r\n"
)
FOOTER_QUOTED = (
    "__________\r\n"
    '"Die Angaben beruhen auf der Lohn- und Einkommensteuerstatistik;\r\n'
    "sie werden 3 Jahre nach dem Veranlagungsjahr veröffentlicht.\r\n"
    '2017 wurden erstmals alle Fälle erfasst.";;;;;\r\n'
    "© Statistische Ämter des Bundes und der Länder, Deutschland, 2022.;;;;;\r\n"
    "Dies ist ein Auszug aus der Regionaldatenbank.;;;;;\r\n"
    "Stand: 05.04.2022 / 17:36:27;;;;;\r\n"
)
HEADINGS = (
    ";;;Lohn- und Einkommensteuerpflichtige;Gesamtbetrag der Einkünfte;"
    "Lohn- und Einkommensteuer\r\n"
)
DATA_A = (
    "2017;05358;      Düren, Kreis;120345;4.567.890;789012\r\n"
    "2017;05358004;        Aldenhoven;6789;245.678;34567\r\n"
    "2017;05358008;        Düren, Stadt;-;.;...\r\n"
)


def write(tmp_path, text, encoding="latin-1", name="73111-01-01-5.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def same(got, want):
    return (isinstance(want, float) and math.isnan(want) and math.isnan(got)) or got == want


# --- layouts ------------------------------------------------------------------------------


def test_a_headings_then_units_no_key_headings(tmp_path):
    path = write(tmp_path, TITLE_4.replace("-4", "-5") + HEADINGS + ";;;Anzahl;Tsd. EUR;Tsd. EUR\r\n"
                 + DATA_A + FOOTER_QUOTED)
    assert b"\r\n" in path.read_bytes() and "Ä".encode("latin-1") in path.read_bytes()
    table = read_genesis_table(path)
    assert table.columns[:6].tolist() == [
        "time", "key", "name", "Lohn- und Einkommensteuerpflichtige",
        "Gesamtbetrag der Einkünfte", "Lohn- und Einkommensteuer",
    ]
    assert table["key"].tolist() == ["05358", "05358004", "05358008"]
    assert table["name"].tolist() == ["Düren, Kreis", "Aldenhoven", "Düren, Stadt"]
    assert table.attrs["units"]["Gesamtbetrag der Einkünfte"] == "Tsd. EUR"
    assert table.attrs["headings"] == {}
    assert len(table.attrs["title"]) == 5
    # the quoted footer spans three lines, one of them starting with a year
    assert table.attrs["footer"][1].startswith("sie werden 3 Jahre")
    assert table.attrs["footer"][-1].startswith("Stand: 05.04.2022 / 17:36:27")

    income = read_income(path)
    assert income["ags"].tolist() == ["05358004", "05358008"]
    assert income.attrs["totals"][0]["taxpayers"] == 120345.0
    assert income.attrs["totals"][0]["income_total_keur"] == 4_567_890.0  # "4.567.890"
    assert income["income_total_keur"].iloc[0] == 245_678.0
    assert income["year"].tolist() == [2017, 2017]
    assert income["taxpayers_note"].iloc[1] == "zero"
    assert income["income_tax_keur_note"].iloc[1] == "later"


def test_b_headings_above_key_headings_and_units(tmp_path):
    text = (
        TITLE_4
        + ";;;Lohn- und Einkommensteuerpflichtige;Gesamtbetrag der Einkünfte\r\n"
        + "Jahr;Schlüssel;Gebietsname;Anzahl;Tsd. EUR\r\n"
        + "2017;05358;Düren, Kreis;120345;4.567.890\r\n"
        + "2017;05358004;  Aldenhoven;6789;245678\r\n"
        + "__________\r\n© Statistische Ämter des Bundes und der Länder, 2022\r\n"
    )
    path = write(tmp_path, text)
    table = read_genesis_table(path)
    assert table.attrs["headings"] == {"time": "Jahr", "key": "Schlüssel", "name": "Gebietsname"}
    assert table.attrs["units"] == {
        "Lohn- und Einkommensteuerpflichtige": "Anzahl",
        "Gesamtbetrag der Einkünfte": "Tsd. EUR",
    }
    income = read_income(path)
    assert income.loc[0, ["ags", "name", "year", "taxpayers", "income_total_keur"]].tolist() == [
        "05358004", "Aldenhoven", 2017, 6789.0, 245678.0,
    ]
    # no income tax column: NaN, not published
    assert np.isnan(income["income_tax_keur"].iloc[0])
    assert income["income_tax_keur_note"].tolist() == ["not_published"]
    assert income.attrs["income_columns"]["income_tax_keur"] is None


POPULATION = (
    "GENESIS-Tabelle: 12411-01-01-4\r\n"
    "Bevölkerung nach Geschlecht - Stichtag 31.12. -;;;;\r\n"
    "regionale Tiefe: Kreise und krfr. Städte;;;;\r\n"
    "Fortschreibung des Bevölkerungsstandes;;;;\r\n"
    "Bevölkerungsstand (Anzahl);;;;\r\n"
    ";;Stichtag;Stichtag;Stichtag\r\n"
    ";;31.12.2018;31.12.2018;31.12.2018\r\n"
    ";;Insgesamt;männlich;weiblich\r\n"
    "DG;Deutschland;83019213;40966691;42052522\r\n"
    "05;  Nordrhein-Westfalen;17932651;8815575;9117076\r\n"
    "053;    Reg.-Bez. Köln;4468517;2189340;2279177\r\n"
    "05358;      Düren, Kreis;263722;130612;133110\r\n"
    "05358008;        Düren, Stadt;90733;44880;45853\r\n"
    "05358012;        Heimbach, Stadt;4383;.;x\r\n"
    '"Bevölkerungsstand auf Grundlage des Zensus 2011;\r\n'
    '05;Nordrhein-Westfalen: Stand nach Gebietsreform.";;;\r\n'
    "(C)opyright Statistische Ämter des Bundes und der Länder, 2022;;;;\r\n"
    "Stand: 05.04.2022 / 17:36:27;;;;\r\n"
)


def test_c_date_in_head_key_first_all_levels(tmp_path):
    table = read_genesis_table(write(tmp_path, POPULATION, name="12411-01-01-4.csv"))
    assert table.columns[:6].tolist() == [
        "time", "key", "name", "Insgesamt", "männlich", "weiblich",
    ]
    assert table["key"].tolist() == ["DG", "05", "053", "05358", "05358008", "05358012"]
    assert table["name"].tolist()[:2] == ["Deutschland", "Nordrhein-Westfalen"]
    assert table.attrs["date"] == "31.12.2018"
    assert table["time"].unique().tolist() == ["31.12.2018"]
    assert table.loc[0, ["Insgesamt", "männlich", "weiblich"]].tolist() == [
        83019213.0, 40966691.0, 42052522.0,
    ]
    assert table["männlich_note"].iloc[5] == "secret"
    assert table["weiblich_note"].iloc[5] == "not_meaningful"
    assert table.attrs["title"][0] == "GENESIS-Tabelle: 12411-01-01-4"
    assert table.attrs["footer"][-1].startswith("Stand: 05.04.2022")
    # no rule: the footer starts at the quoted text, whose second line looks like data
    assert len(table) == 6
    assert table.attrs["footer"][1].startswith("05;Nordrhein-Westfalen: Stand")


def test_d_units_above_headings_and_cut_heading(tmp_path):
    text = (
        "GENESIS-Tabelle: 73111-01-01-5\n"
        "Jahr;Schlüssel;Gebietsname;Anzahl;Tsd. EUR;EUR\n"
        ";;;Lohn- und Einkommen-;Gesamtbetrag der Einkünfte;Lohn- und Einkommen-\n"
        ";;;steuerpflichtige;;steuer\n"
        "31.12.2017;05358004;Aldenhoven;6789;245678;34567000\n"
    )
    path = write(tmp_path, text, encoding="utf-8")
    table = read_genesis_table(path)
    assert table.columns[3:6].tolist() == [
        "Lohn- und Einkommensteuerpflichtige", "Gesamtbetrag der Einkünfte",
        "Lohn- und Einkommensteuer",
    ]
    assert table.attrs["encoding"] == "utf-8"
    income = read_income(path)
    assert income["year"].tolist() == [2017]
    # EUR converted to thousand EUR, Tsd. EUR kept
    assert income["income_tax_keur"].iloc[0] == 34567.0
    assert income["income_total_keur"].iloc[0] == 245678.0


def test_income_year_from_the_head_date(tmp_path):
    text = (
        "GENESIS-Tabelle: 73111-01-01-5\r\n"
        ";;Steuerpflichtige;Gesamtbetrag der Einkuenfte;festgesetzte Einkommensteuer\r\n"
        ";;2019;2019;2019\r\n"
        ";;Anzahl;Tsd. EUR;Tsd. EUR\r\n"
        "05358004;Aldenhoven;6789;245678;34567\r\n"
    )
    income = read_income(write(tmp_path, text))
    assert income.loc[0, ["ags", "year", "taxpayers", "income_total_keur",
                          "income_tax_keur"]].tolist() == ["05358004", 2019, 6789.0,
                                                            245678.0, 34567.0]
    assert income.attrs["income_columns"] == {
        "taxpayers": "Steuerpflichtige",
        "income_total_keur": "Gesamtbetrag der Einkuenfte",
        "income_tax_keur": "festgesetzte Einkommensteuer",
    }


def test_override_by_columns(tmp_path):
    text = (
        ";;;Steuerpfl. (Anzahl);GdE;Steuer\r\n"
        "2019;05358004;Aldenhoven;6789;245678;34567\r\n"
    )
    path = write(tmp_path, text)
    income = read_income(path, columns={"taxpayers": "steuerpfl. (anzahl)",
                                        "income_total_keur": "GdE", "income_tax_keur": None})
    assert income.loc[0, ["taxpayers", "income_total_keur"]].tolist() == [6789.0, 245678.0]
    assert income["income_tax_keur_note"].tolist() == ["not_published"]
    with pytest.raises(
        InputError,
        match=r"column 'Einkünfte': no column 'Einkünfte' in the header \(set by income: "
        r"columns: income_total_keur in the county file\); value columns found: "
        r"Steuerpfl\. \(Anzahl\), GdE, Steuer",
    ):
        read_income(path, columns={"taxpayers": "Steuerpfl. (Anzahl)",
                                   "income_total_keur": "Einkünfte"})


# --- xlsx ---------------------------------------------------------------------------------


def workbook(tmp_path, rows, title="73111-01-01-5", extra_sheet=False):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    if extra_sheet:
        book.active.title = "Hinweise"
        book.active.append(["Erläuterungen zur Tabelle"])
        sheet = book.create_sheet(title)
    else:
        sheet = book.active
        sheet.title = title
    for row in rows:
        sheet.append(row)
    path = tmp_path / "73111-01-01-5.xlsx"
    book.save(path)
    return path


XLSX_ROWS = [
    ["GENESIS-Tabelle: 73111-01-01-5"],
    ["Lohn- und Einkommensteuerpflichtige, Gesamtbetrag der Einkünfte"],
    ["Lohn- und Einkommensteuerstatistik"],
    [None, None, None, "Lohn- und Einkommensteuerpflichtige", "Gesamtbetrag der Einkünfte",
     "Lohn- und Einkommensteuer"],
    [None, None, None, "Anzahl", "Tsd. EUR", "Tsd. EUR"],
    ["2017", "05358", "Düren, Kreis", 120345, 4567890, 789012],
    [2017, "05358004", "  Aldenhoven", 6789, 245678.5, None],
    [2017, 5358008, "Düren, Stadt", "-", ".", "(123)"],
    ["__________"],
    ["© Statistische Ämter des Bundes und der Länder, 2022"],
]


def test_xlsx_export(tmp_path):
    path = workbook(tmp_path, XLSX_ROWS, extra_sheet=True)
    table = read_genesis_table(path)
    assert table.attrs["encoding"] == "xlsx" and table.attrs["sheet"] == "73111-01-01-5"
    assert table["key"].tolist() == ["05358", "05358004", "05358008"]  # zero restored
    income = read_income(path, sheet="73111-01-01-5")
    assert income.loc[0, ["ags", "name", "year", "taxpayers", "income_total_keur"]].tolist() == [
        "05358004", "Aldenhoven", 2017, 6789.0, 245678.5,
    ]
    assert income["income_tax_keur_note"].tolist() == ["missing", "limited_reliability"]
    assert income.attrs["totals"][0]["income_total_keur"] == 4567890.0


def test_xlsx_errors_name_the_sheet_and_row(tmp_path):
    rows = [list(r) for r in XLSX_ROWS]
    rows[6] = [2017, "05358004", "Aldenhoven", "viele", 245678, 1]
    path = workbook(tmp_path, rows)
    with pytest.raises(
        InputError,
        match=r"73111-01-01-5\.xlsx!73111-01-01-5, line 7, column "
        r"'Lohn- und Einkommensteuerpflichtige': value 'viele' is not a number",
    ):
        read_genesis_table(path)
    with pytest.raises(InputError, match=r"no sheet 'Tabelle'"):
        read_income(path, sheet="Tabelle")


# --- errors -------------------------------------------------------------------------------


def test_error_county_level_table(tmp_path):
    text = TITLE_4 + HEADINGS + ";;;Anzahl;Tsd. EUR;Tsd. EUR\r\n"
    text += "2017;05;Nordrhein-Westfalen;8800000;350.000.000;60000000\r\n"
    text += "2017;05358;      Düren, Kreis;120345;4.567.890;789012\r\n"
    text += "2017;05362;      Rhein-Erft-Kreis;220000;9.000.000;1500000\r\n"
    with pytest.raises(
        InputError,
        match=r"73111-01-01-5\.csv, column 'key': no municipality rows \(8-digit keys\) "
        r"\(GENESIS-Tabelle: 73111-01-01-4\); keys found: 05 \(Land level\), 05358 "
        r"\(county level\), 05362 \(county level\): download table 73111-01-01-5, the "
        r"municipality level",
    ):
        read_income(write(tmp_path, text))


def test_error_unmappable_heading_lists_headings(tmp_path):
    text = TITLE_4 + ";;;Fälle;Einkünfte insgesamt\r\n;;;Anzahl;Tsd. EUR\r\n"
    text += "2017;05358004;Aldenhoven;6789;245678\r\n"
    with pytest.raises(
        InputError,
        match=r"column 'Lohn- und Einkommensteuerpflichtige': no column 'Lohn- und "
        r"Einkommensteuerpflichtige' in the header; value columns found: Fälle, Einkünfte "
        r"insgesamt \(also looked for: Steuerpflichtige, .*\); if one of them is taxpayers, "
        r"set income: columns: taxpayers: <heading> in the county file",
    ):
        read_income(write(tmp_path, text))


@pytest.mark.parametrize(
    ("columns", "error", "match"),
    [
        pytest.param({"persons": "x"}, ValueError, r"columns keys must be among", id="key"),
        pytest.param({"taxpayers": None}, ValueError, r"required", id="required-none"),
        pytest.param({"taxpayers": 3}, TypeError, r"heading text", id="heading-kind"),
        pytest.param(["taxpayers"], TypeError, r"columns must map", id="not-a-mapping"),
    ],
)
def test_error_bad_columns_argument(tmp_path, columns, error, match):
    path = write(tmp_path, HEADINGS + DATA_A)
    with pytest.raises(error, match=match):
        read_income(path, columns=columns)


def test_error_stray_line_in_key_first_block(tmp_path):
    text = POPULATION.replace("053;    Reg.-Bez. Köln", "Köln;053")
    with pytest.raises(
        InputError,
        match=r"12411-01-01-4\.csv, line 11, column 'key': expected a data line "
        r"\(a key, then a name as on line 9\)",
    ):
        read_genesis_table(write(tmp_path, text, name="12411-01-01-4.csv"))


def test_notes_are_strings(tmp_path):
    table = read_genesis_table(write(tmp_path, HEADINGS + DATA_A))
    note = table["Gesamtbetrag der Einkünfte_note"]
    assert isinstance(note.dtype, pd.StringDtype)
    assert same(table["Gesamtbetrag der Einkünfte"].iloc[2], math.nan)
