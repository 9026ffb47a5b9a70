"""Tests for Zensus 2011 grid files in :func:`pipeline.readers.zensus.read_zensus`.

Test matrix
-----------
- 100 m population file in wide format (short IDs, header spelled ``Gitter_ID_100m``, Latin-1):
  ``-1`` becomes missing, counted in ``attrs["marker_counts"]`` with its reason; ``edition``
  and ``citation`` say 2011; the same file inside its ZIP; ``area`` on short IDs;
- 1 km demography file: ``-1`` and ``-9`` in counts and rates become missing, the ``_D`` and
  ``_A`` columns are rates (decimal comma kept);
- errors: another negative value in a 2011 file (markers named), ``-1`` in a 2022 file
  (long IDs: not a marker), the long-format thematic file (Latin-1, refused naming its
  layout) as CSV and inside its ZIP.
"""

from __future__ import annotations

import re
import zipfile

import numpy as np
import pytest
import shapely

from pipeline.errors import InputError
from pipeline.readers.zensus import MARKERS_2011, read_zensus

POPULATION_2011 = (
    "Gitter_ID_100m;x_mp_100m;y_mp_100m;Einwohner\r\n"
    "100mN26840E43341;4334150;2684050;-1\r\n"
    "100mN26840E43342;4334250;2684050;7\r\n"
    "100mN26841E43341;4334150;2684150;-1\r\n"
    "100mN26841E43342;4334250;2684150;1.203\r\n"
)

DEMOGRAPHY_2011 = (
    "Gitter_ID_1km;x_mp_1km;y_mp_1km;Einwohner;Alter_D;unter18_A;Leerstandsquote\r\n"
    "1kmN2684E4334;4334500;2684500;1520;43,2;17,5;-9\r\n"
    "1kmN2684E4335;4335500;2684500;-1;-1;-1;3,1\r\n"
    "1kmN2685E4334;4334500;2685500;12;-9;-1;-9\r\n"
)

LONG_2011 = (
    "Gitter_ID_100m;Merkmal;Auspraegung_Code;Auspraegung_Text;Anzahl;Anzahl_q\r\n"
    "100mN26840E43341;INSGESAMT;0;Einheiten insgesamt;4;0\r\n"
    "100mN26840E43341;GESCHLECHT;1;Männlich;2;1\r\n"
)


def write(tmp_path, text, name="Zensus_Bevoelkerung_100m-Gitter.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("latin-1"))
    return path


def test_population_markers_become_missing_with_reason(tmp_path):
    cells = read_zensus(write(tmp_path, POPULATION_2011))
    assert cells["cell_id"].tolist() == [
        "CRS3035RES100mN2684000E4334100",
        "CRS3035RES100mN2684000E4334200",
        "CRS3035RES100mN2684100E4334100",
        "CRS3035RES100mN2684100E4334200",
    ]
    values = cells["Einwohner"].to_numpy()
    assert np.isnan(values[[0, 2]]).all()  # -1: secret, never a number
    assert values[[1, 3]].tolist() == [7.0, 1203.0]
    assert cells.attrs["edition"] == 2011
    assert cells.attrs["citation"].endswith("Zensus 2011, Gitterzellen")
    assert cells.attrs["marker_counts"] == {"Einwohner": {"-1": 2, "-9": 0}}
    assert cells.attrs["marker_reasons"]["-1"] == MARKERS_2011[-1]
    assert "secret" in cells.attrs["marker_reasons"]["-1"]
    assert "not meaningful" in cells.attrs["marker_reasons"]["-9"]
    assert cells.attrs["topic"] == "Bevoelkerung"


def test_population_2011_in_its_zip_and_cut_to_an_area(tmp_path):
    archive = tmp_path / "csv_Bevoelkerung_100m_Gitter.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("Zensus_Bevoelkerung_100m-Gitter.csv", POPULATION_2011.encode("latin-1"))
    # the two cells of row N2684000
    cells = read_zensus(archive, area=shapely.box(4334100, 2684000, 4334300, 2684100))
    assert cells["x"].tolist() == [4334100, 4334200]
    assert np.isnan(cells["Einwohner"].iloc[0]) and cells["Einwohner"].iloc[1] == 7.0
    assert cells.attrs["marker_counts"] == {"Einwohner": {"-1": 1, "-9": 0}}


def test_demography_1km_markers_in_counts_and_rates(tmp_path):
    path = write(tmp_path, DEMOGRAPHY_2011, "Zensus_Demographie_1km-Gitter.csv")
    cells = read_zensus(path, resolution="1km")
    assert cells["cell_id"].tolist() == [
        "CRS3035RES1000mN2684000E4334000",
        "CRS3035RES1000mN2684000E4335000",
        "CRS3035RES1000mN2685000E4334000",
    ]
    table = cells[["Einwohner", "Alter_D", "unter18_A", "Leerstandsquote"]].to_numpy()
    expected = np.array(
        [[1520, 43.2, 17.5, np.nan], [np.nan, np.nan, np.nan, 3.1], [12, np.nan, np.nan, np.nan]]
    )
    np.testing.assert_array_equal(np.isnan(table), np.isnan(expected))
    np.testing.assert_allclose(table[~np.isnan(table)], expected[~np.isnan(expected)])
    assert cells.attrs["marker_counts"] == {
        "Einwohner": {"-1": 1, "-9": 0},
        "Alter_D": {"-1": 1, "-9": 1},
        "unter18_A": {"-1": 2, "-9": 0},
        "Leerstandsquote": {"-1": 0, "-9": 2},
    }


def test_error_other_negative_value_in_2011_file_names_the_markers(tmp_path):
    path = write(tmp_path, POPULATION_2011.replace(";7\r\n", ";-2\r\n"))
    with pytest.raises(
        InputError,
        match=rf"{re.escape(str(path))}, line 3, column 'Einwohner': value '-2' is not a "
        r"number of 0 or more .*the Zensus 2011 markers are -1, -9",
    ):
        read_zensus(path)


def test_error_marker_in_a_2022_file_is_not_a_marker(tmp_path):
    text = (
        "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n"
        "CRS3035RES100mN2689100E4337000;4337050;2689150;-1\n"
    )
    path = tmp_path / "Zensus2022_Bevoelkerungszahl_100m-Gitter.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2, column 'Einwohner': value '-1' is not a "
                       r"number of 0 or more \(Zensus values are never negative\)$"):
        read_zensus(path)


def test_error_long_format_thematic_file_is_refused_naming_the_layout(tmp_path):
    path = write(tmp_path, LONG_2011, "Bevoelkerung100M.csv")
    with pytest.raises(
        InputError,
        match=rf"{re.escape(str(path))}, line 1: this is a Zensus 2011 thematic file in long "
        r"format \(Gitter_ID_100m, Merkmal, Auspraegung_Code, Auspraegung_Text, Anzahl, "
        r"Anzahl_q: one line per cell and characteristic\), which is not supported; use a "
        r"file in wide format",
    ):
        read_zensus(path)


def test_error_zip_of_long_format_files_says_so(tmp_path):
    archive = tmp_path / "csv_Demographie_100m_Gitter.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("Bevoelkerung100M.csv", LONG_2011.encode("latin-1"))
    with pytest.raises(
        InputError,
        match=r"found 0; members: Bevoelkerung100M\.csv \(Bevoelkerung100M\.csv looks like a "
        r"Zensus 2011 thematic file in long format, which is not supported\)",
    ):
        read_zensus(archive)
