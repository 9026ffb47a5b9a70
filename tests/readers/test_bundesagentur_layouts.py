"""Tests for :mod:`pipeline.readers.bundesagentur`: the published BA layouts (issue 12).

Every fixture is written by hand after a published layout; expected values are read off
the fixture.

Test matrix
-----------
- head: title rows + a two-row head (group ``Regelleistungsberechtigte (RLB)`` above
  ``insgesamt`` / ``darunter: unter 15 Jahre``) + a row numbering the columns; a three-row
  head (PersBG above RLB above ``insgesamt`` ...); a flat head with ``Gemeinde`` as the key
  heading, ``Personen in Bedarfsgemeinschaften`` and ``darunter unter 15 Jahre`` (no colon);
  umlauts spelt ae/oe/ue, footnote marks and hyphens in headings;
- keys: key and name in one cell (``05358004 Aldenhoven``) or two columns, a 12-digit
  Regionalschlüssel, a total without a key (``Deutschland``);
- values: ``*`` anonymised, ``-`` zero, counts not published (NaN, ``not_published``);
- files: cp1252 and UTF-8 with BOM CSV; an xlsx workbook with an ``Impressum`` sheet first,
  merged head cells, numbers as numbers, a key that lost its leading zero; ``sheet=``;
- notes below the table: ``Hinweise``, ``*`` explanations, footnotes ``1)``, ``©``;
- configuration: ``columns=`` picks a heading the synonyms do not know, a heading of several
  rows by its parts, and switches a count off;
- errors: no BA count in the head (headings found and the key to set), two columns for one
  count, no key column, an xlsx error naming ``file.xlsx!Sheet`` and the row.
"""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import InputError
from pipeline.readers.bundesagentur import DEFAULT_SGB2_COLUMNS, SGB2_VALUES, read_sgb2

#: Title rows, a two-row head, column numbers, key and name in one cell, notes below.
TWO_ROWS = """\
Statistik der Bundesagentur für Arbeit
Tabelle 1: Bedarfsgemeinschaften und Personen in Bedarfsgemeinschaften nach Gemeinden
Berichtsmonat: Juni 2023
;;;;;;
Gemeinde (Schlüssel, Name);Bedarfsgemeinschaften (BG);Regelleistungsberechtigte (RLB);;\
Erwerbsfähige Leistungsberechtigte (ELB) 1);Nicht erwerbsfähige Leistungsberechtigte (NEF);\
Arbeitslose
;;insgesamt;darunter: unter 15 Jahre;;;
;1;2;3;4;5;6
05358 Düren;12.345;23.456;6.789;16.000;7.456;9.876
05358004 Aldenhoven;456;901;234;612;289;398
05358008 Düren, Stadt;4.321;8.765;2.345;5.678;3.087;3.456
05358012 Heimbach;*;*;*;12;*;-
;;;;;;
Hinweise:;;;;;;
* Aus Datenschutzgründen werden Zahlenwerte von 1 oder 2 anonymisiert.;;;;;;
1) ohne Personen in Haushalten mit Leistungen nach dem AsylbLG;;;;;;
© Statistik der Bundesagentur für Arbeit;;;;;;
"""

#: A three-row head: PersBG above insgesamt and the RLB group; key and name in two columns.
THREE_ROWS = """\
Personen in Bedarfsgemeinschaften nach Gemeinden, Dezember 2023
Gemeinde;;Personen in Bedarfsgemeinschaften (PersBG);;;;;Bevölkerung bis unter \
Regelaltersgrenze 2)
;;insgesamt;Regelleistungsberechtigte (RLB);;;;
AGS;Name;;insgesamt;darunter unter 15 Jahren;ELB;NEF;
05358004;Aldenhoven;950;901;234;612;289;15.100
05358008;Düren, Stadt;9.102;8.765;2.345;5.678;3.087;70.234
05358012;Heimbach;*;*;-;12;*;3.021
2) Bevölkerungsfortschreibung auf Basis des Zensus 2022
© Statistik der Bundesagentur für Arbeit
"""

#: ``Gemeinde`` as the key heading (key and name in one cell), PersBG, no colon.
FLAT = """\
Gemeindedaten SGB II
Gemeinde;Personen in Bedarfsgemeinschaften;darunter unter 15 Jahre;Arbeitslose
Deutschland;5.512.345;1.901.234;2.612.345
05358004 Aldenhoven;950;240;398
05358008 Düren, Stadt;9.102;2.402;3.456
Quelle: Statistik der Bundesagentur für Arbeit
"""

