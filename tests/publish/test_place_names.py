"""Names of the social spaces from a layer of places (:func:`place_names`).

Test matrix
-----------
- assignment of cells to places: the nearest point; the smallest polygon holding the cell
  centre before a nearer point; the nearest place of the cell's own municipality before a
  nearer one across the border; a municipality without places stands for itself; places
  outside the county are not used (none inside: an error); polygon units by their points;
- the name: the place holding most residents; ``"A / B"`` from a second place holding at
  least a third (parametrized around the threshold);
- unique names: the next place, the municipality of same-named places, the compass part,
  numbers innermost first;
- kept names: a kept ID keeps its published name, a new space is told apart from it;
- :func:`social_space_polygons` names after places with ``places=``, and without places
  (None or an empty layer) gives exactly the frame it gave before.
"""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from pipeline.crs import COUNTY_CRS, GRID_CRS
from pipeline.errors import InputError
from pipeline.publish.names import SECOND_PLACE_SHARE, place_names
from pipeline.publish.polygons import social_space_polygons

X0, Y0 = 4_100_000.0, 3_100_000.0  # EPSG:3035


def munis(*names: str, width: float = 2000.0) -> gpd.GeoDataFrame:
    """Municipalities side by side from X0 eastwards, each ``width`` wide and 2 km high."""
    return gpd.GeoDataFrame(
        {"ags": [str(i + 1) for i in range(len(names))], "name": list(names)},
        geometry=[shapely.box(X0 + i * width, Y0, X0 + (i + 1) * width, Y0 + 2000)
                  for i in range(len(names))],
        crs=GRID_CRS)


def cells_at(xy, pop=None, ags=None) -> pd.DataFrame:
    """Cells with lower-left corners ``xy`` (metres from X0, Y0)."""
    xy = np.asarray(xy, dtype=float)
    return pd.DataFrame({"x": X0 + xy[:, 0], "y": Y0 + xy[:, 1],
                         "Einwohner": np.ones(len(xy)) if pop is None else np.asarray(pop, float),
                         "ags": ["1"] * len(xy) if ags is None else ags})


def points(**named) -> gpd.GeoDataFrame:
    """Point places at (metres from X0, Y0), given in the county CRS as a reader gives them."""
    return gpd.GeoDataFrame({"name": list(named)},
                            geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in named.values()],
                            crs=GRID_CRS).to_crs(COUNTY_CRS)


def one_per_cell(cells, places, municipalities):
    """The place of every cell: each cell its own region."""
    return place_names(cells, np.arange(len(cells)), places, municipalities)["ort"].tolist()


# --------------------------------------------------------------------------- assignment


def test_names_after_the_place_holding_most_residents():
    xs, ys = np.meshgrid(np.arange(0, 2000, 100), np.arange(0, 1000, 100))
    cells = cells_at(np.column_stack([xs.ravel(), ys.ravel()]), pop=np.full(xs.size, 10.0))
    labels = (cells["x"].to_numpy() >= X0 + 800).astype(int)
    places = points(Oberdorf=(300, 500), Unterdorf=(1700, 500))
    names = place_names(cells, labels, places, munis("Aldenrath"))
    # region 1 holds two columns of cells nearer Oberdorf (centres at 850 and 950 m)
    assert names["name"].tolist() == ["Oberdorf", "Unterdorf"]
    assert names["orte"].tolist() == ["Oberdorf", "Unterdorf; Oberdorf"]
    assert names["anteil_ort"].tolist() == pytest.approx([1.0, 100 / 120])


def test_polygons_hold_their_cells_before_nearer_points():
    places = gpd.GeoDataFrame(
        {"name": ["Stadt", "Altstadt", "Bahnhof"]},
        geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
                  shapely.box(X0 + 200, Y0 + 200, X0 + 500, Y0 + 500),  # inside Stadt
                  shapely.Point(X0 + 950, Y0 + 1050)],
        crs=GRID_CRS).to_crs(COUNTY_CRS)
    cells = cells_at([(300, 300), (800, 900), (900, 1500), (1500, 100)])
    # Altstadt (smallest polygon), Stadt although Bahnhof is 100 m away, then the nearest
    # place outside every polygon: Bahnhof, and Stadt by its edge
    assert one_per_cell(cells, places, munis("Aldenrath")) == [
        "Altstadt", "Stadt", "Bahnhof", "Stadt"]


