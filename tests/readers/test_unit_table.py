"""Polygon units as a county source: layer plus attribute table, CSV or xlsx.

Fixtures are written here by hand: four square blocks in a 2 x 2 layout (EPSG:25832), and
register extracts as a statistics office exports them (a title line above the header,
``;``-separated, German numbers, a sign for a secret value; the same as an xlsx workbook
with an "Impressum" sheet first). Expected values are worked out in the tests.
"""

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
import shapely

from pipeline.errors import InputError
from pipeline.readers import read_unit_layer, read_unit_table, unit_cells

IDS = ["053580040001", "053580040002", "053580080001", "053580080002"]
COLUMNS = {"Einwohner": "EW gesamt", "Alter_in_5_Altersklassen:a65undaelter": "65 und älter"}


@pytest.fixture()
def layer(tmp_path):
    squares = [shapely.box(x, y, x + 100, y + 100) for x, y in
               ((310_000, 5_630_000), (310_100, 5_630_000), (310_000, 5_630_100),
                (310_100, 5_630_100))]
    path = tmp_path / "bloecke.gpkg"
    gpd.GeoDataFrame({"BLOCK": IDS, "GEM": ["05358004", "05358004", "05358008", "05358008"]},
                     geometry=squares, crs="EPSG:25832").to_file(path, layer="bloecke")
    return path


def register_csv(tmp_path, rows=None):
    text = ("Einwohner nach Baublöcken, Stichtag 31.12.2024\n"
            "Baublock;EW gesamt;65 und älter\n"
            + "".join(rows or ["053580040001;1.234;210\n", "053580040002;17;.\n",
                               "053580080001;0;-\n"]))
    path = tmp_path / "register.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_layer_and_csv_table_joined_by_unit_id(layer, tmp_path):
    units = read_unit_layer(layer, "BLOCK", COLUMNS, table=register_csv(tmp_path),
                            table_key="Baublock")
    assert units["cell_id"].tolist() == IDS  # text, leading zero kept
    assert units["Einwohner"].tolist() == [1234.0, 17.0, 0.0, 0.0]  # no row: nobody
    assert units["a65undaelter"].iloc[0] == 210.0 and np.isnan(units["a65undaelter"].iloc[1])
    assert units.crs == "EPSG:25832" and len(units) == 4


def test_an_empty_residents_field_is_refused_not_read_as_nobody(layer, tmp_path):
    """A row with no count is an error (a unit without a row has nobody); topic-qualified name."""
    table = register_csv(tmp_path, ["053580040001;;1\n"])
    with pytest.raises(InputError, match=r"register.csv, column 'EW gesamt': unit "
                                         r"'053580040001' has no number of residents"):
        read_unit_layer(layer, "BLOCK", {"Bevoelkerungszahl:Einwohner": "EW gesamt"},
                        table=table, table_key="Baublock")


def test_xlsx_table_with_title_rows_and_another_sheet_first(layer, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Impressum"
    book.active.append(["Stadt Düren, Amt für Statistik"])
    sheet = book.create_sheet("Baublöcke")
    sheet.append(["Einwohner nach Baublöcken"])
    sheet.append([])
    sheet.append(["Baublock", "EW gesamt", "65 und älter"])
    sheet.append(["053580040001", 1234, 210])
    sheet.append(["053580080002", 44, 9.0])
    path = tmp_path / "register.xlsx"
    book.save(path)
    units = read_unit_layer(layer, "BLOCK", COLUMNS, table=path, table_key="Baublock")
    assert units["Einwohner"].tolist() == [1234.0, 0.0, 0.0, 44.0]
    assert units["a65undaelter"].tolist()[::3] == [210.0, 9.0]


def test_municipality_from_a_field_or_the_overlay(layer, tmp_path):
    table = register_csv(tmp_path, ["053580040001;10;1\n", "053580080002;20;2\n"])
    units = read_unit_layer(layer, "BLOCK", COLUMNS, table=table, table_key="Baublock",
                            municipality="GEM")
    cells = unit_cells(units, gpd.GeoDataFrame())
    assert cells["cell_id"].tolist() == ["053580040001", "053580080002"]  # populated only
    assert cells["ags"].tolist() == ["05358004", "05358008"]
    assert cells["area_km2"].tolist() == pytest.approx([0.01, 0.01])
    west = gpd.GeoDataFrame({"ags": ["05358099"]}, crs="EPSG:25832",
                            geometry=[shapely.box(309_000, 5_629_000, 310_100, 5_631_000)])
    east = gpd.GeoDataFrame({"ags": ["05358098"]}, crs="EPSG:25832",
                            geometry=[shapely.box(310_100, 5_629_000, 311_000, 5_631_000)])
    plain = read_unit_layer(layer, "BLOCK", COLUMNS, table=table, table_key="Baublock")
    overlay = unit_cells(plain, gpd.pd.concat([west, east]))
    assert overlay["ags"].tolist() == ["05358099", "05358098"]
    # representative points in EPSG:3035, inside their blocks
    points = gpd.GeoSeries(shapely.points(overlay["x"], overlay["y"]), crs="EPSG:3035")
    assert points.to_crs("EPSG:25832").within(plain.geometry.iloc[[0, 3]].reset_index(
        drop=True)).all()


def test_errors_name_file_line_and_column(layer, tmp_path):
    with pytest.raises(InputError, match=r"register.csv, line 4, column 'EW gesamt': value "
                                         r"'zwölf' is not"):
        read_unit_layer(layer, "BLOCK", COLUMNS, table_key="Baublock",
                        table=register_csv(tmp_path, ["053580040001;10;1\n",
                                                      "053580040002;zwölf;1\n"]))
    with pytest.raises(InputError, match=r"unit '053580040001' appears more than once, on "
                                         r"lines 3, 4"):
        read_unit_table(register_csv(tmp_path, ["053580040001;10;1\n"] * 2), "Baublock",
                        ["EW gesamt"])
    with pytest.raises(InputError, match=r"no column 'Bewohner' in the header; headings found: "
                                         r"Baublock, EW gesamt, 65 und älter"):
        read_unit_table(register_csv(tmp_path), "Baublock", ["Bewohner"])
    with pytest.raises(InputError, match=r"column 'EW gesamt': no fields 'EW gesamt', "
                                         r"'65 und älter' in the layer; fields found: BLOCK, GEM"):
        read_unit_layer(layer, "BLOCK", COLUMNS)
    with pytest.raises(InputError, match="no header line holds the key heading 'Block-Nr'"):
        read_unit_table(register_csv(tmp_path), "Block-Nr", ["EW gesamt"])
    with pytest.raises(ValueError, match="must map 'Einwohner'"):
        read_unit_layer(layer, "BLOCK", {"Unter18": "EW gesamt"})
