"""Tests for :mod:`pipeline.readers.zensus`.

Test matrix
-----------
- formats: UTF-8 (with and without BOM, CRLF), cp1252 with the en dash as byte 0x96, the ZIP
  with the member in a folder, 100 m and 1 km files, long and short grid IDs, thousands
  separators, ``KLAMMERN``, a file without ``werterlaeuternde_Zeichen``;
- options: ``columns``, ``kinds``, ``area`` as polygon, bbox and GeoSeries in another CRS;
- errors (file, line, column in the message): wrong separator, missing ID / centre / value
  column, wrong resolution, non-numeric value, non-numeric centre, centre off the ID,
  unparseable ID, ID off the grid, duplicate cell (both lines), wrong field count, ZIP
  without or with two matching members;
- streaming: a 200,000-row file cut to a small area;
- helpers: :func:`zensus_topic`, :func:`cell_polygons`.
"""

from __future__ import annotations

import re
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from pipeline.errors import InputError
from pipeline.readers.zensus import cell_polygons, read_zensus, read_zensus_topics, zensus_topic

HEADER = "GITTER_ID_100m;x_mp_100m;y_mp_100m"

POPULATION = (
    "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner;werterlaeuternde_Zeichen\r\n"
    "CRS3035RES100mN2689100E4337000;4337050;2689150;4;\r\n"
    "CRS3035RES100mN2689100E4337100;4337150;2689150;1.234;\r\n"
    "CRS3035RES100mN2689200E4337000;4337050;2689250;–;KLAMMERN\r\n"
    "CRS3035RES100mN2689200E4337100;4337150;2689250;17;KLAMMERN\r\n"
)

AGE = (
    "GITTER_ID_100m;x_mp_100m;y_mp_100m;Durchschnittsalter;werterlaeuternde_Zeichen\n"
    "CRS3035RES100mN2689100E4337000;4337050;2689150;36,75;\n"
    "CRS3035RES100mN2689200E4337000;4337050;2689250;–;\n"
)

ENERGY = (
    "GITTER_ID_100m;x_mp_100m;y_mp_100m;Insgesamt_Energietraeger;Gas;Heizoel;Fernwaerme;"
    "werterlaeuternde_Zeichen\r\n"
    "CRS3035RES100mN2689100E4337000;4337050;2689150;12;9;3;–;\r\n"
    "CRS3035RES100mN2689100E4337100;4337150;2689150;5;–;–;5;KLAMMERN\r\n"
)

ONE_KM = (
    "GITTER_ID_1km;x_mp_1km;y_mp_1km;Einwohner;werterlaeuternde_Zeichen\n"
    "CRS3035RES1000mN2689000E4337000;4337500;2689500;1520;\n"
    "1kmN2690E4337;4337500;2690500;3;KLAMMERN\n"
)


