"""Publishing GeoPackages safely: all layers, styles and metadata, replaced atomically.

QGIS opens GeoPackages read-only and without locks, so a published file is never updated
in place: :func:`publish_geopackage` writes a temporary ``.gpkg`` beside the target, fills
every layer and the ``layer_styles`` table, reopens it to validate, and only then moves it
over the old file with :func:`os.replace` (readers keep the old inode on POSIX). If the
write or the validation fails, the previous file is left as it was.

A file someone edits is never replaced (:func:`editing`): in any journal mode an edit in
progress holds SQLite's write lock, which the publish tries to take, and between two saves
an editor holds the file open read-write, which :func:`pipeline.files.writers_of` sees.
``-wal``/``-shm`` files a reader left behind do not block; they are removed with the file
they belonged to.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from pipeline.files import atomic_path, writers_of

__all__ = ["LayerStyle", "PublishError", "editing", "publish_geopackage", "read_layer_styles"]

#: Timestamp GDAL writes into ``gpkg_contents``: fixed so equal inputs give equal files.
FIXED_GPKG_DATE = "2000-01-01T00:00:00Z"
#: GeoPackage version written (``user_version`` 10200): what GDAL 3.4 / QGIS 3.22 read.
GPKG_VERSION = "1.2"


class PublishError(RuntimeError):
    """A GeoPackage could not be published; the previous file is unchanged."""


@dataclass(frozen=True)
class LayerStyle:
    """A QGIS style (QML) stored in ``layer_styles`` and used as the layer's default."""

    name: str
    qml: str
    description: str = ""


def publish_geopackage(
    path: str | os.PathLike,
    layers: Mapping[str, pd.DataFrame],
    *,
    descriptions: Mapping[str, str] | None = None,
    styles: Mapping[str, LayerStyle] | None = None,
) -> Path:
    """Write layers (and default styles) to a GeoPackage and replace ``path`` atomically.

    Parameters
    ----------
    path : path-like
        The published file.
    layers : mapping of str to DataFrame or GeoDataFrame
        Layers in write order; a plain DataFrame becomes an attribute table.
    descriptions : mapping of str to str, optional
        Layer descriptions shown in QGIS.
    styles : mapping of str to LayerStyle, optional
        Default QML style per spatial layer (written to ``layer_styles``, where QGIS looks).

    Returns
    -------
    Path
        The published path.

    Raises
    ------
    PublishError
        When someone is editing the file (:func:`editing`), or writing or validation
        failed. The old file is untouched in every case.
    """
    path = Path(path)
    reason = editing(path)
    if reason is not None:
        raise PublishError(
            f"{path}: someone has the GeoPackage open for editing ({reason}); close it in "
            "QGIS (or publish under another name) and run again")
    if not layers:
        raise PublishError(f"{path}: no layers to write")
    descriptions = descriptions or {}
    try:
        with atomic_path(path, suffix=".tmp.gpkg") as tmp:
            with pyogrio_config(OGR_CURRENT_DATE=FIXED_GPKG_DATE):
                for name, frame in layers.items():
                    _write_layer(tmp, name, frame, descriptions.get(name))
            if styles:
                _write_styles(tmp, layers, styles)
            _validate(tmp, layers)
        _remove_leftovers(path)
    except PublishError:
        raise
    except Exception as err:
        raise PublishError(f"{path}: writing failed, previous file kept: {err}") from err
    return path


def editing(path: str | os.PathLike) -> str | None:
    """Why the GeoPackage at ``path`` is being edited, or None when it is free to replace.

    Someone edits when a process of this machine holds the file open for writing, or when
    SQLite's write lock cannot be taken (a transaction in progress, in rollback-journal or
    WAL mode, also from another machine on a share that honours locks). Taking the lock
    also lets SQLite recover what a crashed writer left.
    """
    path = Path(path)
    if not path.exists():
        return None
    pids = writers_of(path)
    if pids:
        return f"process {', '.join(map(str, pids))} has it open for writing"
    try:
        con = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
        finally:
            con.close()
    except sqlite3.OperationalError as err:
        if "locked" in str(err) or "busy" in str(err):
            return "SQLite's write lock is held"
        raise PublishError(f"{path}: cannot be opened as a GeoPackage: {err}") from err
    return None


