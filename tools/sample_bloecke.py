"""Write the block sample: statistical blocks (Baublöcke) of the sample county's settlements.

``python -m tools.sample_bloecke data/raw/sample data/raw/sample_bloecke`` reads the sample
county (its Zensus population and age files and VG250) and writes what a town's statistics
office would hand over instead of the grid:

- ``baubloecke.gpkg``, layer ``baubloecke``: the blocks of the towns and villages (field
  ``block_id``, 12 digits: the municipality's AGS and a 4-digit block number), EPSG:25832.
  Blocks are groups of about six 100 m cells around random seeds within a municipality, cut
  into connected pieces; the empty cells around each settlement form unpopulated blocks
  (parks, yards, commercial land), as in a real block layer.
- ``melderegister_baubloecke.csv``: a register extract keyed by block (``Baublock``), a
  title line above the header, ``;``-separated UTF-8: residents and residents by age group
  (5 classes and 5-year groups) and foreign residents, summed from the cells of each block.
  Unpopulated blocks have no row, as in a register extract.

Same inputs and seed, same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from pipeline.crs import COUNTY_CRS, GRID_CRS
from pipeline.graph import build_grid_contiguity, cut_edges_between
from pipeline.readers import (
    assign_municipality,
    join_topics,
    read_county,
    read_municipalities,
    read_zensus,
)

COUNTY_AGS = "05399"
CELLS_PER_BLOCK = 6
SEED = 12
LAYER = "baubloecke"
TOPICS = ("Bevoelkerungszahl", "Alter_in_5_Altersklassen", "Alter_5er-Jahresgruppen",
          "Anteil_Auslaender")
#: Register headings -> the Zensus column summed into them.
FIVE_CLASSES = {"unter 18": "Unter18", "18 bis 29": "a18bis29", "30 bis 49": "a30bis49",
                "50 bis 64": "a50bis64", "65 und älter": "a65undaelter"}
FIVE_YEARS = ["unter5", "a5bis9", "a10bis14", "a15bis19", "a20bis24", "a25bis29", "a30bis34",
              "a35bis39", "a40bis44", "a45bis49", "a50bis54", "a55bis59", "a60bis64",
              "a65bis69", "a70bis74", "a75bis79", "a80bis84", "a85bis89", "a90undaelter"]


def _five_year_heading(column: str) -> str:
    if column == "unter5":
        return "unter 5"
    if column.endswith("undaelter"):
        return f"{column[1:-9]} und älter"
    low, high = column[1:].split("bis")
    return f"{low} bis {high}"


def blocks(cells: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Block number of every cell: nearest seed within its municipality, connected pieces."""
    seed_of = np.full(len(cells), -1, dtype=np.int64)
    offset = 0
    for ags in sorted(cells["ags"].unique()):
        rows = np.flatnonzero(cells["ags"].to_numpy() == ags)
        n_seeds = max(1, len(rows) // CELLS_PER_BLOCK)
        seeds = rng.choice(rows, size=n_seeds, replace=False)
        xy = cells[["x", "y"]].to_numpy(np.float64)
        tree = cKDTree(xy[seeds])
        seed_of[rows] = offset + tree.query(xy[rows])[1]
        offset += n_seeds
    group = seed_of * 2 + cells["populated"].to_numpy(np.int64)
    graph = cut_edges_between(
        build_grid_contiguity(cells["x"].to_numpy(), cells["y"].to_numpy(), 100.0, "rook"),
        group)
    return connected_components(graph.sparse, directed=False)[1]


def build(sample: Path) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The block layer and the register extract of the sample county."""
    vg250 = sample / "DE_VG250.gpkg"
    county = read_county(vg250, COUNTY_AGS)
    municipalities = read_municipalities(vg250, COUNTY_AGS)
    area = county.to_crs(GRID_CRS).geometry.union_all()
    topics = {t: read_zensus(sample / f"Zensus2022_{t}.zip", area=area) for t in TOPICS}
    populated = join_topics(topics)
    populated["populated"] = 1
    # the empty cells next to a settlement (inside the county) become unpopulated blocks
    ix = np.rint(populated["x"].to_numpy() / 100).astype(np.int64)
    iy = np.rint(populated["y"].to_numpy() / 100).astype(np.int64)
    taken = set(zip(ix.tolist(), iy.tolist(), strict=True))
    ring = {(i + dx, j + dy) for i, j in taken for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))}
    empty = np.array(sorted(ring - taken), dtype=np.int64).reshape(-1, 2) * 100
    inside = shapely.contains_xy(area, empty[:, 0] + 50.0, empty[:, 1] + 50.0)
    empty = pd.DataFrame({"x": empty[inside, 0].astype(float), "y": empty[inside, 1].astype(float),
                          "populated": 0})
    cells = pd.concat([populated, empty], ignore_index=True)
    cells["ags"] = assign_municipality(cells["x"], cells["y"], municipalities)
    cells["block"] = blocks(cells, np.random.default_rng(SEED))
    squares = shapely.box(cells["x"], cells["y"], cells["x"] + 100.0, cells["y"] + 100.0)
    frame = gpd.GeoDataFrame({"block": cells["block"], "ags": cells["ags"]},
                             geometry=squares, crs=GRID_CRS)
    layer = frame.dissolve("block", aggfunc="first").reset_index()
    layer = layer.to_crs(COUNTY_CRS)
    layer["geometry"] = shapely.intersection(layer.geometry.to_numpy(),
                                             county.geometry.union_all())
    # number the blocks per municipality from north-west to south-east
    point = layer.geometry.representative_point()
    layer = layer.assign(_y=-point.y.round(-1), _x=point.x.round(-1))
    layer = layer.sort_values(["ags", "_y", "_x", "block"], kind="stable")
    layer["block_id"] = layer["ags"] + (layer.groupby("ags").cumcount() + 1).map("{:04d}".format)
    number = dict(zip(layer["block"], layer["block_id"], strict=True))
    layer = layer[["block_id", "geometry"]].reset_index(drop=True)
    cells["block_id"] = cells["block"].map(number)
    people = cells.loc[cells["populated"] == 1].copy()
    people["Auslaender"] = people["AnteilAuslaender"].fillna(0) / 100 * people["Einwohner"]
    sums = people.groupby("block_id")[["Einwohner", *FIVE_CLASSES.values(), *FIVE_YEARS,
                                       "Auslaender"]].sum()
    register = pd.DataFrame({"Baublock": sums.index})
    register["Einwohner insgesamt"] = sums["Einwohner"].round().astype(int).to_numpy()
    for heading, column in FIVE_CLASSES.items():
        register[heading] = sums[column].round().astype(int).to_numpy()
    for column in FIVE_YEARS:
        register[_five_year_heading(column)] = sums[column].round().astype(int).to_numpy()
    register["Ausländer"] = sums["Auslaender"].round().astype(int).to_numpy()
    return layer, register.sort_values("Baublock").reset_index(drop=True)


def write(layer: gpd.GeoDataFrame, register: pd.DataFrame, out: Path) -> None:
    """The layer as GeoPackage and the register extract as CSV, both byte-stable."""
    out.mkdir(parents=True, exist_ok=True)
    from tools.sample_county import _write_gpkg

    _write_gpkg(out / "baubloecke.gpkg", [(LAYER, layer, "Baublöcke (synthetisch) der "
                                           "Siedlungen des Kreises Rurtal")])
    text = io.StringIO()
    text.write("Melderegister-Auszug: Einwohner mit Hauptwohnsitz nach Baublöcken, "
               "Stichtag 31.12.2024\n")
    register.to_csv(text, sep=";", index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    (out / "melderegister_baubloecke.csv").write_text(text.getvalue(), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Generate the block sample from the sample county's folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sample", type=Path, help="folder of the generated sample county")
    parser.add_argument("out", type=Path, help="folder to write the block sample into")
    args = parser.parse_args(argv)
    layer, register = build(args.sample)
    write(layer, register, args.out)
    print(f"{len(layer)} blocks, {len(register)} with residents, "
          f"{int(register['Einwohner insgesamt'].sum())} residents -> {args.out}")


if __name__ == "__main__":
    main()
