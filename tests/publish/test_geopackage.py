"""Atomic GeoPackage publishing: layers, styles where QGIS looks, failure keeps the old file.

An editor in rollback-journal or WAL mode, writing or between two saves, blocks the publish;
what a killed reader leaves does not.
"""

import os
import signal
import sqlite3
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from pipeline.publish.geopackage import (
    LayerStyle,
    PublishError,
    publish_geopackage,
    read_layer_styles,
)
from tests.helpers import editor


def _layers(n=3):
    polys = gpd.GeoDataFrame(
        {"sr_id": [f"SR-{i}" for i in range(n)]},
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(n)],
        crs="EPSG:25832",
    )
    table = pd.DataFrame({"key": ["a", "b"], "value": [1.5, 2.5]})
    return {"sozialraeume": polys, "katalog": table}


def test_layers_and_styles_are_written(tmp_path):
    path = tmp_path / "out.gpkg"
    style = LayerStyle("default", "<qgis styleCategories=\"Symbology\"></qgis>", "d")
    publish_geopackage(
        path, _layers(), descriptions={"sozialraeume": "Sozialräume"}, styles={"sozialraeume": style}
    )
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) >= {"sozialraeume", "katalog", "layer_styles"}
    info = pyogrio.read_info(path, layer="sozialraeume")
    assert info["crs"] == "EPSG:25832" and info["features"] == 3
    assert info["geometry_name"] == "geom"
    assert info["layer_metadata"]["DESCRIPTION"] == "Sozialräume"
    styles = read_layer_styles(path)
    row = styles.iloc[0]
    assert row["f_table_schema"] == "" and row["f_table_name"] == "sozialraeume"
    assert row["f_geometry_column"] == "geom" and row["useAsDefault"] == 1
    assert not list(tmp_path.glob(".*tmp*"))


def test_same_input_gives_the_same_bytes(tmp_path):
    a, b = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    publish_geopackage(a, _layers())
    publish_geopackage(b, _layers())
    assert a.read_bytes() == b.read_bytes()


def test_failed_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "out.gpkg"
    publish_geopackage(path, _layers(3))
    before = path.read_bytes()
    bad = _layers(2)
    bad["sozialraeume"] = bad["sozialraeume"].set_crs(None, allow_override=True)
    with pytest.raises(PublishError, match="no CRS"):
        publish_geopackage(path, bad)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob(".*tmp*"))


@pytest.mark.parametrize("mode", ["rollback", "wal"])
@pytest.mark.parametrize("state", ["writing", "between-saves"])
def test_refuses_while_someone_edits(tmp_path, mode, state):
    """An editor in either journal mode, in a write or between two saves, blocks the publish."""
    path = tmp_path / "out.gpkg"
    publish_geopackage(path, _layers())
    with editor(path, mode, state, table="katalog"):
        if mode == "rollback" and state == "writing":
            assert (tmp_path / "out.gpkg-journal").exists()  # SQLite's default journal
        before = path.read_bytes()
        with pytest.raises(PublishError, match="open for editing"):
            publish_geopackage(path, _layers(1))
        assert path.read_bytes() == before
    publish_geopackage(path, _layers(1))  # the editor has saved and closed: publishing works
    assert pyogrio.read_info(path, layer="sozialraeume")["features"] == 1


def test_leftovers_of_a_reader_do_not_block(tmp_path):
    """A reader killed with the file in WAL mode leaves -wal and -shm: they do not block."""
    path = tmp_path / "out.gpkg"
    publish_geopackage(path, _layers())
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    reader = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time\n"
        f"con = sqlite3.connect('file:{path}?mode=ro', uri=True)\n"
        "con.execute('SELECT count(*) FROM katalog').fetchone()\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == "ready"
    os.kill(reader.pid, signal.SIGKILL)
    reader.wait(timeout=30)
    assert (tmp_path / "out.gpkg-wal").exists() and (tmp_path / "out.gpkg-shm").exists()
    publish_geopackage(path, _layers(1))
    assert pyogrio.read_info(path, layer="sozialraeume")["features"] == 1
    assert not (tmp_path / "out.gpkg-wal").exists() and not (tmp_path / "out.gpkg-shm").exists()