def write(tmp_path, text, name="Zensus2022_Bevoelkerungszahl_100m-Gitter.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def make_zip(tmp_path, members, name="Zensus2022_Bevoelkerungszahl.zip"):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


# --- formats ------------------------------------------------------------------------------


def test_population_utf8_values_dash_and_flags(tmp_path):
    cells = read_zensus(write(tmp_path, POPULATION))
    assert cells.columns.tolist() == ["cell_id", "x", "y", "Einwohner", "klammern"]
    assert cells["cell_id"].tolist() == [
        "CRS3035RES100mN2689100E4337000",
        "CRS3035RES100mN2689100E4337100",
        "CRS3035RES100mN2689200E4337000",
        "CRS3035RES100mN2689200E4337100",
    ]
    assert cells["x"].dtype == np.int64 and cells["y"].dtype == np.int64
    assert cells["x"].tolist() == [4337000, 4337100, 4337000, 4337100]
    assert cells["y"].tolist() == [2689100, 2689100, 2689200, 2689200]
    assert cells["Einwohner"].dtype == np.float64
    # '1.234' is a thousands separator, the en dash in a count is 0
    assert cells["Einwohner"].tolist() == [4.0, 1234.0, 0.0, 17.0]
    assert cells["klammern"].tolist() == [False, False, True, True]
    assert cells.attrs["encoding"] == "utf-8"
    assert cells.attrs["dash_counts"] == {"Einwohner": 1}
    assert cells.attrs["topic"] == "Bevoelkerungszahl"
    assert cells.attrs["resolution"] == 100


def test_mean_dash_is_missing_and_decimal_comma(tmp_path):
    cells = read_zensus(write(tmp_path, AGE, "Zensus2022_Durchschnittsalter_100m-Gitter.csv"))
    assert cells["Durchschnittsalter"].iloc[0] == pytest.approx(36.75)
    assert np.isnan(cells["Durchschnittsalter"].iloc[1])
    assert cells.attrs["dash_counts"] == {"Durchschnittsalter": 1}


def test_cp1252_en_dash_is_byte_0x96(tmp_path):
    path = write(tmp_path, ENERGY, "Zensus2022_Energietraeger_100m-Gitter.csv", "cp1252")
    assert b"\x96" in path.read_bytes()
    cells = read_zensus(path)
    assert cells.attrs["encoding"] == "cp1252"
    assert cells["Gas"].tolist() == [9.0, 0.0]
    assert cells["Heizoel"].tolist() == [3.0, 0.0]
    assert cells["Fernwaerme"].tolist() == [0.0, 5.0]
    assert cells.attrs["dash_counts"] == {
        "Insgesamt_Energietraeger": 0,
        "Gas": 1,
        "Heizoel": 1,
        "Fernwaerme": 1,
    }
    assert cells["klammern"].tolist() == [False, True]


def test_utf8_bom_and_missing_flag_column(tmp_path):
    text = (
        "\ufeffGITTER_ID_100m;x_mp_100m;y_mp_100m;AnteilAuslaender\n"
        "CRS3035RES100mN2689100E4337000;4337050;2689150;12,5\n"
        "CRS3035RES100mN2689100E4337100;4337150;2689150;-\n"
    )
    cells = read_zensus(write(tmp_path, text, "Zensus2022_Anteil_Auslaender_100m-Gitter.csv"))
    assert cells["AnteilAuslaender"].iloc[0] == pytest.approx(12.5)
    assert np.isnan(cells["AnteilAuslaender"].iloc[1])  # a hyphen is tolerated as the dash
    assert cells["klammern"].tolist() == [False, False]


def test_zip_with_member_in_a_folder(tmp_path):
    archive = make_zip(
        tmp_path,
        {
            "Zensus2022_Bevoelkerungszahl/Zensus2022_Bevoelkerungszahl_100m-Gitter.csv": POPULATION.encode(
                "utf-8"
            ),
            "Zensus2022_Bevoelkerungszahl/Zensus2022_Bevoelkerungszahl_1km-Gitter.csv": ONE_KM.encode(
                "utf-8"
            ),
            "Zensus2022_Bevoelkerungszahl/Datensatzbeschreibung.xlsx": b"PK-not-really",
        },
    )
    cells = read_zensus(archive)
    assert cells["Einwohner"].tolist() == [4.0, 1234.0, 0.0, 17.0]
    assert cells.attrs["source"].endswith(
        "Zensus2022_Bevoelkerungszahl.zip!Zensus2022_Bevoelkerungszahl/"
        "Zensus2022_Bevoelkerungszahl_100m-Gitter.csv"
    )
    assert cells.attrs["topic"] == "Bevoelkerungszahl"

    coarse = read_zensus(archive, resolution="1km")
    assert coarse["cell_id"].tolist() == [
        "CRS3035RES1000mN2689000E4337000",
        "CRS3035RES1000mN2690000E4337000",
    ]
    assert coarse["Einwohner"].tolist() == [1520.0, 3.0]
    assert coarse["klammern"].tolist() == [False, True]


def test_zip_with_cp1252_member(tmp_path):
    archive = make_zip(
        tmp_path,
        {"Zensus2022_Energietraeger_100m-Gitter.csv": ENERGY.encode("cp1252")},
        "Zensus2022_Energietraeger.zip",
    )
    cells = read_zensus(archive, columns=["Fernwaerme"])
    assert cells.columns.tolist() == ["cell_id", "x", "y", "Fernwaerme", "klammern"]
    assert cells["Fernwaerme"].tolist() == [0.0, 5.0]
    assert cells.attrs["encoding"] == "cp1252"


def test_short_ids_of_other_products(tmp_path):
    text = (
        f"{HEADER};Einwohner\n"
        "100mN26891E43370;4337050;2689150;3\n"
        "100mN26680E43341;4334150;2668050;8\n"
    )
    cells = read_zensus(write(tmp_path, text))
    assert cells["cell_id"].tolist() == [
        "CRS3035RES100mN2689100E4337000",
        "CRS3035RES100mN2668000E4334100",
    ]
    assert cells["x"].tolist() == [4337000, 4334100]
    assert cells["y"].tolist() == [2689100, 2668000]


def test_columns_and_kinds_override(tmp_path):
    text = (
        f"{HEADER};Insgesamt_Gebaeude;MeinIndex;AnteilNeu\n"
        "CRS3035RES100mN2689100E4337000;4337050;2689150;–;–;–\n"
    )
    path = write(tmp_path, text)
    cells = read_zensus(path)
    # unknown columns: 'Anteil' in the name makes a rate, anything else counts
    assert cells[["Insgesamt_Gebaeude", "MeinIndex"]].iloc[0].tolist() == [0.0, 0.0]
    assert np.isnan(cells["AnteilNeu"].iloc[0])
    cells = read_zensus(
        path, ["MeinIndex", "AnteilNeu"], kinds={"MeinIndex": "rate", "AnteilNeu": "count"}
    )
    assert cells.columns.tolist() == ["cell_id", "x", "y", "MeinIndex", "AnteilNeu", "klammern"]
    assert np.isnan(cells["MeinIndex"].iloc[0])
    assert cells["AnteilNeu"].iloc[0] == 0.0


def test_thousands_separator_with_decimal_comma_in_rate(tmp_path):
    text = f"{HEADER};durchschnMieteQM\nCRS3035RES100mN2689100E4337000;4337050;2689150;1.234,5\n"
    cells = read_zensus(write(tmp_path, text))
    assert cells["durchschnMieteQM"].iloc[0] == pytest.approx(1234.5)


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        pytest.param(shapely.box(4337000, 2689100, 4337100, 2689300), [0, 2], id="polygon"),
        pytest.param((4337100, 2689100, 4337200, 2689200), [1], id="bbox"),
        # an L-shape: its bbox holds all four centres, the shape three
        pytest.param(
            shapely.Polygon(
                [
                    (4337000, 2689100),
                    (4337200, 2689100),
                    (4337200, 2689200),
                    (4337100, 2689200),
                    (4337100, 2689300),
                    (4337000, 2689300),
                ]
            ),
            [0, 1, 2],
            id="exact-point-in-polygon",
        ),
    ],
)
def test_area_keeps_cells_whose_centre_lies_inside(tmp_path, area, expected):
    everything = read_zensus(write(tmp_path, POPULATION))
    cells = read_zensus(tmp_path / "Zensus2022_Bevoelkerungszahl_100m-Gitter.csv", area=area)
    assert cells["cell_id"].tolist() == everything["cell_id"].iloc[expected].tolist()