def _remove_leftovers(path: Path) -> None:
    """Remove the ``-wal``/``-shm`` files of the file about to be replaced (readers' leftovers)."""
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


class pyogrio_config:  # noqa: N801 - used like a function
    """Set GDAL config options for the duration of a ``with`` block."""

    def __init__(self, **options: str) -> None:
        self.options = options

    def __enter__(self) -> None:
        self.previous = {k: pyogrio.get_gdal_config_option(k) for k in self.options}
        pyogrio.set_gdal_config_options(self.options)

    def __exit__(self, *exc: object) -> None:
        pyogrio.set_gdal_config_options(self.previous)


def _write_layer(path: Path, name: str, frame: pd.DataFrame, description: str | None) -> None:
    options: dict[str, str] = {"IDENTIFIER": name}
    if description:
        options["DESCRIPTION"] = description
    if isinstance(frame, gpd.GeoDataFrame):
        options["GEOMETRY_NAME"] = "geom"
        if frame.crs is None:
            raise PublishError(f"layer {name!r} has no CRS")
    # a layer may fix its geometry type (an empty lock layer planners draw polygons into)
    extra = {"geometry_type": frame.attrs["geometry_type"]} \
        if isinstance(frame, gpd.GeoDataFrame) and "geometry_type" in frame.attrs else {}
    # one geometry type per layer whatever the parts: a kept polygon keeps its bytes even
    # when no other space is multipart any more
    if isinstance(frame, gpd.GeoDataFrame) and not extra:
        extra = {"promote_to_multi": True}
    # GeoPackage 1.2 (GDAL >= 3.7 writes 1.4, which QGIS 3.22 on GDAL 3.4 refuses to open)
    append = path.exists()
    if not append:
        extra["dataset_options"] = {"VERSION": GPKG_VERSION}
    pyogrio.write_dataframe(
        frame, path, layer=name, driver="GPKG", append=append, layer_options=options,
        **extra,
    )


_STYLE_TABLE = """
CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    f_table_catalog TEXT(256),
    f_table_schema TEXT(256),
    f_table_name TEXT(256),
    f_geometry_column TEXT(256),
    styleName TEXT(30),
    styleQML TEXT,
    styleSLD TEXT,
    useAsDefault BOOLEAN,
    description TEXT,
    owner TEXT(30),
    ui TEXT(30),
    update_time DATETIME DEFAULT CURRENT_TIMESTAMP
)"""


def _write_styles(
    path: Path, layers: Mapping[str, pd.DataFrame], styles: Mapping[str, LayerStyle]
) -> None:
    """Create ``layer_styles`` the way QGIS writes it, one default style per layer."""
    unknown = sorted(set(styles) - set(layers))
    if unknown:
        raise PublishError(f"styles given for layers that are not written: {unknown}")
    con = sqlite3.connect(path)
    try:
        con.execute(_STYLE_TABLE)
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
            "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', "
            "'QGIS default styles', ?)",
            (FIXED_GPKG_DATE.replace("Z", ".000Z"),),
        )
        for layer, style in styles.items():
            con.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui, update_time) VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, '', '', ?)",
                (layer, style.name, style.qml, style.description, FIXED_GPKG_DATE),
            )
        con.commit()
    finally:
        con.close()


def read_layer_styles(path: str | os.PathLike) -> pd.DataFrame:
    """The ``layer_styles`` rows of a GeoPackage (empty frame when there are none)."""
    con = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        exists = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='layer_styles'"
        ).fetchone()
        if not exists:
            return pd.DataFrame()
        return pd.read_sql_query("SELECT * FROM layer_styles ORDER BY id", con)
    finally:
        con.close()


def _validate(path: Path, layers: Mapping[str, pd.DataFrame]) -> None:
    """Reopen the written file and compare layer names and row counts with what was given."""
    found = {str(name) for name, _ in pyogrio.list_layers(path)}
    missing = sorted(set(layers) - found)
    if missing:
        raise PublishError(f"layers missing after writing: {missing}")
    for name, frame in layers.items():
        count = pyogrio.read_info(path, layer=name)["features"]
        if count != len(frame):
            raise PublishError(f"layer {name!r} has {count} rows after writing, {len(frame)} given")
