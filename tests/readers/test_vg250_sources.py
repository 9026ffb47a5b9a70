"""Tests for the VG250 sources and configurable names of :mod:`pipeline.readers.vg250`.

Test matrix
-----------
- BKG's ZIP archives read in place: the GeoPackage edition
  (``vg250_01-01.utm32s.gpkg.ebenen/vg250_ebenen_0101/DE_VG250.gpkg``) and the shapefile
  edition (``.../vg250_ebenen_0101/VG250_GEM.shp`` with ``.dbf``/``.shx``/``.prj``/``.cpg``
  beside ``VG250_KRS.shp`` and ``VG250_LAN.shp``); errors there name ``archive!member`` and
  the layer;
- re-published copies: a GeoJSON of counties and one of municipalities in EPSG:4326 with
  another layer name (the single layer is used, reprojected to EPSG:25832); a simplified
  shapefile with only ``ARS`` and ``GEN`` (AGS = ARS[:5] + ARS[9:12], county key ARS[:5]);
  one with only ``ARS`` (no GF: every part dissolved, names missing with a warning); a
  numeric ARS;
- ``fields=`` with renamed fields, ``layer=`` naming a layer of a GeoPackage (any case) and
  a shapefile in a ZIP;
- errors: a ZIP without a usable member (members named), a ZIP with two shapefiles and none
  of the default name, a configured field that is missing (the ``fields`` key named), a
  configured layer that is missing, bad ``fields`` arguments.

Areas are worked out by hand: every square is 2 km x 2 km = 4 km2.
"""

from __future__ import annotations

import re
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely

from pipeline.errors import InputError
from pipeline.readers.vg250 import read_county, read_municipalities

KM = 1000.0
X0, Y0 = 300_000.0, 5_600_000.0
GPKG_FOLDER = "vg250_01-01.utm32s.gpkg.ebenen/vg250_ebenen_0101"
SHAPE_FOLDER = "vg250_01-01.utm32s.shape.ebenen/vg250_ebenen_0101"


def square(i, j):
    """A 2 km x 2 km square at grid position (i, j) near Düren in EPSG:25832."""
    return shapely.MultiPolygon(
        [shapely.box(X0 + i * KM, Y0 + j * KM, X0 + (i + 2) * KM, Y0 + (j + 2) * KM)]
    )


def gem_frame():
    """Three municipalities of 05358 (Düren: two land rows and a water row) and one of 05370."""
    rows = [
        # AGS, ARS (Land+RB+Kreis, Verband, Gemeinde), GEN, BEZ, GF, EWZ, geometry
        ("05358004", "053580004004", "Aldenhoven", "Gemeinde", 4, 14000, square(0, 0)),
        ("05358008", "053580008008", "Düren", "Stadt", 4, 93000, square(2, 0)),
        ("05358008", "053580008008", "Düren", "Stadt", 4, 93000, square(4, 0)),
        ("05358008", "053580008008", "Düren", "Stadt", 2, 93000, square(6, 0)),
        ("05358012", "053585012012", "Heimbach", "Stadt", 4, 4400, square(0, 2)),
        ("05370004", "053700004004", "Nachbarort", "Gemeinde", 4, 9000, square(10, 0)),
    ]
    ags, ars, gen, bez, gf, ewz, geometry = zip(*rows, strict=True)
    return gpd.GeoDataFrame(
        {"AGS": ags, "ARS": ars, "GEN": gen, "BEZ": bez, "GF": gf, "EWZ": ewz},
        geometry=list(geometry),
        crs="EPSG:25832",
    )


def krs_frame():
    return gpd.GeoDataFrame(
        {
            "AGS": ["05358", "05358", "05370"],
            "ARS": ["053580000000", "053580000000", "053700000000"],
            "GEN": ["Düren", "Düren", "Heinsberg"],
            "BEZ": ["Kreis"] * 3,
            "GF": [4, 2, 4],
        },
        geometry=[
            shapely.MultiPolygon([shapely.box(X0, Y0, X0 + 6 * KM, Y0 + 4 * KM)]),
            square(6, 0),
            square(10, 0),
        ],
        crs="EPSG:25832",
    )


