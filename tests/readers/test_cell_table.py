"""Tests for :mod:`pipeline.readers.cell_table`: Zensus topics joined per populated cell.

Matrix: two topics joined (a cell the second topic does not list gets NaN, cells without
residents are left out, sorted by cell ID); the population file without ``Einwohner``
(renamed column) and a population file with only its header fail naming the file.
"""

import numpy as np
import pytest

from pipeline.errors import InputError
from pipeline.readers.cell_table import join_topics
from pipeline.readers.zensus import read_zensus

HEADER = "GITTER_ID_100m;x_mp_100m;y_mp_100m;{};werterlaeuternde_Zeichen\n"
ROWS = ("CRS3035RES100mN2689200E4337000;4337050;2689250;{};\n"
        "CRS3035RES100mN2689100E4337000;4337050;2689150;{};\n"
        "CRS3035RES100mN2689100E4337100;4337150;2689150;{};\n")


def _topic(tmp_path, name, column, values):
    path = tmp_path / f"Zensus2022_{name}_100m-Gitter.csv"
    rows = ROWS.format(*values) if values else ""
    path.write_text(HEADER.format(column) + rows, encoding="utf-8")
    return read_zensus(path)


def test_topics_are_joined_per_populated_cell(tmp_path):
    population = _topic(tmp_path, "Bevoelkerungszahl", "Einwohner", ["12", "–", "30"])
    age = _topic(tmp_path, "Durchschnittsalter", "Durchschnittsalter", ["41,5", "–", "–"])
    age = age.iloc[:1]  # the age file lists only the first cell
    table = join_topics({"Bevoelkerungszahl": population, "Durchschnittsalter": age})
    assert table["cell_id"].tolist() == ["CRS3035RES100mN2689100E4337100",
                                         "CRS3035RES100mN2689200E4337000"]
    assert table["Einwohner"].tolist() == [30.0, 12.0]
    assert np.isnan(table["Durchschnittsalter"].iloc[0])
    assert table["Durchschnittsalter"].iloc[1] == 41.5


def test_population_file_without_einwohner_names_the_file_and_the_columns(tmp_path):
    population = _topic(tmp_path, "Bevoelkerungszahl", "Bewohner", ["12", "3", "30"])
    with pytest.raises(InputError, match=r"Bevoelkerungszahl_100m-Gitter\.csv, column "
                       r"'Einwohner': no column 'Einwohner' .*value columns found: Bewohner"):
        join_topics({"Bevoelkerungszahl": population})


def test_population_file_with_only_its_header_says_so(tmp_path):
    population = _topic(tmp_path, "Bevoelkerungszahl", "Einwohner", None)
    with pytest.raises(InputError, match=r"Bevoelkerungszahl_100m-Gitter\.csv: no cell with "
                       r"residents in the area \(0 cells read there\): the file holds only "
                       r"its header"):
        join_topics({"Bevoelkerungszahl": population})
