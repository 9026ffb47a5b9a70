"""Tests for :mod:`pipeline.readers.vg250`.

Test matrix
-----------
- sources: GeoPackage, the ZIP around it (member in folders, read via /vsizip/), shapefiles
  in a folder, one shapefile path, shapefiles in a ZIP;
- content: GF=4 filter with a GF=2 water row, a municipality split into two GF=4 rows
  (dissolved, EWZ taken once), GF=9 fallback, a neighbouring county that must be left out,
  numeric AGS (zero-padded with a warning), no EWZ field (NA), another CRS (reprojected);
- errors: county key matching nothing (lists existing keys), key not 5 digits / not a str,
  neither AGS nor ARS (layer, field and the ``fields`` key named), no layer of the default
  name among several (layers listed, the ``layers`` key named), invalid bowtie
  polygon (feature and AGS named; ``repair=True`` fixes it), no CRS, a CRS that cannot be
  transformed.
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


def cell(i, j, size=2):
    """A size x size km square at grid position (i, j) near Düren in EPSG:25832."""
    return shapely.box(X0 + i * KM, Y0 + j * KM, X0 + (i + size) * KM, Y0 + (j + size) * KM)


def gem_frame():
    rows = [
        # AGS, GEN, BEZ, GF, EWZ, geometry
        ("05358004", "Aldenhoven", "Gemeinde", 4, 14000, cell(0, 0)),
        ("05358008", "Düren", "Stadt", 4, 93000, cell(2, 0)),
        ("05358008", "Düren", "Stadt", 4, 93000, cell(4, 0)),  # split land
        ("05358008", "Düren", "Stadt", 2, 0, cell(6, 0)),  # water
        ("05358012", "Heimbach", "Stadt", 4, 4400, cell(0, 2)),
        ("05370004", "Nachbarort", "Gemeinde", 4, 9000, cell(10, 0)),
    ]
    ags, gen, bez, gf, ewz, geometry = zip(*rows, strict=True)
    return gpd.GeoDataFrame(
        {
            "AGS": ags,
            "ARS": [a[:5] + "0000" + a[5:] for a in ags],
            "GEN": gen,
            "BEZ": bez,
            "GF": gf,
            "EWZ": ewz,
        },
        geometry=[shapely.MultiPolygon([g]) for g in geometry],
        crs="EPSG:25832",
    )


def krs_frame():
    return gpd.GeoDataFrame(
        {
            "AGS": ["05358", "05358", "05370"],
            "GEN": ["Düren", "Düren", "Heinsberg"],
            "BEZ": ["Kreis"] * 3,
            "GF": [4, 2, 4],
        },
        geometry=[
            shapely.MultiPolygon([shapely.box(X0, Y0, X0 + 6 * KM, Y0 + 4 * KM)]),
            shapely.MultiPolygon([cell(6, 0)]),
            shapely.MultiPolygon([cell(10, 0)]),
        ],
        crs="EPSG:25832",
    )


@pytest.fixture
def gpkg(tmp_path):
    path = tmp_path / "DE_VG250.gpkg"
    gem_frame().to_file(path, layer="vg250_gem")
    krs_frame().to_file(path, layer="vg250_krs")
    return path


def write_gpkg(tmp_path, gem, name="DE_VG250.gpkg", layer="vg250_gem"):
    path = tmp_path / name
    gem.to_file(path, layer=layer)
    return path


# --- sources ------------------------------------------------------------------------------


def check_duren(gem):
    assert gem.columns.tolist() == ["ags", "name", "bez", "ewz", "geometry"]
    assert gem["ags"].tolist() == ["05358004", "05358008", "05358012"]
    assert gem["name"].tolist() == ["Aldenhoven", "Düren", "Heimbach"]
    assert gem["bez"].tolist() == ["Gemeinde", "Stadt", "Stadt"]
    assert gem["ewz"].tolist() == [14000, 93000, 4400]
    assert gem.crs.to_epsg() == 25832
    assert (gem.geom_type == "MultiPolygon").all()
    # the split land is dissolved, the water row left out: 2 + 2 squares of 4 km2
    assert gem.area.round().tolist() == [4e6, 8e6, 4e6]


def test_geopackage(gpkg):
    gem = read_municipalities(gpkg, "05358")
    check_duren(gem)
    assert gem["ewz"].dtype == "Int64"


def test_county_from_geopackage(gpkg):
    county = read_county(gpkg, "05358")
    assert county.columns.tolist() == ["ags", "name", "geometry"]
    assert county["ags"].tolist() == ["05358"]
    assert county["name"].tolist() == ["Düren"]
    assert county.area.item() == pytest.approx(24e6)  # the GF=2 row is not land
    assert county.geom_type.item() == "MultiPolygon"


def test_zip_around_geopackage(tmp_path, gpkg):
    archive = tmp_path / "vg250_01-01.utm32s.gpkg.ebenen.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("vg250_01-01.utm32s.gpkg.ebenen/README.txt", "BKG")
        handle.write(gpkg, "vg250_01-01.utm32s.gpkg.ebenen/vg250_ebenen_0101/DE_VG250.gpkg")
    check_duren(read_municipalities(archive, "05358"))
    assert read_county(archive, "05370")["name"].item() == "Heinsberg"


@pytest.fixture
def shapefiles(tmp_path):
    folder = tmp_path / "vg250_ebenen_0101"
    folder.mkdir()
    gem_frame().to_file(folder / "VG250_GEM.shp", encoding="utf-8")
    krs_frame().to_file(folder / "VG250_KRS.shp", encoding="utf-8")
    return folder


def test_shapefile_folder_and_file(shapefiles):
    check_duren(read_municipalities(shapefiles, "05358"))
    check_duren(read_municipalities(shapefiles / "VG250_KRS.shp", "05358"))
    assert read_county(shapefiles / "VG250_GEM.shp", "05358")["ags"].item() == "05358"


def test_shapefiles_in_zip(tmp_path, shapefiles):
    archive = tmp_path / "vg250.shape.ebenen.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for part in sorted(shapefiles.iterdir()):
            handle.write(part, f"vg250.shape.ebenen/vg250_ebenen_0101/{part.name}")
    check_duren(read_municipalities(archive, "05358"))
    assert read_county(archive, "05358")["name"].item() == "Düren"


# --- content ------------------------------------------------------------------------------


def test_gf9_fallback(tmp_path):
    gem = gem_frame()
    gem = gem[gem["GF"] == 4].assign(GF=9)
    gem = read_municipalities(write_gpkg(tmp_path, gem), "05358")
    assert gem["ags"].tolist() == ["05358004", "05358008", "05358012"]


def test_numeric_ags_is_zero_padded_with_warning(tmp_path):
    gem = gem_frame().assign(AGS=lambda f: f["AGS"].astype(int))
    path = write_gpkg(tmp_path, gem)
    with pytest.warns(UserWarning, match=r"field AGS is numeric; keys were zero-padded to 8"):
        result = read_municipalities(path, "05358")
    assert result["ags"].tolist() == ["05358004", "05358008", "05358012"]


def test_without_ewz_gives_na(tmp_path):
    gem = gem_frame().drop(columns=["EWZ"])
    result = read_municipalities(write_gpkg(tmp_path, gem), "05358")
    assert result["ewz"].isna().all() and result["ewz"].dtype == "Int64"


def test_split_parts_with_their_own_ewz_are_summed(tmp_path):
    gem = gem_frame()
    gem.loc[2, "EWZ"] = 1000
    with pytest.warns(UserWarning, match="EWZ differs between the parts of AGS 05358008"):
        result = read_municipalities(write_gpkg(tmp_path, gem), "05358")
    assert result["ewz"].tolist() == [14000, 94000, 4400]


def test_other_crs_is_reprojected(tmp_path):
    gem = gem_frame().to_crs("EPSG:4326")
    result = read_municipalities(write_gpkg(tmp_path, gem), "05358")
    assert result.crs.to_epsg() == 25832
    np.testing.assert_allclose(result.area.to_numpy(), [4e6, 8e6, 4e6], rtol=1e-3)


# --- errors -------------------------------------------------------------------------------


def test_error_county_key_matches_nothing_lists_keys(gpkg):
    with pytest.raises(
        InputError,
        match=r"DE_VG250.gpkg \(layer 'vg250_gem'\), column 'AGS': "
        r"no feature with AGS starting with '05999'; county "
        r"keys in the layer: 05358, 05370 \(2 in all\)",
    ):
        read_municipalities(gpkg, "05999")
    with pytest.raises(
        InputError,
        match=r"DE_VG250\.gpkg \(layer 'vg250_krs'\), column 'AGS': no feature with AGS '05999'",
    ):
        read_county(gpkg, "05999")


@pytest.mark.parametrize(
    ("key", "error"),
    [
        pytest.param("5358", ValueError, id="four-digits"),
        pytest.param("05358004", ValueError, id="municipality-key"),
        pytest.param("0535x", ValueError, id="letter"),
        pytest.param(5358, TypeError, id="int"),
    ],
)
def test_error_key_not_5_digits(gpkg, key, error):
    with pytest.raises(error, match=r"ags must be .*5-digit county key such as '05358'"):
        read_municipalities(gpkg, key)


def test_error_missing_field_names_layer_and_field(tmp_path):
    # a layer without GF is now read whole (test_vg250_sources.py); without AGS and ARS the
    # county cannot be selected
    path = write_gpkg(tmp_path, gem_frame().drop(columns=["AGS", "ARS"]))
    with pytest.raises(
        InputError,
        match=r"DE_VG250\.gpkg \(layer 'vg250_gem'\), column 'AGS': missing field "
        r"'AGS' \(and 'ARS' to derive it from\); fields: GEN, BEZ, GF, EWZ; set fields: "
        r"\{ags: <field>\}",
    ):
        read_municipalities(path, "05358")


def test_error_missing_layer_lists_layers(tmp_path):
    # a file with a single layer is now read whatever the layer's name
    # (test_vg250_sources.py); with several layers the default name must be among them
    path = write_gpkg(tmp_path, gem_frame(), layer="gemeinden")
    krs_frame().to_file(path, layer="kreise")
    with pytest.raises(
        InputError,
        match=r"DE_VG250.gpkg: holds 2 layers and none is called 'vg250_gem'; layers: "
        r"gemeinden, kreise; set layers: \{municipalities: <layer>\}",
    ):
        read_municipalities(path, "05358")
    with pytest.raises(
        InputError, match=r"DE_VG250.gpkg: has no layer 'vg250_krs'; layers: gemeinden, kreise"
    ):
        read_county(path, "05358", layer="vg250_krs")


def test_error_missing_shapefile_in_folder(shapefiles):
    with pytest.raises(
        InputError, match=r"vg250_ebenen_0101: has no shapefile 'vg250_lan.shp'.*VG250_GEM.shp"
    ):
        read_municipalities(shapefiles, "05358", layer="vg250_lan")


def test_error_no_land_rows(tmp_path):
    gem = gem_frame().assign(GF=2)
    with pytest.raises(
        InputError,
        match=r"DE_VG250\.gpkg \(layer 'vg250_gem'\), column 'GF': no land features \(GF=4, or GF=9\) for "
        r"key '05358'; GF values found: 2",
    ):
        read_municipalities(write_gpkg(tmp_path, gem), "05358")


@pytest.fixture
def bowtie_gpkg(tmp_path):
    gem = gem_frame()
    bowtie = shapely.Polygon([(X0, Y0), (X0 + KM, Y0 + KM), (X0 + KM, Y0), (X0, Y0 + KM)])
    gem.loc[4, "geometry"] = shapely.MultiPolygon([bowtie])
    return write_gpkg(tmp_path, gem)


def test_error_invalid_bowtie_names_feature_and_ags(bowtie_gpkg):
    # GeoPackage FIDs start at 1: the fifth row is feature 5
    with pytest.raises(
        InputError,
        match=r"DE_VG250\.gpkg \(layer 'vg250_gem'\), feature 5: invalid geometry "
        r"\(AGS 05358012\): Self-intersection",
    ):
        read_municipalities(bowtie_gpkg, "05358")


def test_repair_fixes_bowtie(bowtie_gpkg):
    gem = read_municipalities(bowtie_gpkg, "05358", repair=True)
    assert gem.is_valid.all()
    assert gem.loc[gem["ags"] == "05358012"].area.item() == pytest.approx(0.5e6)
    assert (gem.geom_type == "MultiPolygon").all()


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_error_no_crs(tmp_path):
    path = write_gpkg(tmp_path, gem_frame().set_crs(None, allow_override=True))
    with pytest.raises(InputError, match=r"DE_VG250\.gpkg \(layer 'vg250_gem'\): declares no CRS"):
        read_municipalities(path, "05358")


def test_error_crs_that_cannot_be_transformed(shapefiles):
    for part in ("VG250_GEM.prj", "VG250_KRS.prj"):
        (shapefiles / part).write_text('LOCAL_CS["arbitrary",UNIT["metre",1]]')
    with pytest.raises(
        InputError, match=re.escape("VG250_GEM.shp (layer 'VG250_GEM'): cannot transform")
    ):
        read_municipalities(shapefiles, "05358")


def test_error_wrong_declared_crs_says_the_boundaries_leave_germany(tmp_path):
    """UTM coordinates declared as EPSG:3035 (a mix-up seen in re-published copies)."""
    gem = gem_frame().set_crs("EPSG:3035", allow_override=True)
    with pytest.raises(InputError, match=r"DE_VG250\.gpkg \(layer 'vg250_gem'\): the boundaries "
                       r"lie at .* outside Germany: is the declared CRS \(EPSG:3035\) the one"):
        read_municipalities(write_gpkg(tmp_path, gem), "05358")