def lan_frame():
    return gpd.GeoDataFrame(
        {"AGS": ["05"], "GEN": ["Nordrhein-Westfalen"], "GF": [4]},
        geometry=[shapely.MultiPolygon([shapely.box(X0, Y0, X0 + 20 * KM, Y0 + 20 * KM)])],
        crs="EPSG:25832",
    )


def check_duren(gem):
    assert gem.columns.tolist() == ["ags", "name", "bez", "ewz", "geometry"]
    assert gem["ags"].tolist() == ["05358004", "05358008", "05358012"]
    assert gem["name"].tolist() == ["Aldenhoven", "Düren", "Heimbach"]
    assert gem["bez"].tolist() == ["Gemeinde", "Stadt", "Stadt"]
    assert gem["ewz"].tolist() == [14000, 93000, 4400]
    assert gem.crs.to_epsg() == 25832
    assert (gem.geom_type == "MultiPolygon").all()
    # Düren: two land squares, the water square left out
    np.testing.assert_allclose(gem.area.to_numpy(), [4e6, 8e6, 4e6], rtol=1e-6)


def zip_files(archive, files):
    """Write ``{member: path}`` into a new ZIP archive."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as handle:
        for member, path in files.items():
            handle.write(path, member)
    return archive


@pytest.fixture
def gpkg_zip(tmp_path):
    gpkg = tmp_path / "DE_VG250.gpkg"
    gem_frame().to_file(gpkg, layer="vg250_gem")
    krs_frame().to_file(gpkg, layer="vg250_krs")
    lan_frame().to_file(gpkg, layer="vg250_lan")
    archive = tmp_path / "vg250_01-01.utm32s.gpkg.ebenen.zip"
    readme = tmp_path / "README.txt"
    readme.write_text("BKG", encoding="utf-8")
    return zip_files(
        archive,
        {
            "vg250_01-01.utm32s.gpkg.ebenen/README.txt": readme,
            f"{GPKG_FOLDER}/DE_VG250.gpkg": gpkg,
        },
    )


def write_shapefiles(folder, frames):
    folder.mkdir(exist_ok=True)
    for name, frame in frames.items():
        frame.to_file(folder / f"{name}.shp", encoding="utf-8")
    return {p.name: p for p in sorted(folder.iterdir())}


@pytest.fixture
def shape_zip(tmp_path):
    parts = write_shapefiles(
        tmp_path / "shapes",
        {"VG250_GEM": gem_frame(), "VG250_KRS": krs_frame(), "VG250_LAN": lan_frame()},
    )
    assert {".shp", ".dbf", ".shx", ".prj", ".cpg"} <= {p.suffix for p in parts.values()}
    archive = tmp_path / "vg250_01-01.utm32s.shape.ebenen.zip"
    return zip_files(archive, {f"{SHAPE_FOLDER}/{name}": p for name, p in parts.items()})


# --- BKG archives -------------------------------------------------------------------------


def test_gpkg_edition_zip_nested(gpkg_zip):
    check_duren(read_municipalities(gpkg_zip, "05358"))
    county = read_county(gpkg_zip, "05358")
    assert county["ags"].tolist() == ["05358"] and county["name"].tolist() == ["Düren"]
    assert county.area.item() == pytest.approx(24e6)  # 6 km x 4 km, the GF=2 row left out


def test_shape_edition_zip_nested(shape_zip):
    check_duren(read_municipalities(shape_zip, "05358"))
    county = read_county(shape_zip, "05370")
    assert county["name"].item() == "Heinsberg"
    assert county.area.item() == pytest.approx(4e6)


def test_errors_in_a_zip_name_archive_member_and_layer(gpkg_zip, shape_zip):
    with pytest.raises(
        InputError,
        match=rf"{re.escape(str(gpkg_zip))}!{GPKG_FOLDER}/DE_VG250\.gpkg \(layer 'vg250_gem'\), "
        r"column 'AGS': no feature with AGS starting with '05999'; county keys in the layer: "
        r"05358, 05370",
    ):
        read_municipalities(gpkg_zip, "05999")
    with pytest.raises(
        InputError,
        match=rf"{re.escape(str(shape_zip))}!{SHAPE_FOLDER}/VG250_KRS\.shp \(layer 'VG250_KRS'\), "
        r"column 'AGS': no feature with AGS '05999'",
    ):
        read_county(shape_zip, "05999")


def test_explicit_layer_in_a_shapefile_zip(tmp_path):
    parts = write_shapefiles(tmp_path / "s", {"gem_simpl": gem_frame(), "krs_simpl": krs_frame()})
    archive = zip_files(tmp_path / "simplified.zip", {f"daten/{n}": p for n, p in parts.items()})
    check_duren(read_municipalities(archive, "05358", layer="gem_simpl"))
    assert read_county(archive, "05358", layer="KRS_SIMPL")["ags"].item() == "05358"


# --- re-published copies ------------------------------------------------------------------


def test_geojson_in_4326_single_layer_with_another_name(tmp_path):
    counties = tmp_path / "kreise.geojson"
    krs_frame().to_crs("EPSG:4326").to_file(counties, driver="GeoJSON")
    municipalities = tmp_path / "gemeinden.geojson"
    gem_frame().to_crs("EPSG:4326").to_file(municipalities, driver="GeoJSON")
    county = read_county(counties, "05358")
    assert county.crs.to_epsg() == 25832
    assert county["name"].item() == "Düren"
    assert county.area.item() == pytest.approx(24e6, rel=1e-3)
    gem = read_municipalities(municipalities, "05358")
    assert gem["ags"].tolist() == ["05358004", "05358008", "05358012"]
    np.testing.assert_allclose(gem.area.to_numpy(), [4e6, 8e6, 4e6], rtol=1e-3)


def test_simplified_shapefile_with_ars_and_gen(tmp_path):
    gem = gem_frame().drop(columns=["AGS", "BEZ", "EWZ"])
    path = tmp_path / "gemeinden_vereinfacht.shp"
    gem.to_file(path, encoding="utf-8")
    result = read_municipalities(path, "05358")
    # AGS = ARS[:5] + ARS[9:12]: 053585012012 -> 05358012
    assert result["ags"].tolist() == ["05358004", "05358008", "05358012"]
    assert result["name"].tolist() == ["Aldenhoven", "Düren", "Heimbach"]
    assert result["bez"].isna().all() and result["ewz"].isna().all()
    np.testing.assert_allclose(result.area.to_numpy(), [4e6, 8e6, 4e6])
    counties = tmp_path / "kreise_vereinfacht.shp"
    krs_frame().drop(columns=["AGS"]).to_file(counties, encoding="utf-8")
    county = read_county(counties, "05358")
    assert county["ags"].tolist() == ["05358"]  # ARS[:5]
    assert county.area.item() == pytest.approx(24e6)


def test_ars_only_without_gf_dissolves_every_part(tmp_path):
    path = tmp_path / "ars_only.shp"
    gem_frame()[["ARS", "geometry"]].to_file(path)
    with pytest.warns(UserWarning, match=r"no field GEN with the names; names are missing"):
        result = read_municipalities(path, "05358")
    assert result["ags"].tolist() == ["05358004", "05358008", "05358012"]
    assert result["name"].isna().all()
    # no GF: Düren's water square is part of it, 3 squares
    np.testing.assert_allclose(result.area.to_numpy(), [4e6, 12e6, 4e6])


def test_numeric_ars_is_zero_padded(tmp_path):
    gem = gem_frame().drop(columns=["AGS"]).assign(ARS=lambda f: f["ARS"].astype("int64"))
    path = tmp_path / "gem.gpkg"
    gem.to_file(path, layer="gemeinden")
    with pytest.warns(UserWarning, match=r"field ARS is numeric; keys were zero-padded to 12"):
        result = read_municipalities(path, "05358")
    assert result["ags"].tolist() == ["05358004", "05358008", "05358012"]


# --- configured names ---------------------------------------------------------------------

RENAMED = {
    "AGS": "gemeindeschluessel",
    "GEN": "gemeinde",
    "BEZ": "art",
    "GF": "geofaktor",
    "EWZ": "einwohner",
}
FIELD_MAP = {"ags": "gemeindeschluessel", "name": "gemeinde", "bez": "art",
             "gf": "geofaktor", "ewz": "einwohner"}


def test_renamed_fields_and_explicit_layer(tmp_path):
    path = tmp_path / "grenzen.gpkg"
    gem_frame().drop(columns=["ARS"]).rename(columns=RENAMED).to_file(path, layer="gemeinden")
    krs_frame().drop(columns=["ARS"]).rename(columns=RENAMED).to_file(path, layer="kreise")
    check_duren(read_municipalities(path, "05358", layer="gemeinden", fields=FIELD_MAP))
    # field names match in any case; only the fields that differ need naming
    county = read_county(
        path, "05358", layer="Kreise", fields={"ags": "GEMEINDESCHLUESSEL", "name": "gemeinde",
                                               "gf": "geofaktor"}
    )
    assert county["name"].item() == "Düren"
    assert county.area.item() == pytest.approx(24e6)


def test_explicit_ars_wins_over_ags(tmp_path):
    gem = gem_frame().assign(AGS="99999999")  # a broken AGS column next to a good ARS
    path = tmp_path / "gem.gpkg"
    gem.to_file(path, layer="vg250_gem")
    result = read_municipalities(path, "05358", fields={"ars": "ARS"})
    assert result["ags"].tolist() == ["05358004", "05358008", "05358012"]


# --- errors -------------------------------------------------------------------------------


def test_error_zip_without_usable_member_names_members(tmp_path):
    notes, table = tmp_path / "liesmich.txt", tmp_path / "vg250.xlsx"
    notes.write_text("BKG", encoding="utf-8")
    table.write_bytes(b"PK-not-really")
    archive = zip_files(
        tmp_path / "vg250.zip", {"vg250/liesmich.txt": notes, "vg250/vg250.xlsx": table}
    )
    with pytest.raises(
        InputError,
        match=rf"{re.escape(str(archive))}: has no shapefile 'vg250_gem\.shp' \(nor another "
        r"vector file named 'vg250_gem'\) and no GeoPackage; found: vg250/liesmich\.txt, "
        r"vg250/vg250\.xlsx",
    ):
        read_municipalities(archive, "05358")


def test_error_zip_with_other_shapefiles_lists_them(tmp_path):
    parts = write_shapefiles(tmp_path / "s", {"VG250_LAN": lan_frame(), "VG250_STA": lan_frame()})
    archive = zip_files(tmp_path / "vg250.zip", {f"{SHAPE_FOLDER}/{n}": p for n, p in parts.items()})
    with pytest.raises(
        InputError,
        match=r"vg250\.zip: has no shapefile 'vg250_gem\.shp' .*found: "
        rf"{SHAPE_FOLDER}/VG250_LAN\.shp, {SHAPE_FOLDER}/VG250_STA\.shp$",
    ):
        read_municipalities(archive, "05358")
    with pytest.raises(InputError, match=r"has no shapefile 'vg250_krs\.shp'"):
        read_county(archive, "05358", layer="vg250_krs")


def test_error_configured_field_missing_names_the_key(gpkg_zip):
    with pytest.raises(
        InputError,
        match=r"DE_VG250\.gpkg \(layer 'vg250_gem'\), column 'gemeinde': missing field "
        r"'gemeinde' \(configured as fields\.name\); fields: AGS, ARS, GEN, BEZ, GF, EWZ",
    ):
        read_municipalities(gpkg_zip, "05358", fields={"name": "gemeinde"})


def test_error_configured_layer_missing_names_the_key(gpkg_zip):
    with pytest.raises(
        InputError,
        match=r"DE_VG250\.gpkg: has no layer 'kreise'; layers: vg250_gem, vg250_krs, vg250_lan; "
        r"set layers: \{county: <layer>\}",
    ):
        read_county(gpkg_zip, "05358", layer="kreise")


@pytest.mark.parametrize(
    ("fields", "error", "match"),
    [
        pytest.param({"gemeinde": "GEN"}, ValueError, r"fields keys must be among", id="key"),
        pytest.param({"name": 3}, TypeError, r"fields must map to field names", id="value"),
        pytest.param(["AGS"], TypeError, r"fields must map", id="not-a-mapping"),
    ],
)
def test_bad_fields_argument(gpkg_zip, fields, error, match):
    with pytest.raises(error, match=match):
        read_municipalities(gpkg_zip, "05358", fields=fields)