#: Umlauts spelt out, hyphens, footnote marks; a 12-digit Regionalschlüssel.
SPELT = """\
Regionalschluessel;Gemeindename;Erwerbsfaehige Leistungs-berechtigte*);\
Nicht erwerbsfaehige Leistungsberechtigte;Bevoelkerung unter Altersgrenze 3)
053580004004;Aldenhoven;612;289;15.100
053585312008;Düren, Stadt;5.678;3.087;70.234
*) erwerbsfähig nach § 8 SGB II
"""


def write(tmp_path, text, encoding="utf-8", name="ba.csv"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def values(frame, ags):
    return frame.set_index("ags").loc[ags, list(SGB2_VALUES)].astype(float).tolist()


NAN = np.nan


def same(got, expected):
    np.testing.assert_array_equal(np.asarray(got, dtype=float), np.asarray(expected, dtype=float))


# --- layouts ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"], ids=["utf8-bom", "cp1252"])
def test_title_rows_two_row_head_key_and_name_in_one_cell(tmp_path, encoding):
    path = write(tmp_path, TWO_ROWS, encoding)
    sgb2 = read_sgb2(path)
    assert sgb2["ags"].tolist() == ["05358004", "05358008", "05358012"]
    assert sgb2["name"].tolist() == ["Aldenhoven", "Düren, Stadt", "Heimbach"]
    # households, RLB, PersBG, under 15, ELB, NEF, unemployed, population
    same(values(sgb2, "05358004"), [456, 901, NAN, 234, 612, 289, 398, NAN])
    same(values(sgb2, "05358008"), [4321, 8765, NAN, 2345, 5678, 3087, 3456, NAN])
    heimbach = sgb2.set_index("ags").loc["05358012"]
    assert heimbach["sgb2_persons_note"] == "anonymised" and np.isnan(heimbach["sgb2_persons"])
    assert heimbach["sgb2_employable"] == 12.0
    assert (heimbach["unemployed"], heimbach["unemployed_note"]) == (0.0, "zero")
    assert (sgb2["sgb2_persons_in_bg_note"] == "not_published").all()
    assert sgb2.attrs["encoding"] == ("utf-8" if encoding == "utf-8-sig" else "cp1252")
    assert sgb2.attrs["columns"]["sgb2_persons"] == "Regelleistungsberechtigte (RLB) / insgesamt"
    assert sgb2.attrs["columns"]["sgb2_under15"] == (
        "Regelleistungsberechtigte (RLB) / darunter: unter 15 Jahre")
    assert [t["ags"] for t in sgb2.attrs["totals"]] == ["05358"]
    assert sgb2.attrs["title"][2].startswith("Berichtsmonat: Juni 2023")
    assert sgb2.attrs["footer"][0].startswith("Hinweise:")
    assert sgb2.attrs["footer"][-1].startswith("© Statistik")


def test_three_row_group_heads(tmp_path):
    sgb2 = read_sgb2(write(tmp_path, THREE_ROWS))
    assert sgb2["name"].tolist() == ["Aldenhoven", "Düren, Stadt", "Heimbach"]
    same(values(sgb2, "05358004"), [NAN, 901, 950, 234, 612, 289, NAN, 15100])
    same(values(sgb2, "05358008"), [NAN, 8765, 9102, 2345, 5678, 3087, NAN, 70234])
    columns = sgb2.attrs["columns"]
    assert columns["sgb2_persons_in_bg"] == "Personen in Bedarfsgemeinschaften (PersBG) / insgesamt"
    assert columns["sgb2_persons"] == (
        "Personen in Bedarfsgemeinschaften (PersBG) / Regelleistungsberechtigte (RLB) / insgesamt")
    assert columns["ags"] == "Gemeinde / AGS" and columns["name"] == "Gemeinde / Name"
    heimbach = sgb2.set_index("ags").loc["05358012"]
    assert (heimbach["sgb2_under15"], heimbach["sgb2_under15_note"]) == (0.0, "zero")
    assert heimbach["population_below_limit"] == 3021.0
    assert sgb2.attrs["footer"][0].startswith("2) Bevölkerungsfortschreibung")


def test_gemeinde_as_key_heading_with_persons_in_bg_and_under15_without_colon(tmp_path):
    sgb2 = read_sgb2(write(tmp_path, FLAT))
    assert sgb2["ags"].tolist() == ["05358004", "05358008"]
    assert sgb2["name"].tolist() == ["Aldenhoven", "Düren, Stadt"]
    # PersBG is not RLB: sgb2_persons stays unpublished; the under-15 column is of PersBG
    same(values(sgb2, "05358004"), [NAN, NAN, 950, 240, NAN, NAN, 398, NAN])
    assert (sgb2["sgb2_persons_note"] == "not_published").all()
    assert sgb2.attrs["columns"]["sgb2_under15"] == "darunter unter 15 Jahre"
    assert sgb2.attrs["totals"][0]["ags"] == ""  # Deutschland: a total without a key
    assert sgb2.attrs["totals"][0]["name"] == "Deutschland"
    assert sgb2.attrs["totals"][0]["sgb2_persons_in_bg"] == 5512345.0


def test_umlauts_spelt_out_footnotes_and_regionalschluessel(tmp_path):
    sgb2 = read_sgb2(write(tmp_path, SPELT))
    assert sgb2["ags"].tolist() == ["05358004", "05358008"]  # ARS: 5 + 3 digits
    assert sgb2["name"].tolist() == ["Aldenhoven", "Düren, Stadt"]
    same(values(sgb2, "05358004"), [NAN, NAN, NAN, NAN, 612, 289, NAN, 15100])
    assert sgb2.attrs["footer"] == ["*) erwerbsfähig nach § 8 SGB II"]


def test_population_under_15_is_not_sgb2_under15(tmp_path):
    text = ("Gemeindeschlüssel;Bevölkerung unter Altersgrenze;darunter unter 15 Jahre;RLB\n"
            "05358004;15.100;2.100;901\n")
    sgb2 = read_sgb2(write(tmp_path, text))
    same(values(sgb2, "05358004"), [NAN, 901, NAN, NAN, NAN, NAN, NAN, 15100])
    assert sgb2["name"].tolist() == [""]


# --- xlsx ---------------------------------------------------------------------------------


def workbook(tmp_path, rows_of_table, name="ba.xlsx"):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    info = book.active
    info.title = "Impressum"
    for row in (["Statistik der Bundesagentur für Arbeit"], ["Impressum"],
                ["Herausgeber: Bundesagentur für Arbeit, Nürnberg"], ["Stand: Juni 2024"]):
        info.append(row)
    table = book.create_sheet("Gemeinden")
    for row in rows_of_table:
        table.append(row)
    table.merge_cells("A4:A5")  # Gemeinde over both head rows
    table.merge_cells("B4:B5")
    table.merge_cells("C4:D4")  # the RLB group over insgesamt and darunter
    path = tmp_path / name
    book.save(path)
    return path


XLSX_ROWS = [
    ["Grundsicherung für Arbeitsuchende nach dem SGB II"],
    ["Gemeinden, Berichtsmonat Dezember 2023"],
    [],
    ["Gemeinde", "Bedarfsgemeinschaften", "Regelleistungsberechtigte (RLB)", None, "Arbeitslose"],
    [None, None, "insgesamt", "darunter: unter 15 Jahre", None],
    ["05358004 Aldenhoven", 456, 901, 234, 398],
    ["05358008 Düren, Stadt", 4321, 8765, 2345, 3456],
    [5358012, "*", "*", "*", "-"],
    [],
    ["© Statistik der Bundesagentur für Arbeit"],
]


def test_xlsx_impressum_first_table_on_the_second_sheet(tmp_path):
    path = workbook(tmp_path, XLSX_ROWS)
    with pytest.warns(UserWarning, match=r"ba\.xlsx!Gemeinden, row 8: key '5358012' has lost"):
        sgb2 = read_sgb2(path)
    assert sgb2["ags"].tolist() == ["05358004", "05358008", "05358012"]
    assert sgb2["name"].tolist() == ["Aldenhoven", "Düren, Stadt", ""]
    same(values(sgb2, "05358008"), [4321, 8765, NAN, 2345, NAN, NAN, 3456, NAN])
    heimbach = sgb2.set_index("ags").loc["05358012"]
    assert heimbach["sgb2_households_note"] == "anonymised" and heimbach["unemployed"] == 0.0
    assert sgb2.attrs["sheet"] == "Gemeinden" and sgb2.attrs["encoding"] == "xlsx"
    assert sgb2.attrs["title"][0] == "Grundsicherung für Arbeitsuchende nach dem SGB II"
    assert sgb2.attrs["footer"] == ["© Statistik der Bundesagentur für Arbeit"]


def test_xlsx_sheet_by_name_and_errors_name_sheet_and_row(tmp_path):
    rows = [list(r) for r in XLSX_ROWS]
    rows[6][2] = "8.7G5"
    path = workbook(tmp_path, rows)
    with pytest.raises(
        InputError,
        match=r"ba\.xlsx!Gemeinden, row 7, column 'Regelleistungsberechtigte \(RLB\) / "
        r"insgesamt': value '8.7G5' is not a number",
    ):
        read_sgb2(path, sheet="Gemeinden")
    with pytest.raises(
        InputError, match=r"ba\.xlsx!Impressum: no header line holds any of the headings"
    ):
        read_sgb2(path, sheet="Impressum")
    with pytest.raises(InputError, match=r"no sheet 'Tabelle 1'; sheets: Impressum, Gemeinden"):
        read_sgb2(path, sheet="Tabelle 1")


def test_xlsx_without_a_table_lists_the_sheets(tmp_path):
    path = workbook(tmp_path, [["Leer"], ["nichts", "hier"]])
    with pytest.raises(InputError, match=r"worksheets: Impressum, Gemeinden; set sgb2: sheet:"):
        read_sgb2(path)


# --- configuration --------------------------------------------------------------------------


def test_columns_override_unknown_heading_group_parts_and_switch_off(tmp_path):
    text = TWO_ROWS.replace("Arbeitslose\n", "Arbeitslose nach SGB II\n").replace(
        "Regelleistungsberechtigte (RLB);;", "Leistungsberechtigte (LB);;")
    columns = {
        "sgb2_persons": "Leistungsberechtigte (LB) insgesamt",  # both head rows, in order
        "sgb2_under15": "darunter: unter 15 Jahre",  # the lower part alone
        "unemployed": "Arbeitslose nach SGB II",
        "sgb2_non_employable": None,  # published, but not wanted
    }
    sgb2 = read_sgb2(write(tmp_path, text), columns=columns)
    same(values(sgb2, "05358004"), [456, 901, NAN, 234, 612, NAN, 398, NAN])
    assert (sgb2["sgb2_non_employable_note"] == "not_published").all()
    assert sgb2.attrs["columns"]["sgb2_persons"] == "Leistungsberechtigte (LB) / insgesamt"


def test_default_columns_keep_their_canonical_headings():
    assert DEFAULT_SGB2_COLUMNS["sgb2_persons"] == "Regelleistungsberechtigte"
    assert DEFAULT_SGB2_COLUMNS["sgb2_under15"] == "darunter: unter 15 Jahre"
    assert set(DEFAULT_SGB2_COLUMNS) == {"ags", "name", *SGB2_VALUES}


# --- errors ---------------------------------------------------------------------------------


def test_error_no_ba_count_lists_headings_and_the_key_to_set(tmp_path):
    text = "SGB II\nGemeinde;Leistungsbezieher;Kinder\n05358004 Aldenhoven;901;234\n"
    with pytest.raises(
        InputError,
        match=r"ba\.csv: no header line holds any of the headings 'Bedarfsgemeinschaften', "
        r".*headings found: Gemeinde, Leistungsbezieher, Kinder; "
        r"set sgb2: columns: sgb2_persons: <heading> in the county file",
    ):
        read_sgb2(write(tmp_path, text))


def test_error_two_columns_for_one_count(tmp_path):
    text = "Gemeindeschlüssel;RLB;Regelleistungsberechtigte insgesamt\n05358004;901;902\n"
    with pytest.raises(
        InputError,
        match=r"ba\.csv, line 1, column 'Regelleistungsberechtigte insgesamt': headings 'RLB' "
        r"and 'Regelleistungsberechtigte insgesamt' both read as sgb2_persons; "
        r"set sgb2: columns: sgb2_persons: <heading>",
    ):
        read_sgb2(write(tmp_path, text))
    sgb2 = read_sgb2(write(tmp_path, text), columns={"sgb2_persons": "RLB"})
    assert sgb2["sgb2_persons"].tolist() == [901.0]


def test_error_no_key_column(tmp_path):
    text = "Gemeinde;Bedarfsgemeinschaften\nAldenhoven;456\nDüren, Stadt;4.321\n"
    with pytest.raises(
        InputError,
        match=r"ba\.csv, line 1: no column holds municipality keys .*headings found: Gemeinde, "
        r"Bedarfsgemeinschaften; set sgb2: columns: ags: <heading> in the county file",
    ):
        read_sgb2(write(tmp_path, text))