def test_nearest_place_of_the_own_municipality_first():
    municipalities = munis("Aldenrath", "Nideck", "Heimbrück")
    places = points(Westdorf=(100, 1000), Ostdorf=(2100, 1000))
    cells = cells_at([(1800, 1000), (2000, 1000), (4500, 1000)], ags=["1", "2", "3"])
    # the first cell lies 250 m from Ostdorf but in Aldenrath; Heimbrück has no place
    assert one_per_cell(cells, places, municipalities) == ["Westdorf", "Ostdorf", "Heimbrück"]


def test_places_outside_the_county_are_not_used():
    places = points(Drinnen=(1500, 1500), Draussen=(-300, 100))
    cells = cells_at([(0, 100)])
    assert one_per_cell(cells, places, munis("Aldenrath")) == ["Drinnen"]
    with pytest.raises(InputError, match="none of the 1 places lies in a municipality"):
        place_names(cells, np.zeros(1, int), points(Draussen=(-300, 100)), munis("Aldenrath"))


def test_polygon_units_are_placed_by_their_points():
    places = points(Nord=(500, 1500), Sued=(500, 100))
    units = cells_at([(500, 820), (500, 770)])  # representative points, not corners
    as_points = place_names(units, np.arange(2), places, munis("A"), point_units=True)
    as_cells = place_names(units, np.arange(2), places, munis("A"))  # centres 50 m further
    assert as_points["ort"].tolist() == ["Nord", "Sued"]
    assert as_cells["ort"].tolist() == ["Nord", "Nord"]


# --------------------------------------------------------------------------- the name


@pytest.mark.parametrize("share, expected", [
    (0.40, "Altstadt / Am Bahnhof"),
    (SECOND_PLACE_SHARE, "Altstadt / Am Bahnhof"),
    (0.32, "Altstadt"),
], ids=["two-fifths", "one-third", "below"])
def test_second_place_joins_the_name_from_a_third(share, expected):
    places = points(Altstadt=(100, 100), **{"Am Bahnhof": (1900, 100)})
    cells = cells_at([(100, 100), (1900, 100)], pop=[1 - share, share])
    names = place_names(cells, np.zeros(2, int), places, munis("Rurstadt"))
    assert names["name"].tolist() == [expected]


# --------------------------------------------------------------------------- unique names


def test_equal_names_told_apart_by_the_next_place():
    places = points(Altstadt=(500, 500), Kirchberg=(1900, 500))
    cells = cells_at([(400, 500), (500, 500), (600, 500), (1900, 500)], pop=[10, 10, 8, 2])
    names = place_names(cells, np.array([0, 0, 1, 1]), places, munis("Rurstadt"))
    assert names["name"].tolist() == ["Altstadt", "Altstadt / Kirchberg"]


def test_equal_names_told_apart_by_municipality_then_compass_then_number():
    municipalities = munis("Aldenrath", "Nideck")
    places = points(Kirchberg=(1000, 1000), **{"Kirchberg ": (3000, 1000)})
    places["name"] = places["name"].str.strip()  # one name in two municipalities
    cells = cells_at([(1000, 1000), (3000, 1000)], ags=["1", "2"])
    names = place_names(cells, np.arange(2), places, municipalities)
    assert names["name"].tolist() == ["Kirchberg (Aldenrath)", "Kirchberg (Nideck)"]
    # one place, four spaces: south holds most residents, two in the north-west and north
    places = points(Altstadt=(1000, 1000))
    cells = cells_at([(1000, 0), (1000, 1900), (900, 1900), (1900, 1000)], pop=[40, 1, 1, 5])
    names = place_names(cells, np.arange(4), places, munis("Rurstadt"))
    assert names["name"].tolist() == ["Altstadt (Mitte)", "Altstadt (Nord) 1", "Altstadt (Nord) 2",
                                      "Altstadt (Nordost)"]
    assert names["name"].is_unique


