"""Tests for how :func:`pipeline.readers.zensus.read_zensus` parses values by column kind.

Test matrix
-----------
- count columns: dot and comma thousands separators (``2.345``, ``1,097``, ``1.234.567``,
  ``1,234,567``) are read as one number; plain integers and the en dash (0) unchanged;
- count columns, errors naming file, line and column: a fraction with a decimal comma
  (``12,5``, ``3,25``), with a decimal point (``1.2345``), and with both marks (``1.234,5``);
- mean and rate columns keep the decimal comma (``36,75``; ``1,097`` is 1.097 there), the
  en dash is missing;
- ``kinds`` turns a count column into a rate, so its fractions are accepted.
"""

from __future__ import annotations

import re
import zipfile

import numpy as np
import pytest

from pipeline.errors import InputError
from pipeline.readers.zensus import read_zensus

HEADER = "GITTER_ID_100m;x_mp_100m;y_mp_100m"
IDS = (
    "CRS3035RES100mN2689100E4337000;4337050;2689150",
    "CRS3035RES100mN2689100E4337100;4337150;2689150",
    "CRS3035RES100mN2689200E4337000;4337050;2689250",
    "CRS3035RES100mN2689200E4337100;4337150;2689250",
    "CRS3035RES100mN2689300E4337000;4337050;2689350",
)


def write(tmp_path, column, values, name="Zensus2022_Wohnungen_100m-Gitter.csv"):
    """One value column over the first ``len(values)`` cells; line 2 is the first cell."""
    lines = [f"{HEADER};{column}"] + [f"{i};{v}" for i, v in zip(IDS, values, strict=False)]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_count_thousands_separators_comma_and_dot(tmp_path):
    path = write(tmp_path, "Insgesamt_Wohnungen", ["1,097", "2.345", "1.234.567", "1,234,567", "–"])
    cells = read_zensus(path)
    assert cells["Insgesamt_Wohnungen"].tolist() == [1097.0, 2345.0, 1234567.0, 1234567.0, 0.0]
    assert cells.attrs["dash_counts"] == {"Insgesamt_Wohnungen": 1}


def test_count_plain_integers_unchanged(tmp_path):
    cells = read_zensus(write(tmp_path, "Einwohner", ["4", "17", "999", "1000", "0"]))
    assert cells["Einwohner"].tolist() == [4.0, 17.0, 999.0, 1000.0, 0.0]


@pytest.mark.parametrize(
    ("values", "line", "bad"),
    [
        pytest.param(["4", "12,5"], 3, "12,5", id="decimal-comma"),
        pytest.param(["4", "5", "6", "3,25"], 5, "3,25", id="two-decimals"),
        pytest.param(["1.2345"], 2, "1.2345", id="four-digit-group"),
        pytest.param(["7", "1.234,5"], 3, "1.234,5", id="thousands-and-decimal"),
    ],
)
def test_error_fraction_in_count_column_names_line_and_column(tmp_path, values, line, bad):
    path = write(tmp_path, "Einwohner", values)
    with pytest.raises(
        InputError,
        match=rf"{re.escape(str(path))}, line {line}, column 'Einwohner': value "
        rf"'{re.escape(bad)}' is not a whole number, but the column holds counts .*"
        r"kinds=\{'Einwohner': 'rate'\}",
    ):
        read_zensus(path)


def test_error_fraction_in_count_column_of_a_zip_names_the_member(tmp_path):
    csv = write(tmp_path, "Einwohner", ["4", "12,5"])
    archive = tmp_path / "Zensus2022_Bevoelkerungszahl.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.write(csv, "Zensus2022_Bevoelkerungszahl/Zensus2022_Bevoelkerungszahl_100m-Gitter.csv")
    with pytest.raises(
        InputError,
        match=r"Bevoelkerungszahl\.zip!Zensus2022_Bevoelkerungszahl/Zensus2022_Bevoelkerungszahl_"
        r"100m-Gitter\.csv, line 3, column 'Einwohner': value '12,5' is not a whole number",
    ):
        read_zensus(archive)


def test_mean_keeps_the_decimal_comma(tmp_path):
    path = write(tmp_path, "Durchschnittsalter", ["36,75", "1,097", "42", "–", "1.234,5"])
    values = read_zensus(path)["Durchschnittsalter"].to_numpy()
    np.testing.assert_allclose(values[[0, 1, 2, 4]], [36.75, 1.097, 42.0, 1234.5])
    assert np.isnan(values[3])


def test_rates_keep_decimals(tmp_path):
    cells = read_zensus(write(tmp_path, "Leerstandsquote", ["3,25", "12,5", "0"]))
    assert cells["Leerstandsquote"].tolist() == [3.25, 12.5, 0.0]


def test_kinds_makes_a_count_column_a_rate(tmp_path):
    path = write(tmp_path, "MeinIndex", ["12,5", "1,097"])
    with pytest.raises(InputError, match="is not a whole number"):
        read_zensus(path)
    cells = read_zensus(path, kinds={"MeinIndex": "rate"})
    assert cells["MeinIndex"].tolist() == [12.5, 1.097]