def test_area_as_geoseries_is_reprojected(tmp_path):
    square = shapely.box(4337000, 2689100, 4337100, 2689200)
    utm = gpd.GeoSeries([square], crs="EPSG:3035").to_crs("EPSG:25832")
    cells = read_zensus(write(tmp_path, POPULATION), area=utm)
    assert cells["cell_id"].tolist() == ["CRS3035RES100mN2689100E4337000"]


def test_area_without_cells_warns(tmp_path):
    with pytest.warns(UserWarning, match="EPSG:3035"):
        cells = read_zensus(write(tmp_path, POPULATION), area=(0, 0, 10, 10))
    assert cells.empty and cells.columns.tolist()[-1] == "klammern"


@pytest.mark.parametrize(
    ("area", "error"),
    [
        pytest.param("Düren", TypeError, id="string"),
        pytest.param((5, 5, 1, 1), ValueError, id="inverted-bbox"),
        pytest.param(shapely.Point(0, 0), ValueError, id="point"),
    ],
)
def test_bad_area_argument(tmp_path, area, error):
    with pytest.raises(error, match="area"):
        read_zensus(write(tmp_path, POPULATION), area=area)


def test_streaming_200000_rows_cut_to_an_area(tmp_path):
    cols, rows = 500, 400
    index = np.arange(cols * rows)
    x = 4_000_000 + (index % cols) * 100
    y = 3_000_000 + (index // cols) * 100
    people = (index % 7) + 1
    path = tmp_path / "Zensus2022_Bevoelkerungszahl_100m-Gitter.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner;werterlaeuternde_Zeichen\n")
        np.savetxt(
            handle,
            np.column_stack([y, x, x + 50, y + 50, people]),
            fmt="CRS3035RES100mN%dE%d;%d;%d;%d;",
            newline="\n",
        )
    # 12 x 10 cells: columns 100..111, rows 40..49
    area = shapely.box(4_010_000, 3_004_000, 4_011_200, 3_005_000)
    cells = read_zensus(path, area=area)
    assert len(cells) == 120
    assert cells["x"].min() == 4_010_000 and cells["x"].max() == 4_011_100
    assert cells["y"].min() == 3_004_000 and cells["y"].max() == 3_004_900
    inside = (x >= 4_010_000) & (x < 4_011_200) & (y >= 3_004_000) & (y < 3_005_000)
    assert cells["Einwohner"].sum() == people[inside].sum()