def test_kept_ids_keep_their_names_and_new_spaces_are_told_apart():
    places = points(Innenstadt=(1000, 1000))
    cells = cells_at([(0, 1000), (1900, 1000), (1000, 1900)], pop=[5, 5, 5])
    ids = np.array(["SR-1-001", "SR-1-002", "SR-1-007"], dtype=object)
    kept = {"SR-1-001": "Innenstadt", "SR-1-002": "Rurstadt-Nord", "SR-1-003": "Gone"}
    names = place_names(cells, np.arange(3), places, munis("Rurstadt"), sr_ids=ids,
                        kept_names=kept)
    # the kept municipal name stays, and so does the kept place name; the new space is told
    # apart from the kept one by its compass part: north-east of the centre of both
    assert names["name"].tolist() == ["Innenstadt", "Rurstadt-Nord", "Innenstadt (Nordost)"]
    with pytest.raises(ValueError, match="kept_names needs sr_ids"):
        place_names(cells, np.arange(3), places, munis("Rurstadt"), kept_names=kept)


def test_arguments_are_checked():
    cells = cells_at([(0, 0)])
    with pytest.raises(ValueError, match="at least one place"):
        place_names(cells, np.zeros(1, int), points()[:0], munis("A"))
    with pytest.raises(ValueError, match="second_share must be in"):
        place_names(cells, np.zeros(1, int), points(A=(0, 0)), munis("A"), second_share=0)
    with pytest.raises(ValueError, match="one region per cell"):
        place_names(cells, np.zeros(2, int), points(A=(0, 0)), munis("A"))


# --------------------------------------------------------------------------- polygons


def _lattice():
    """Populated cells in two blobs inside a disc of radius 2 km, two regions."""
    xs, ys, labels = [], [], []
    for i in range(-6, 6):
        for j in range(-3, 3):
            xs.append(X0 + i * 100)
            ys.append(Y0 + j * 100)
            labels.append(0 if i < 0 else 1)
    cells = pd.DataFrame({"x": xs, "y": ys, "Einwohner": np.arange(len(xs)) % 7 + 1.0,
                          "ags": np.where(np.array(labels) == 0, "05399004", "05399008")})
    county = gpd.GeoDataFrame(geometry=[shapely.Point(X0, Y0).buffer(2000, 64)], crs=GRID_CRS)
    municipalities = gpd.GeoDataFrame(
        {"ags": ["05399004", "05399008"], "name": ["Aldenrath", "Nideck"]},
        geometry=[shapely.box(X0 - 2000, Y0 - 2000, X0, Y0 + 2000),
                  shapely.box(X0, Y0 - 2000, X0 + 2000, Y0 + 2000)], crs=GRID_CRS)
    return cells, np.array(labels), county, municipalities


def test_social_space_polygons_named_after_places():
    cells, labels, county, municipalities = _lattice()
    ids = np.array(["SR-05399-004", "SR-05399-009"], dtype=object)
    places = points(Birkesdorf=(-300, 0), **{"Am Bahnhof": (300, 0)})
    frame, _ = social_space_polygons(cells, labels, county, municipalities, county_ags="05399",
                                     sr_ids=ids, places=places)
    assert frame["name"].tolist() == ["Birkesdorf", "Am Bahnhof"]
    assert frame["gemeinde"].tolist() == ["Aldenrath", "Nideck"]  # the municipal columns stay
    kept, _ = social_space_polygons(cells, labels, county, municipalities, county_ags="05399",
                                    sr_ids=ids, places=places,
                                    kept_names={"SR-05399-009": "Nideck-Ost"})
    assert kept["name"].tolist() == ["Birkesdorf", "Nideck-Ost"]


@pytest.mark.parametrize("places", [None, points()[:0]], ids=["none", "empty-layer"])
def test_social_space_polygons_without_places_unchanged(places):
    cells, labels, county, municipalities = _lattice()
    before, _ = social_space_polygons(cells, labels, county, municipalities, county_ags="05399")
    after, _ = social_space_polygons(cells, labels, county, municipalities, county_ags="05399",
                                     places=places)
    assert after["name"].tolist() == ["Aldenrath", "Nideck"]
    pd.testing.assert_frame_equal(after.to_wkb(), before.to_wkb())
