"""Tests for :mod:`pipeline.readers.bundesagentur`.

Test matrix
-----------
- format: UTF-8 with BOM and CRLF, title lines, header, a sub-heading line, the county row,
  ``*`` anonymised values, ``-``, thousands separators, footer ``© Statistik der BA``;
  UTF-8 without BOM; cp1252;
- configuration: other headings through ``columns=``, a column the product does not publish
  (``None``), a heading in another case and spacing;
- keys: leading zeros kept, the county row in ``attrs['totals']``, a key that lost its
  leading zero (padded with a warning);
- errors (file, line, column): a heading not found (headings listed), no header at all,
  a bad value, a key that is not digits, no municipality rows, a duplicate municipality.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.readers.bundesagentur import DEFAULT_SGB2_COLUMNS, read_sgb2

HEADER = (
    "Gemeinde;Gemeindeschlüssel;Bedarfsgemeinschaften;Regelleistungsberechtigte;"
    "darunter: unter 15 Jahre;Erwerbsfähige Leistungsberechtigte;Arbeitslose\r\n"
)
SGB2 = (
    "Statistik der Bundesagentur für Arbeit\r\n"
    "Grundsicherung für Arbeitsuchende (SGB II) und Arbeitslose nach Gemeinden\r\n"
    "Berichtsmonat: Dezember 2023;;;;;;\r\n"
    ";;;;;;\r\n" + HEADER + ";;Anzahl;Anzahl;Anzahl;Anzahl;Anzahl\r\n"
    "Kreis Rurtal (synthetisch);05399;9.876;18.765;5.432;12.345;7.654\r\n"
    "Aldenhoven;05399004;456;901;234;612;398\r\n"
    "Düren, Stadt;05399008;4.321;8.765;2.345;5.678;3.456\r\n"
    "Heimbach;05399012;*;*;*;12;-\r\n"
    ";;;;;;\r\n"
    "© Statistik der Bundesagentur für Arbeit\r\n"
    "Erstellungsdatum: 15.03.2024\r\n"
)


def write(tmp_path, text, encoding="utf-8-sig", name="sgb2_gemeinden.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_read_with_bom_anonymised_and_totals(tmp_path):
    path = write(tmp_path, SGB2)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    sgb2 = read_sgb2(path)
    values = ["sgb2_households", "sgb2_persons", "sgb2_under15", "sgb2_employable", "unemployed"]
    # issue 12: PersBG, NEF and the population below the age limit are columns too, NaN
    # with the note not_published where the product does not publish them
    every = ["sgb2_households", "sgb2_persons", "sgb2_persons_in_bg", "sgb2_under15",
             "sgb2_employable", "sgb2_non_employable", "unemployed", "population_below_limit"]
    assert sgb2.columns.tolist() == ["ags", "name", *every, *[f"{v}_note" for v in every]]
    for name in ("sgb2_persons_in_bg", "sgb2_non_employable", "population_below_limit"):
        assert sgb2[name].isna().all() and (sgb2[f"{name}_note"] == "not_published").all()
    assert sgb2.attrs["columns"]["sgb2_persons"] == "Regelleistungsberechtigte"
    assert sgb2.attrs["columns"]["ags"] == "Gemeindeschlüssel"
    assert sgb2.attrs["columns"]["name"] == "Gemeinde"
    assert sgb2["ags"].tolist() == ["05399004", "05399008", "05399012"]
    assert sgb2["name"].tolist() == ["Aldenhoven", "Düren, Stadt", "Heimbach"]
    assert sgb2.loc[0, values].tolist() == [456.0, 901.0, 234.0, 612.0, 398.0]
    assert sgb2.loc[1, values].tolist() == [4321.0, 8765.0, 2345.0, 5678.0, 3456.0]
    heimbach = sgb2.loc[2]
    assert np.isnan(
        heimbach[["sgb2_households", "sgb2_persons", "sgb2_under15"]].astype(float)
    ).all()
    assert heimbach["sgb2_households_note"] == "anonymised"
    assert heimbach["sgb2_employable"] == 12.0 and pd.isna(heimbach["sgb2_employable_note"])
    assert heimbach["unemployed"] == 0.0 and heimbach["unemployed_note"] == "zero"
    assert [row["ags"] for row in sgb2.attrs["totals"]] == ["05399"]
    assert sgb2.attrs["totals"][0]["sgb2_persons"] == 18765.0
    assert sgb2.attrs["encoding"] == "utf-8"
    assert sgb2.attrs["footer"][0].startswith("© Statistik der Bundesagentur")
    assert sgb2.attrs["title"][0] == "Statistik der Bundesagentur für Arbeit"


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_without_bom_and_cp1252(tmp_path, encoding):
    sgb2 = read_sgb2(write(tmp_path, SGB2, encoding))
    assert sgb2["name"].tolist() == ["Aldenhoven", "Düren, Stadt", "Heimbach"]
    assert sgb2.attrs["encoding"] == encoding


def test_other_headings_through_configuration(tmp_path):
    text = SGB2.replace(
        HEADER,
        (
            "Gemeindeschlüssel;Name der Gemeinde;Arbeitslose insgesamt;BG;"
            "Leistungsberechtigte;  Darunter:  unter 15 Jahre ;ELB\r\n"
        ),
    ).replace("Kreis Rurtal (synthetisch);05399;", "05399;Kreis Rurtal (synthetisch);")
    text = text.replace("Aldenhoven;05399004;", "05399004;Aldenhoven;")
    text = text.replace("Düren, Stadt;05399008;", "05399008;Düren, Stadt;")
    text = text.replace("Heimbach;05399012;", "05399012;Heimbach;")
    columns = {
        "name": "Name der Gemeinde",
        "sgb2_households": "Arbeitslose insgesamt",  # any text, as long as it is unique
        "sgb2_persons": "BG",
        "sgb2_employable": "ELB",
        "unemployed": None,
    }
    sgb2 = read_sgb2(write(tmp_path, text), columns=columns)
    assert sgb2["ags"].tolist() == ["05399004", "05399008", "05399012"]
    assert sgb2.loc[
        0, ["sgb2_households", "sgb2_persons", "sgb2_under15", "sgb2_employable"]
    ].tolist() == [456.0, 901.0, 612.0, 398.0]
    assert sgb2["unemployed"].isna().all()
    assert (sgb2["unemployed_note"] == "not_published").all()
    assert DEFAULT_SGB2_COLUMNS["unemployed"] == "Arbeitslose"  # the default is unchanged


def test_key_without_leading_zero_is_padded(tmp_path):
    text = SGB2.replace(";05399004;", ";5399004;")
    with pytest.warns(
        UserWarning, match=r"sgb2_gemeinden\.csv, line 8: key '5399004' has lost its leading zero"
    ):
        sgb2 = read_sgb2(write(tmp_path, text))
    assert sgb2["ags"].iloc[0] == "05399004"


def test_bad_columns_argument(tmp_path):
    path = write(tmp_path, SGB2)
    with pytest.raises(ValueError, match="columns keys must be among"):
        read_sgb2(path, columns={"residents": "Einwohner"})
    with pytest.raises(ValueError, match=r"columns\['ags'\] must be a heading"):
        read_sgb2(path, columns={"ags": None})


# --- errors -------------------------------------------------------------------------------


def test_error_heading_not_found_lists_headings(tmp_path):
    # issue 12: "Arbeitslose insgesamt" now reads as unemployed (filler words are ignored),
    # so the case is a configured heading that the file does not hold
    path = write(tmp_path, SGB2.replace(";Arbeitslose\r\n", ";Arbeitslose insgesamt\r\n"))
    assert read_sgb2(path)["unemployed"].tolist() == [398.0, 3456.0, 0.0]
    with pytest.raises(
        InputError,
        match=r"sgb2_gemeinden.csv, line 5, column 'Arbeitslose SGB II': "
        r"heading 'Arbeitslose SGB II' \(columns: unemployed\) not found; headings found: "
        r"Gemeinde, Gemeindeschlüssel, .*, Arbeitslose "
        r"insgesamt; set sgb2: columns: unemployed: <heading> in the county file",
    ):
        read_sgb2(path, columns={"unemployed": "Arbeitslose SGB II"})


def test_error_no_header(tmp_path):
    with pytest.raises(InputError, match=r"sgb2_gemeinden.csv: no header line holds any of"):
        read_sgb2(write(tmp_path, "Titel\r\n1;2;3\r\n"))


def test_error_bad_value_names_line_and_column(tmp_path):
    path = write(
        tmp_path,
        SGB2.replace("Aldenhoven;05399004;456;901;234;", "Aldenhoven;05399004;456;9O1;234;"),
    )
    with pytest.raises(
        InputError,
        match=r"sgb2_gemeinden\.csv, line 8, column 'Regelleistungsberechtigte': value "
        r"'9O1' is not a number",
    ):
        read_sgb2(path)


def test_error_key_not_digits(tmp_path):
    path = write(tmp_path, SGB2.replace(";05399008;", ";0539900B;"))
    with pytest.raises(
        InputError, match=r"sgb2_gemeinden\.csv, line 9, column 'Gemeindeschlüssel': key '0539900B'"
    ):
        read_sgb2(path)


def test_error_no_municipality_rows(tmp_path):
    text = "".join(line + "\r\n" for line in SGB2.split("\r\n") if ";053990" not in line)
    with pytest.raises(
        InputError,
        match=r"sgb2_gemeinden\.csv, column 'Gemeindeschlüssel': no municipality rows "
        r"\(8-digit keys\) below the header; keys found: 05399",
    ):
        read_sgb2(write(tmp_path, text))


def test_error_duplicate_municipality(tmp_path):
    text = SGB2.replace(";;;;;;\r\n©", "Aldenhoven;05399004;1;2;3;4;5\r\n©")
    with pytest.raises(
        InputError,
        match=r"sgb2_gemeinden\.csv, line 8, column 'Gemeindeschlüssel': municipality "
        r"05399004 appears more than once, on lines 8, 11",
    ):
        read_sgb2(write(tmp_path, text))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"], ids=["with-bom", "without-bom"])
def test_error_utf16_table_says_how_to_save_it(tmp_path, encoding):
    with pytest.raises(InputError, match=r"sgb2_gemeinden.csv: the file is UTF-16 .*CSV UTF-8"):
        read_sgb2(write(tmp_path, SGB2, encoding=encoding))


def test_every_sign_of_the_statistics_offices_is_read_with_its_note(tmp_path):
    text = SGB2.replace("Heimbach;05399012;*;*;*;12;-", "Heimbach;05399012;.;/;x;(12);-")
    row = read_sgb2(write(tmp_path, text)).set_index("ags").loc["05399012"]
    assert (row["sgb2_households_note"], row["sgb2_persons_note"]) == ("secret", "uncertain")
    assert row["sgb2_under15_note"] == "not_meaningful"
    assert (row["sgb2_employable"], row["sgb2_employable_note"]) == (12.0, "limited_reliability")