# --- errors -------------------------------------------------------------------------------


def test_error_comma_separator(tmp_path):
    text = POPULATION.replace(";", ",")
    path = write(tmp_path, text)
    with pytest.raises(
        InputError,
        match=rf"{re.escape(str(path))}, line 1: the separator "
        r"looks like ',', but ';' was expected",
    ):
        read_zensus(path)


@pytest.mark.parametrize(
    ("header", "column"),
    [
        pytest.param("GITTER_ID;x_mp_100m;y_mp_100m;Einwohner", "GITTER_ID_100m", id="id"),
        pytest.param("GITTER_ID_100m;x_mp;y_mp_100m;Einwohner", "x_mp_100m", id="x"),
        pytest.param("GITTER_ID_100m;x_mp_100m;y_100m;Einwohner", "y_mp_100m", id="y"),
    ],
)
def test_error_missing_required_column_lists_found(tmp_path, header, column):
    path = write(tmp_path, header + "\nCRS3035RES100mN2689100E4337000;4337050;2689150;4\n")
    with pytest.raises(
        InputError,
        match=rf"_100m-Gitter\.csv, line 1, column '{column}': missing column "
        rf"'{column}'; found: {re.escape(header.replace(';', ', '))}",
    ):
        read_zensus(path)


def test_error_missing_requested_value_column(tmp_path):
    path = write(tmp_path, POPULATION)
    with pytest.raises(
        InputError,
        match=r"_100m-Gitter\.csv, line 1, column 'Insgesamt': missing value column "
        r"'Insgesamt'; found: Einwohner",
    ):
        read_zensus(path, ["Insgesamt"])


def test_error_1km_file_read_as_100m_hints_at_resolution(tmp_path):
    path = write(tmp_path, ONE_KM, "Zensus2022_Bevoelkerungszahl_1km-Gitter.csv")
    with pytest.raises(
        InputError,
        match=r"1km-Gitter.csv, line 1, column 'GITTER_ID_100m'.*"
        r"resolution='1km'",
    ):
        read_zensus(path)


def test_error_non_numeric_value_names_line_column_value(tmp_path):
    text = POPULATION.replace("4337150;2689250;17;", "4337150;2689250;17a;")
    path = write(tmp_path, text)
    with pytest.raises(
        InputError,
        match=rf"{re.escape(str(path))}, line 5, column 'Einwohner': "
        r"value '17a' is not a number",
    ):
        read_zensus(path)


def test_error_non_numeric_value_in_cp1252_file(tmp_path):
    text = ENERGY.replace(";12;9;3;", ";12;9;x;")
    path = write(tmp_path, text, "Zensus2022_Energietraeger_100m-Gitter.csv", "cp1252")
    with pytest.raises(InputError, match=r"_100m-Gitter\.csv, line 2, column 'Heizoel': value 'x'"):
        read_zensus(path)


