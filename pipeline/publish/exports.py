"""Exports for other tools: profiles as CSV for German Excel, polygons as GeoJSON.

- :func:`write_profiles_csv`: semicolon separated, decimal comma, UTF-8 with byte order
  mark, so a double click in German Excel opens it right.
- :func:`write_geojson`: the polygons in EPSG:4326 (RFC 7946) for web maps.

Both write a temporary file beside the target and replace it atomically.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from pipeline.crs import WEB_CRS
from pipeline.files import atomic_path

__all__ = ["write_geojson", "write_profiles_csv"]


def write_profiles_csv(frame: pd.DataFrame, path: str | os.PathLike,
                       float_format: str = "%.6g") -> Path:
    """Write a table as CSV for German Excel, atomically.

    Parameters
    ----------
    frame : DataFrame
        A geometry column, if any, is dropped.
    path : path-like
    float_format : str, default "%.6g"

    Returns
    -------
    Path
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a DataFrame, got {type(frame).__name__}")
    table = pd.DataFrame(frame.drop(columns=["geometry"], errors="ignore"))
    path = Path(path)
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep=";", decimal=",", index=False, encoding="utf-8-sig",
                     float_format=float_format, lineterminator="\r\n")
    return path


def write_geojson(frame: gpd.GeoDataFrame, path: str | os.PathLike,
                  precision: int = 6) -> Path:
    """Write polygons as GeoJSON in EPSG:4326, atomically.

    Parameters
    ----------
    frame : GeoDataFrame
        With a CRS.
    path : path-like
    precision : int, default 6
        Decimal places of the coordinates (6 = about 0.1 m).

    Returns
    -------
    Path
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(f"frame must be a GeoDataFrame, got {type(frame).__name__}")
    if frame.crs is None:
        raise ValueError("frame has no CRS")
    path = Path(path)
    with atomic_path(path) as tmp:
        pyogrio.write_dataframe(frame.to_crs(WEB_CRS), tmp, driver="GeoJSON",
                                layer_options={"COORDINATE_PRECISION": str(precision),
                                               "RFC7946": "YES", "WRITE_NAME": "NO"})
    return path
