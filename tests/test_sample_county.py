"""Tests of the synthetic sample county generator (tools.sample_county).

The files are parsed with plain csv / zipfile / pyogrio here, independent of the readers.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from tools.sample_county import (
    COUNTY_KEY,
    NEIGHBOUR_KEY,
    ZENSUS_TOPICS,
    generate_sample_county,
    main,
)

pytestmark = pytest.mark.slow

DASH = "\u2013"
CITY_AGS = COUNTY_KEY + "052"  # Rurstadt, the county seat
EXCLAVE_AGS = COUNTY_KEY + "028"  # Langerfeld: a second GF=4 row, inside Indenich
EXCLAVE_HOST_AGS = COUNTY_KEY + "016"  # Indenich
LAKE_AGS = COUNTY_KEY + "008"  # Heimbrück: the reservoir as a GF=2 row
CP1252_TOPICS = {"Energietraeger"}  # all other Zensus topics are UTF-8 without BOM


# --------------------------------------------------------------------------- fixtures/helpers


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate_sample_county(tmp_path_factory.mktemp("sample"), seed=2022)


def read_member(zip_path: Path, member: str, encoding: str = "utf-8") -> str:
    with zipfile.ZipFile(zip_path) as zf:
        return zf.read(member).decode(encoding)


def read_grid(files: dict[str, Path], topic: str, res: str = "100m") -> list[dict[str, str]]:
    encoding = "cp1252" if topic == "Energietraeger" else "utf-8"
    text = read_member(files[f"zensus:{topic}"], f"Zensus2022_{topic}_{res}-Gitter.csv", encoding)
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def count(value: str) -> int:
    return 0 if value == DASH else int(value)


def decimal(value: str) -> float:
    return np.nan if value == DASH else float(value.replace(",", "."))


@pytest.fixture(scope="module")
def municipalities(sample: dict[str, Path]) -> dict[str, shapely.Geometry]:
    """Land (GF=4) of every municipality, dissolved by AGS, EPSG:25832."""
    gem = pyogrio.read_dataframe(sample["vg250"], layer="vg250_gem")
    land = gem[gem["GF"] == 4]
    return {ags: shapely.union_all(group.geometry.values) for ags, group in land.groupby("AGS")}


@pytest.fixture(scope="module")
def population(sample: dict[str, Path], municipalities) -> dict[str, np.ndarray]:
    """Published residents per 100 m cell with the municipality holding the cell centre."""
    rows = read_grid(sample, "Bevoelkerungszahl")
    x = np.array([float(r["x_mp_100m"]) for r in rows])
    y = np.array([float(r["y_mp_100m"]) for r in rows])
    tx, ty = Transformer.from_crs("EPSG:3035", "EPSG:25832", always_xy=True).transform(x, y)
    ags = np.full(len(rows), "", dtype=object)
    for key, geom in municipalities.items():
        ags[shapely.contains_xy(geom, tx, ty)] = key
    return {
        "id": np.array([r["GITTER_ID_100m"] for r in rows]),
        "raw": np.array([r["Einwohner"] for r in rows]),
        "residents": np.array([count(r["Einwohner"]) for r in rows]),
        "ags": ags,
        "x": tx,
        "y": ty,
    }


# --------------------------------------------------------------------------- totals


def test_returns_every_role(sample):
    expected = {f"zensus:{t}" for t in ZENSUS_TOPICS} | {
        "vg250", "income", "sgb2", "barriers", "places", "facilities", "readme"}
    assert set(sample) == expected
    assert all(p.is_file() and p.stat().st_size > 0 for p in sample.values())


def test_county_totals(population, municipalities):
    in_county = np.array([a.startswith(COUNTY_KEY) for a in population["ags"]])
    residents = population["residents"]
    assert 270_000 <= residents[in_county].sum() <= 280_000
    assert 20_000 <= in_county.sum() <= 35_000
    per_muni = {a: residents[population["ags"] == a].sum()
                for a in municipalities if a.startswith(COUNTY_KEY)}
    assert len(per_muni) == 15
    largest, second = sorted(per_muni.values(), reverse=True)[:2]
    assert 85_000 <= largest <= 95_000
    assert 30_000 <= second <= 36_000
    assert per_muni[CITY_AGS] == largest
    # the neighbouring county has cells too, so a county filter matters
    assert sum(a.startswith(NEIGHBOUR_KEY) for a in population["ags"]) > 500


def test_county_area_and_tiling(sample, municipalities):
    gem = pyogrio.read_dataframe(sample["vg250"], layer="vg250_gem")
    assert gem.geometry.is_valid.all()
    county = [g for a, g in municipalities.items() if a.startswith(COUNTY_KEY)]
    union = shapely.union_all(county)
    assert 900 <= union.area / 1e6 <= 980
    assert all(g.is_valid for g in county)
    # gap-free: land and water rows of the county together form one polygon without holes;
    # the land alone has exactly one hole, the reservoir
    rows = gem[gem["AGS"].str.startswith(COUNTY_KEY)].geometry.values
    whole = shapely.get_parts(shapely.union_all(rows))
    assert len(whole) == 1
    assert shapely.get_num_interior_rings(whole).tolist() == [0]
    land_parts = shapely.get_parts(union)
    assert shapely.get_num_interior_rings(land_parts).sum() == 1
    lake = gem[gem["GF"] == 2].geometry.iloc[0]
    assert whole[0].area == pytest.approx(union.area + lake.area, rel=1e-9)
    # non-overlapping: the parts' areas add up to the union's area
    assert sum(g.area for g in county) == pytest.approx(union.area, rel=1e-9)
    krs = pyogrio.read_dataframe(sample["vg250"], layer="vg250_krs")
    krs_land = shapely.union_all(krs[(krs["AGS"] == COUNTY_KEY) & (krs["GF"] == 4)].geometry.values)
    assert shapely.symmetric_difference(krs_land, union).area < 1.0  # m²


# --------------------------------------------------------------------------- VG250 and barriers


def test_vg250_layers_fields_and_quirks(sample):
    layers = {name for name, _ in pyogrio.list_layers(sample["vg250"])}
    assert layers == {"vg250_lan", "vg250_krs", "vg250_gem"}
    for layer in ("vg250_lan", "vg250_krs", "vg250_gem"):
        info = pyogrio.read_info(sample["vg250"], layer=layer)
        assert info["crs"] == "EPSG:25832"
        assert info["geometry_type"] == "MultiPolygon"
        assert {"AGS", "ARS", "GEN", "BEZ", "GF", "EWZ", "KFL"} <= set(info["fields"])
        assert "SYNTHETISCH" in info["layer_metadata"]["DESCRIPTION"]
    gem = pyogrio.read_dataframe(sample["vg250"], layer="vg250_gem")
    assert gem["AGS"].str.fullmatch(r"\d{8}").all()
    assert gem["ARS"].str.fullmatch(r"\d{12}").all()
    assert set(gem["BEZ"]) == {"Stadt", "Gemeinde"}
    assert set(gem["GF"]) == {2, 4}
    land = gem[gem["GF"] == 4]
    rows_per_ags = land.groupby("AGS").size()
    # Langerfeld has a main row and an exclave row, every other municipality one GF=4 row
    assert rows_per_ags[rows_per_ags != 1].to_dict() == {EXCLAVE_AGS: 2}
    # the only water row is the reservoir of Heimbrück
    assert gem.loc[gem["GF"] == 2, "AGS"].tolist() == [LAKE_AGS]
    assert gem[gem["AGS"].str.startswith(COUNTY_KEY)]["AGS"].nunique() == 15
    assert gem[gem["AGS"].str.startswith(NEIGHBOUR_KEY)]["AGS"].nunique() == 3
    # EWZ and KFL repeat on every row of a municipality
    assert (gem.groupby("AGS")[["EWZ", "KFL"]].nunique() == 1).all().all()
    # the exclave is the smaller row, separate from the main piece and enclosed by Indenich
    pieces = sorted(land.loc[land["AGS"] == EXCLAVE_AGS].geometry, key=lambda g: g.area)
    exclave, main_piece = pieces
    assert exclave.distance(main_piece) > 0
    host = shapely.get_parts(gem.loc[gem["AGS"] == EXCLAVE_HOST_AGS].geometry.iloc[0])
    assert len(host) == 1 and shapely.get_num_interior_rings(host[0]) == 1
    assert shapely.Polygon(host[0].exterior).contains(exclave)
    krs = pyogrio.read_dataframe(sample["vg250"], layer="vg250_krs")
    assert {COUNTY_KEY, NEIGHBOUR_KEY} <= set(krs["AGS"])
    assert krs["AGS"].str.fullmatch(r"\d{5}").all()
    assert krs.loc[krs["GF"] == 2, "AGS"].tolist() == [COUNTY_KEY]
    lan = pyogrio.read_dataframe(sample["vg250"], layer="vg250_lan")
    assert set(lan["AGS"]) == {"05"} and sorted(lan["GF"]) == [2, 4]
    assert lan["ARS"].str.fullmatch(r"\d{12}").all()


def test_barriers(sample, municipalities):
    info = pyogrio.read_info(sample["barriers"], layer="barrieren")
    assert info["crs"] == "EPSG:25832"
    assert "SYNTHETISCH" in info["layer_metadata"]["DESCRIPTION"]
    bar = pyogrio.read_dataframe(sample["barriers"], layer="barrieren")
    assert set(bar["typ"]) == {"hauptstrasse", "bahn", "fluss"}
    assert 2 <= (bar["typ"] == "hauptstrasse").sum() <= 4
    city = municipalities[CITY_AGS]
    assert bar[bar["name"] == "Rur"].geometry.iloc[0].intersects(city)
    assert bar[bar["typ"] == "bahn"].geometry.intersects(city).any()


def test_places(sample, municipalities):
    info = pyogrio.read_info(sample["places"], layer="ortsteile")
    assert info["crs"] == "EPSG:25832" and info["geometry_type"] == "Point"
    assert "SYNTHETISCH" in info["layer_metadata"]["DESCRIPTION"]
    places = pyogrio.read_dataframe(sample["places"], layer="ortsteile")
    assert list(places.columns) == ["AGS", "Gemeinde", "Ortsteil", "Art", "geometry"]
    assert places["Ortsteil"].is_unique and places["Ortsteil"].str.len().gt(2).all()
    assert set(places["Art"]) == {"Stadtteil", "Ortsteil", "Wohngebiet"}
    county = {ags for ags in municipalities if ags.startswith(COUNTY_KEY)}
    assert set(places["AGS"]) == county  # a few places in every municipality, none outside
    assert places.groupby("AGS").size().between(4, 20).all()
    for ags, point in zip(places["AGS"], places.geometry, strict=True):
        assert municipalities[ags].contains(point), ags
    main = places.loc[places["Art"] == "Ortsteil", "Ortsteil"]
    names = set(places["Gemeinde"])
    assert names - {"Rurstadt", "Jülfeld"} <= set(main)  # a main place after its municipality
    city = places.loc[places["AGS"] == CITY_AGS, "Ortsteil"]
    assert {"Innenstadt", "Am Bahnhof", "Birkesdorf", "Rurstadt-Nord"} <= set(city)


# --------------------------------------------------------------------------- Zensus format


def test_zip_members_headers_and_line_ends(sample):
    for topic, columns in ZENSUS_TOPICS.items():
        path = sample[f"zensus:{topic}"]
        assert path.name == f"Zensus2022_{topic}.zip"
        with zipfile.ZipFile(path) as zf:
            names = sorted(zf.namelist())
            assert b"SYNTHETI" in zf.comment
            raws = {n: zf.read(n) for n in names}
        assert names == [f"Zensus2022_{topic}_100m-Gitter.csv",
                         f"Zensus2022_{topic}_1km-Gitter.csv"]
        for name, raw in raws.items():
            res = "100m" if "_100m-" in name else "1km"
            header = ";".join([f"GITTER_ID_{res}", f"x_mp_{res}", f"y_mp_{res}", *columns,
                               "werterlaeuternde_Zeichen"])
            assert raw.startswith(header.encode("ascii") + b"\r\n")
            assert raw.count(b"\n") == raw.count(b"\r\n")  # CRLF throughout
            assert raw.endswith(b"\r\n")


def test_grid_ids_and_centres(sample):
    rows = read_grid(sample, "Bevoelkerungszahl")
    pattern = re.compile(r"CRS3035RES100mN(\d{7})E(\d{7})")
    for r in rows[:: max(1, len(rows) // 2000)]:
        n, e = map(int, pattern.fullmatch(r["GITTER_ID_100m"]).groups())
        assert n % 100 == 0 and e % 100 == 0
        assert int(r["x_mp_100m"]) == e + 50 and int(r["y_mp_100m"]) == n + 50
    ids = [r["GITTER_ID_100m"] for r in rows]
    assert len(set(ids)) == len(ids)
    # placed where Kreis Düren lies
    lon, lat = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True).transform(
        float(rows[len(rows) // 2]["x_mp_100m"]), float(rows[len(rows) // 2]["y_mp_100m"]))
    assert 6.2 < lon < 6.9 and 50.6 < lat < 51.0
    km = read_grid(sample, "Bevoelkerungszahl", "1km")
    kpat = re.compile(r"CRS3035RES1000mN(\d{7})E(\d{7})")
    n, e = map(int, kpat.fullmatch(km[0]["GITTER_ID_1km"]).groups())
    assert n % 1000 == 0 and int(km[0]["x_mp_1km"]) == e + 500
    assert sum(count(r["Einwohner"]) for r in km) == pytest.approx(
        sum(count(r["Einwohner"]) for r in rows), rel=0.02)


def test_encodings(sample):
    assert CP1252_TOPICS <= set(ZENSUS_TOPICS)
    for topic in ZENSUS_TOPICS:
        with zipfile.ZipFile(sample[f"zensus:{topic}"]) as zf:
            raws = {name: zf.read(name) for name in zf.namelist()}
        assert len(raws) == 2
        for name, raw in raws.items():
            assert not raw.startswith(b"\xef\xbb\xbf"), name
            if topic in CP1252_TOPICS:
                with pytest.raises(UnicodeDecodeError):
                    raw.decode("utf-8")
                assert DASH in raw.decode("cp1252"), name  # en dash = byte 0x96
                assert DASH.encode("utf-8") not in raw, name
            else:
                raw.decode("utf-8")  # raises if not UTF-8
    with zipfile.ZipFile(sample["zensus:Alter_in_5_Altersklassen"]) as zf:
        raw = zf.read("Zensus2022_Alter_in_5_Altersklassen_100m-Gitter.csv")
    assert DASH.encode("utf-8") in raw


# --------------------------------------------------------------------------- Zensus quirks


def test_absent_cells_and_no_zero_residents(population):
    assert DASH not in set(population["raw"])
    assert population["residents"].min() >= 1


def test_band_quirks(sample):
    rows = read_grid(sample, "Alter_in_5_Altersklassen")
    bands = ZENSUS_TOPICS["Alter_in_5_Altersklassen"][1:]
    total = np.array([count(r["Insgesamt_Bevoelkerung"]) for r in rows])
    values = np.array([[count(r[c]) for c in bands] for r in rows])
    raw = np.array([[r[c] for c in bands] for r in rows])
    assert (raw == DASH).any()  # en dash in counts
    published = values[values > 0]
    assert published.min() == 3  # smallest published band value
    assert (values.sum(axis=1) != total).mean() > 0.3  # bands and totals perturbed apart
    assert (values.max(axis=1) > total).sum() >= 1  # shares > 1 before clipping
    flags = {r["werterlaeuternde_Zeichen"] for r in rows}
    assert flags == {"", "KLAMMERN"}
    # the age totals agree with Einwohner (same cell key, as in the real files)
    pop = {r["GITTER_ID_100m"]: r["Einwohner"] for r in read_grid(sample, "Bevoelkerungszahl")}
    assert all(pop[r["GITTER_ID_100m"]] == r["Insgesamt_Bevoelkerung"] for r in rows)


def test_means_and_rates(sample, population):
    pop = dict(zip(population["id"], population["residents"], strict=True))
    ages = read_grid(sample, "Durchschnittsalter")
    assert any("," in r["Durchschnittsalter"] for r in ages)
    values = np.array([decimal(r["Durchschnittsalter"]) for r in ages])
    weights = np.array([pop[r["GITTER_ID_100m"]] for r in ages])
    ok = ~np.isnan(values)
    assert 40 <= np.average(values[ok], weights=weights[ok]) <= 48

    rent = read_grid(sample, "Durchschn_Nettokaltmiete")
    rent_values = np.array([decimal(r["durchschnMieteQM"]) for r in rent])
    assert np.isnan(rent_values).any()  # no rented dwellings -> en dash
    assert 4.0 <= np.nanmin(rent_values) and np.nanmax(rent_values) <= 13.0
    space = np.array([decimal(r["durchschnFlaechejeBew"])
                      for r in read_grid(sample, "Durchschn_Flaeche_je_Bewohner")])
    assert 35.0 <= np.nanmin(space) and np.nanmax(space) <= 60.0
    vacancy = np.array([decimal(r["Leerstandsquote"])
                        for r in read_grid(sample, "Leerstandsquote")])
    assert 1.0 <= np.nanmedian(vacancy[vacancy < 100]) <= 20.0
    hh = np.array([decimal(r["DurchschnHHGroesse"])
                   for r in read_grid(sample, "Durchschn_Haushaltsgroesse")])
    assert 1.8 <= np.nanmedian(hh) <= 2.6


def test_rent_higher_in_county_seat(sample, population):
    where = dict(zip(population["id"], population["ags"], strict=True))
    rows = read_grid(sample, "Durchschn_Nettokaltmiete")
    city = [decimal(r["durchschnMieteQM"]) for r in rows
            if where.get(r["GITTER_ID_100m"]) == CITY_AGS]
    rest = [decimal(r["durchschnMieteQM"]) for r in rows
            if where.get(r["GITTER_ID_100m"], "").startswith(COUNTY_KEY)
            and where[r["GITTER_ID_100m"]] != CITY_AGS]
    assert np.nanmean(city) > np.nanmean(rest) + 0.5


def test_housing_cell_sets_differ_from_population(sample, population):
    people = set(population["id"])
    housing = {r["GITTER_ID_100m"] for r in read_grid(sample, "Leerstandsquote")}
    empty = housing - people
    assert len(empty) > 50  # dwellings, no residents
    assert len(people - housing) > 0  # residents in homes, no dwellings
    vacant_only = [r for r in read_grid(sample, "Eigentuemerquote")
                   if r["GITTER_ID_100m"] in empty]
    assert vacant_only
    assert all(r["Eigentuemerquote"] == DASH for r in vacant_only)


# --------------------------------------------------------------------------- municipal tables


def test_income_table(sample):
    raw = sample["income"].read_bytes()
    text = raw.decode("latin-1")
    assert "Schlüssel".encode("latin-1") in raw
    lines = text.split("\r\n")
    header = ("Jahr;Schlüssel;Gebietsname;Lohn- und Einkommensteuerpflichtige;"
              "Gesamtbetrag der Einkünfte;Lohn- und Einkommensteuer")
    h = lines.index(header)
    assert lines[h + 1] == ";;;Anzahl;Tsd. EUR;Tsd. EUR"
    assert any("SYNTHETISCH" in line for line in lines[:h])
    data = [line.split(";") for line in lines[h + 2:] if re.match(r"\d{4};\d{5}", line)]
    assert len(data) == 16
    assert data[0][1] == COUNTY_KEY
    assert all(re.fullmatch(COUNTY_KEY + r"\d{3}", row[1]) for row in data[1:])
    cells = [v for row in data for v in row[3:]]
    assert "." in cells
    assert any(re.fullmatch(r"\(\d+\)", v) for v in cells)
    assert any(re.fullmatch(r"\d+p", v) for v in cells)
    footer = lines[h + 2 + len(data):]
    assert footer[0].startswith("__________")
    assert any("©" in line for line in footer)
    per_taxpayer = [int(r[4]) * 1000 / int(r[3]) for r in data[1:]
                    if r[3].isdigit() and r[4].isdigit()]
    assert 35_000 <= min(per_taxpayer) and max(per_taxpayer) <= 55_000
    assert max(per_taxpayer) - min(per_taxpayer) > 5_000


def test_sgb2_table(sample, population):
    raw = sample["sgb2"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    header = ("Gemeinde;Gemeindeschlüssel;Bedarfsgemeinschaften;Regelleistungsberechtigte;"
              "darunter: unter 15 Jahre;Erwerbsfähige Leistungsberechtigte;Arbeitslose")
    h = lines.index(header)
    assert 3 <= h <= 4
    assert "SYNTHETISCH" in lines[0]
    rows = [line.split(";") for line in lines[h + 1:] if line.count(";") == 6]
    assert len(rows) == 15
    assert any(v == "*" for row in rows for v in row)
    assert lines[-2] == "© Statistik der Bundesagentur für Arbeit" and lines[-1] == ""
    residents = {r[1]: population["residents"][population["ags"] == r[1]].sum() for r in rows}
    rate = {r[1]: int(r[3]) / (0.8 * residents[r[1]]) for r in rows}
    assert 0.10 <= rate[CITY_AGS] <= 0.18
    assert min(rate.values()) < 0.06
    assert rate[CITY_AGS] == max(rate.values())


def test_readme_says_synthetic(sample):
    text = sample["readme"].read_text(encoding="utf-8")
    assert "SYNTHETIC" in text
    assert "python -m tools.sample_county" in text and "--seed 2022" in text
    for path in sample.values():
        if path.name != "README.md":
            assert path.name in text


def test_readme_lists_zips_by_their_members_not_the_compressor(sample):
    """The README's sizes do not depend on the zlib build that packed the ZIPs."""
    text = sample["readme"].read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `([^`]+)` \| [^|]+ \| ([\d,]+) \|$", text, re.MULTILINE))
    zips = [p for p in sample.values() if p.suffix == ".zip"]
    assert zips
    for path in zips:
        with zipfile.ZipFile(path) as zf:
            members = sum(info.file_size for info in zf.infolist())
        assert int(listed[path.name].replace(",", "")) == members != path.stat().st_size


# --------------------------------------------------------------------------- structure


def _shares_by_block(sample, population, column):
    """Pooled share of an age class per (municipality, 1 km block) part inside the county."""
    where = dict(zip(population["id"], population["ags"], strict=True))
    parts: dict[tuple[str, str], list[int]] = {}
    for r in read_grid(sample, "Alter_in_5_Altersklassen"):
        ags = where[r["GITTER_ID_100m"]]
        if not ags.startswith(COUNTY_KEY):
            continue
        cid = r["GITTER_ID_100m"]
        block = cid[15:19] + cid[23:27]  # N and E in km
        acc = parts.setdefault((ags, block), [0, 0])
        acc[0] += count(r[column])
        acc[1] += count(r["Insgesamt_Bevoelkerung"])
    return parts


@pytest.mark.parametrize("column", ["Unter18", "a65undaelter"])
def test_profiles_vary_within_municipalities_and_across_borders(sample, population, column):
    """Would fail if the age structure were constant per municipality (plus noise)."""
    parts = _shares_by_block(sample, population, column)
    muni: dict[str, list[int]] = {}
    for (ags, _), (num, den) in parts.items():
        acc = muni.setdefault(ags, [0, 0])
        acc[0] += num
        acc[1] += den
    muni_share = {a: n / d for a, (n, d) in muni.items()}
    big = {k: (n / d, d) for k, (n, d) in parts.items() if d >= 100}
    dev = np.array([s - muni_share[k[0]] for k, (s, _) in big.items()])
    den = np.array([d for _, d in big.values()])
    within = np.average(dev**2, weights=den)
    noise = np.mean([muni_share[k[0]] * (1 - muni_share[k[0]]) / d for k, (_, d) in big.items()])
    shares = np.array(list(muni_share.values()))
    sizes = np.array([d for _, d in muni.values()])
    between = np.average((shares - np.average(shares, weights=sizes)) ** 2, weights=sizes)
    assert within > 3 * noise  # real spatial structure inside municipalities
    assert within > between  # neighbourhoods differ more than municipalities do
    # 1 km blocks cut by a municipal border: both halves deviate the same way from their
    # municipality's mean (the structure runs across the border)
    by_block: dict[str, list[float]] = {}
    for (ags, block), (s, _) in sorted(big.items()):
        by_block.setdefault(block, []).append(s - muni_share[ags])
    pairs = np.array([v for v in by_block.values() if len(v) == 2])
    assert len(pairs) >= 10
    assert np.corrcoef(pairs[:, 0], pairs[:, 1])[0, 1] > 0.2


def test_railway_separates_neighbourhoods_in_county_seat(sample, population):
    bar = pyogrio.read_dataframe(sample["barriers"], layer="barrieren")
    rail = bar[bar["name"].str.startswith("Bahnstrecke")].geometry.iloc[0]
    xy = shapely.get_coordinates(rail)
    xy = xy[np.argsort(xy[:, 0])]
    offset = population["y"] - np.interp(population["x"], xy[:, 0], xy[:, 1])
    near = (population["ags"] == CITY_AGS) & (np.abs(offset) < 1500)
    north = dict(zip(population["id"][near], offset[near] > 0, strict=True))
    pop = dict(zip(population["id"], population["residents"], strict=True))
    share = {True: [0.0, 0.0], False: [0.0, 0.0]}
    for r in read_grid(sample, "Anteil_Auslaender"):
        side = north.get(r["GITTER_ID_100m"])
        value = decimal(r["AnteilAuslaender"])
        if side is None or np.isnan(value):
            continue
        share[side][0] += value * pop[r["GITTER_ID_100m"]]
        share[side][1] += pop[r["GITTER_ID_100m"]]
    assert share[True][0] / share[True][1] > share[False][0] / share[False][1] + 5.0


# --------------------------------------------------------------------------- determinism


def test_deterministic(sample, tmp_path):
    again = generate_sample_county(tmp_path / "again", seed=2022)
    for role, path in sample.items():
        assert path.read_bytes() == again[role].read_bytes(), role
    other = generate_sample_county(tmp_path / "other", seed=7)
    assert other["zensus:Bevoelkerungszahl"].read_bytes() != \
        sample["zensus:Bevoelkerungszahl"].read_bytes()
    assert other["income"].read_bytes() != sample["income"].read_bytes()


def test_main_writes_to_given_directory(tmp_path, capsys):
    assert main([str(tmp_path / "cli"), "--seed", "3"]) == 0
    assert (tmp_path / "cli" / "Zensus2022_Bevoelkerungszahl.zip").is_file()
    assert "SYNTHETIC" in capsys.readouterr().out