def test_error_non_numeric_centre(tmp_path):
    text = POPULATION.replace("4337150;2689150", "4337150;26891S0")
    with pytest.raises(
        InputError,
        match=r"_100m-Gitter\.csv, line 3, column 'y_mp_100m': value '26891S0' is not "
        r"a coordinate",
    ):
        read_zensus(write(tmp_path, text))


def test_error_centre_does_not_match_id(tmp_path):
    text = POPULATION.replace("E4337100;4337150;2689250", "E4337100;4337100;2689250")
    with pytest.raises(
        InputError,
        match=r"_100m-Gitter\.csv, line 5, column 'x_mp_100m': cell centre '4337100' "
        r"does not match .* expected 4337150",
    ):
        read_zensus(write(tmp_path, text))


@pytest.mark.parametrize(
    ("bad_id", "reason"),
    [
        pytest.param("CRS3035RES100mN2689100X4337000", "is not of the form", id="garbled"),
        pytest.param("CRS3035RES1000mN2689000E4337000", "cell size of 1000 m", id="1km-id"),
        pytest.param("CRS3035RES100mN2689150E4337000", "not on the 100 m grid", id="off-grid"),
    ],
)
def test_error_bad_grid_id(tmp_path, bad_id, reason):
    text = POPULATION.replace("CRS3035RES100mN2689100E4337100", bad_id)
    with pytest.raises(
        InputError,
        match=rf"_100m-Gitter\.csv, line 3, column 'GITTER_ID_100m': grid ID "
        rf"'{bad_id}' .*{reason}",
    ):
        read_zensus(write(tmp_path, text))


def test_error_duplicate_cell_names_both_lines(tmp_path):
    # the same cell twice, once in the short form
    text = POPULATION + "100mN26891E43371;4337150;2689150;2;\r\n"
    with pytest.raises(
        InputError,
        match=r"_100m-Gitter\.csv, line 3, column 'GITTER_ID_100m': cell "
        r"CRS3035RES100mN2689100E4337100 appears more than "
        r"once, on lines 3, 6",
    ):
        read_zensus(write(tmp_path, text))


def test_error_wrong_field_count(tmp_path):
    text = POPULATION.replace("2689250;17;KLAMMERN", "2689250;17;3;KLAMMERN")
    with pytest.raises(
        InputError,
        match=r"_100m-Gitter\.csv, line 5: expected 5 fields separated by ';' as in "
        r"the header, found 6",
    ):
        read_zensus(write(tmp_path, text))


def test_error_zip_without_matching_member_lists_members(tmp_path):
    archive = make_zip(tmp_path, {"daten/Zensus2022_Bevoelkerungszahl_1km-Gitter.csv": ONE_KM})
    with pytest.raises(
        InputError,
        match=r"Bevoelkerungszahl.zip: expected exactly one member "
        r"ending in '_100m-gitter.csv', found 0; members: "
        r"daten/Zensus2022_Bevoelkerungszahl_1km-Gitter.csv",
    ):
        read_zensus(archive)


def test_error_zip_with_two_matching_members(tmp_path):
    archive = make_zip(tmp_path, {"a/X_100m-Gitter.csv": POPULATION, "b/Y_100m-Gitter.csv": ""})
    with pytest.raises(
        InputError,
        match=r"found 2; members: a/X_100m-Gitter.csv, "
        r"b/Y_100m-Gitter.csv",
    ):
        read_zensus(archive)


def test_error_empty_file(tmp_path):
    with pytest.raises(InputError, match=r"_100m-Gitter\.csv, line 1: the file is empty"):
        read_zensus(write(tmp_path, ""))


# --- helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "topic"),
    [
        ("Zensus2022_Bevoelkerungszahl_100m-Gitter.csv", "Bevoelkerungszahl"),
        ("Zensus2022_Alter_5er-Jahresgruppen_1km-Gitter.csv", "Alter_5er-Jahresgruppen"),
        ("downloads/Zensus2022_Durchschn_Nettokaltmiete.zip", "Durchschn_Nettokaltmiete"),
        ("Energietraeger_10km-Gitter.csv", "Energietraeger"),
    ],
)
def test_zensus_topic(name, topic):
    assert zensus_topic(name) == topic


def test_cell_polygons_are_100m_squares(tmp_path):
    cells = read_zensus(write(tmp_path, POPULATION))
    polygons = cell_polygons(cells)
    assert polygons.crs == "EPSG:3035"
    assert polygons.geometry.area.tolist() == [10_000.0] * 4
    assert polygons.geometry.iloc[0].bounds == (4337000.0, 2689100.0, 4337100.0, 2689200.0)
    assert polygons["Einwohner"].tolist() == cells["Einwohner"].tolist()
    assert "geometry" not in cells.columns  # the input is not changed


def test_cell_polygons_size_from_cell_id():
    cells = pd.DataFrame(
        {"cell_id": ["CRS3035RES1000mN2689000E4337000"], "x": [4337000], "y": [2689000]}
    )
    assert cell_polygons(cells).geometry.iloc[0].area == 1_000_000.0


def test_trailing_separator_in_header_and_rows(tmp_path):
    text = f"{HEADER};Einwohner;\nCRS3035RES100mN2689100E4337000;4337050;2689150;4;\n"
    cells = read_zensus(write(tmp_path, text))
    assert cells.columns.tolist() == ["cell_id", "x", "y", "Einwohner", "klammern"]
    assert cells["Einwohner"].tolist() == [4.0]


# --- files that are not what they claim ---------------------------------------------------


def test_error_negative_count_names_line_and_column(tmp_path):
    path = write(tmp_path, POPULATION.replace("4337150;2689250;17;", "4337150;2689250;-17;"))
    with pytest.raises(InputError, match=rf"{re.escape(str(path))}, line 5, column 'Einwohner': "
                       r"value '-17' is not a number of 0 or more"):
        read_zensus(path)


def test_error_truncated_zip_is_called_a_damaged_archive(tmp_path):
    archive = make_zip(tmp_path, {"Zensus2022_Bevoelkerungszahl_100m-Gitter.csv": POPULATION})
    archive.write_bytes(archive.read_bytes()[:-40])  # the table of contents is cut off
    with pytest.raises(InputError, match=r"Bevoelkerungszahl.zip: damaged or truncated ZIP "
                       r"archive .*download it again"):
        read_zensus(archive)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"], ids=["with-bom", "without-bom"])
def test_error_utf16_file_says_how_to_save_it(tmp_path, encoding):
    path = write(tmp_path, POPULATION, encoding=encoding)
    with pytest.raises(InputError, match=r"_100m-Gitter\.csv: the file is UTF-16 .*CSV UTF-8") as err:
        read_zensus(path)
    assert "\\x00" not in str(err.value) and "\0" not in str(err.value)


def test_topics_read_together_keep_order_and_the_first_bad_file_raises(tmp_path):
    """Several topics read in threads give the same frames as one by one, in the given
    order; with two bad files the error is the first one's, as a loop would raise."""
    folders = [tmp_path / n for n in ("a", "b", "c")]
    for folder in folders:
        folder.mkdir()
    good = {"alter": write(folders[0], AGE, "Zensus2022_Durchschnittsalter_100m-Gitter.csv"),
            "bevoelkerung": write(folders[1], POPULATION),
            "energie": write(folders[2], ENERGY, "Zensus2022_Energietraeger_100m-Gitter.csv")}
    together = read_zensus_topics(good, threads=3)
    assert list(together) == ["alter", "bevoelkerung", "energie"]
    for topic, path in good.items():
        pd.testing.assert_frame_equal(together[topic], read_zensus(path))
    bad_first = write(folders[0], POPULATION.replace(";17;", ";17a;"), "Zensus2022_X_100m-Gitter.csv")
    bad_later = write(folders[2], AGE.replace("36,75", "x"),
                      "Zensus2022_Durchschnittsalter_100m-Gitter.csv")
    with pytest.raises(InputError, match=re.escape(str(bad_first))):
        read_zensus_topics({"eins": bad_first, "zwei": good["bevoelkerung"], "drei": bad_later})
