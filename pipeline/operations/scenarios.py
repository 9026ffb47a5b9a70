"""Scenarios: named parameter sets of a county drawn side by side as proposals, and compared.

A county may name alternatives under ``scenarios:`` in the county file (``klein:
{min_population: 2500}``, ``gross: {min_population: 4500, nested: true}``); each is the
county's parameters with its changes (:attr:`pipeline.operations.County.scenarios`).

**Drawn cold, never published.** :func:`draw_scenario` draws a scenario from the county's
cells and features alone: no warm start from the published social spaces, no reuse, no
matching to the published IDs, no locks or freezes. So a scenario depends on the inputs
and its parameters only; two scenarios differ by their parameters and nothing else (a fair
comparison), the same inputs give the same scenario whatever was published meanwhile, and
nothing of the county's publication (published state, history, stable IDs, issued
numbers) is read or written. Its social spaces carry IDs of their own, ``<name>-<nnn>``
(``gross-007``), which cannot be mistaken for the published ``SR-<ags>-<nnn>``.

**Written like a publication, beside it.** :func:`scenario_publication` assembles the
scenario's layers and styles with :func:`pipeline.publish.build_publication` (the tiling
is enforced), and :func:`write_scenario` writes the styled GeoPackage and the profiles CSV
into ``<county>/szenarien/<name>/`` through a release folder of the scenario's own
(:mod:`pipeline.publish.release`): both files always belong to the same run, and a run
that fails leaves the last ones whole.

**Compared.** :func:`compare_scenarios` gives one row per scenario: number of social
spaces, residents per space (min, median, max; per space, unweighted), R2 of the
clustering features (resident-weighted sums of squares, as the engine measures it),
compactness of the published polygons (isoperimetric quotient; mean over the spaces,
unweighted, and minimum), social spaces crossing a municipal border, and per other
scenario two agreement figures, both weighted by residents:

- ``ari_<other>``: the adjusted Rand index (Hubert & Arabie 1985) with every resident as
  one item (cells' residents rounded to whole persons;
  :func:`sklearn.metrics.adjusted_rand_score` on the labels repeated per resident). It asks
  of every pair of residents whether they share a social space in both scenarios or in
  neither; 1 for the same partition, about 0 for partitions no more alike than chance.
  Weighting by residents matters: otherwise empty fields count like town blocks.
- ``gleich_<other>``: the share of residents who keep "their" social space, the spaces of
  the two scenarios matched one to one by residents in common as the stable IDs are
  (:func:`pipeline.operations.match_regions`). A coarser scenario can keep at most its
  share of spaces: it reads as "how many residents would stay in the same space".

References
----------
Hubert, L., Arabie, P. (1985). Comparing partitions. Journal of Classification 2, 193-218.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.errors import InfeasibleError
from pipeline.files import atomic_path
from pipeline.graph import Graph
from pipeline.layout import LOCK_LAYER, CountyLayout
from pipeline.operations.refresh import CountyRegions, draw_county_regions
from pipeline.operations.stable_ids import match_regions
from pipeline.publish.exports import write_profiles_csv
from pipeline.publish.geopackage import LayerStyle, PublishError, editing, publish_geopackage
from pipeline.publish.publication import Publication, build_publication
from pipeline.publish.release import begin_release, switch_release, write_release_record
from pipeline.regionalization.parameters import RegionParameters
from pipeline.regionalization.quality import regions_crossing, ssw_sst

__all__ = [
    "COMPARISON_COLUMNS",
    "SCENARIO_SEPARATOR",
    "check_nesting",
    "compare_scenarios",
    "comparison_markdown",
    "describe_changes",
    "draw_scenario",
    "parameter_changes",
    "scenario_ids",
    "scenario_key",
    "scenario_keys",
    "scenario_publication",
    "split_scenario_key",
    "write_comparison",
    "write_scenario",
]

#: Joins county and scenario in a partition key: ``sample.klein`` (neither may hold a dot).
SCENARIO_SEPARATOR = "."
#: Columns of :func:`compare_scenarios` before the agreement columns, in order.
COMPARISON_COLUMNS = ("parameter", "sozialraeume", "einwohner_min", "einwohner_median",
                      "einwohner_max", "r2", "kompaktheit_mittel", "kompaktheit_min",
                      "ueber_gemeindegrenzen")
#: Row labels of :func:`comparison_markdown`.
_LABELS = {
    "parameter": "Parameter (abweichend vom Kreis)",
    "sozialraeume": "Sozialräume",
    "einwohner_min": "Einwohner je Sozialraum: min",
    "einwohner_median": "Einwohner je Sozialraum: Median",
    "einwohner_max": "Einwohner je Sozialraum: max",
    "r2": "R² der Indikatoren",
    "kompaktheit_mittel": "Kompaktheit: Mittel",
    "kompaktheit_min": "Kompaktheit: min",
    "ueber_gemeindegrenzen": "über Gemeindegrenzen",
}


def scenario_key(county: str, name: str) -> str:
    """The partition key of a county's scenario.

    Examples
    --------
    >>> scenario_key("sample", "klein")
    'sample.klein'
    """
    return f"{county}{SCENARIO_SEPARATOR}{name}"


def split_scenario_key(key: str) -> tuple[str, str | None]:
    """County and scenario of a partition key; ``None`` for a county's own key.

    Examples
    --------
    >>> split_scenario_key("sample.klein"), split_scenario_key("sample")
    (('sample', 'klein'), ('sample', None))
    """
    county, sep, name = key.partition(SCENARIO_SEPARATOR)
    return county, (name if sep else None)


def scenario_keys(counties: Mapping[str, Any]) -> dict[str, list[str]]:
    """The scenario keys of every county that defines scenarios, in file order.

    Parameters
    ----------
    counties : mapping of str to County
        :func:`pipeline.operations.load_counties`.

    Returns
    -------
    dict of str to list of str
        County key -> its scenarios' partition keys; counties without scenarios left out.
    """
    return {key: [scenario_key(key, name) for name in county.scenarios]
            for key, county in counties.items() if county.scenarios}


def scenario_ids(name: str, k: int) -> np.ndarray:
    """IDs of a scenario's social spaces, ``<name>-001`` upwards by label.

    Examples
    --------
    >>> scenario_ids("gross", 2).tolist()
    ['gross-001', 'gross-002']
    """
    return np.array([f"{name}-{i + 1:03d}" for i in range(k)], dtype=object)


def parameter_changes(params: RegionParameters, base: RegionParameters) -> dict[str, Any]:
    """The parameters of a scenario that differ from the county's, by name.

    Examples
    --------
    >>> parameter_changes(RegionParameters(min_population=5000), RegionParameters())
    {'min_population': 5000}
    """
    ours, theirs = dataclasses.asdict(params), dataclasses.asdict(base)
    return {k: v for k, v in ours.items() if theirs[k] != v}


def describe_changes(params: RegionParameters, base: RegionParameters) -> str:
    """The changes of :func:`parameter_changes` as text, ``wie Kreis`` when there are none.

    Examples
    --------
    >>> describe_changes(RegionParameters(min_population=4500, nested=True), RegionParameters())
    'min_population=4500, nested=true'
    """
    changes = parameter_changes(params, base)
    shown = {True: "true", False: "false", None: "null"}
    return ", ".join(f"{k}={shown.get(v, v) if isinstance(v, bool | None) else v}"
                     for k, v in changes.items()) or "wie Kreis"


def check_nesting(cells: pd.DataFrame, params: RegionParameters,
                  names: Mapping[str, str] | None = None) -> None:
    """Refuse a nested draw when a municipality has fewer residents than the floor.

    Nested social spaces do not cross municipal borders, so a municipality below
    ``min_population`` can never be one; say which one and what would work.

    Raises
    ------
    InfeasibleError
        Naming the municipalities (AGS and name), their residents and the floor.
    """
    if not params.nested:
        return
    residents = cells.groupby("ags")["Einwohner"].sum()
    small = residents[residents < params.min_population].sort_values()
    if small.empty:
        return
    names = names or {}
    listed = ", ".join(f"{ags}{' ' + names[ags] if ags in names else ''} ({value:,.0f})"
                       for ags, value in small.items())
    raise InfeasibleError(
        f"nested: {len(small)} municipality(ies) have fewer residents than min_population "
        f"{params.min_population:,}: {listed}; a nested social space cannot cross their "
        f"border: lower min_population to at most {small.iloc[0]:,.0f} or drop nested")


def draw_scenario(
    name: str,
    cells: pd.DataFrame,
    features: np.ndarray,
    params: RegionParameters,
    *,
    county_ags: str,
    barriers: gpd.GeoDataFrame | None = None,
    polygons: gpd.GeoSeries | None = None,
    municipality_names: Mapping[str, str] | None = None,
) -> tuple[CountyRegions, Graph]:
    """A scenario's social spaces, drawn cold, with the scenario's own IDs.

    Parameters
    ----------
    name : str
        The scenario (names its IDs, ``<name>-<nnn>``).
    cells : DataFrame
        Populated cells (``cell_id``, ``x``, ``y``, ``ags``, ``Einwohner``).
    features : ndarray, shape (n_cells, d)
        Clustering features, rows aligned with ``cells``.
    params : RegionParameters
        The scenario's parameters (:attr:`County.scenarios`).
    county_ags : str
    barriers : GeoDataFrame, optional
    polygons : GeoSeries, optional
        Polygon units in row order of ``cells`` instead of grid cells.
    municipality_names : mapping of str to str, optional
        Name per AGS, for the message of :func:`check_nesting`.

    Returns
    -------
    (CountyRegions, Graph)
        ``max_issued`` 0 and no published names: nothing is issued by a scenario.

    Raises
    ------
    InfeasibleError
        A nested scenario whose floor a municipality cannot reach (:func:`check_nesting`),
        or any constraint the engine cannot meet.
    """
    check_nesting(cells, params, municipality_names)
    regions, graph = draw_county_regions(
        cells, features, params, county_ags=county_ags, barriers=barriers, published=None,
        warm_start=False, polygons=polygons)
    ids = scenario_ids(name, regions.n_regions)
    scenario_cells = regions.cells.assign(sr_id=ids[regions.labels])
    return dataclasses.replace(regions, cells=scenario_cells, max_issued=0, kept_names={}), graph


def scenario_publication(
    name: str,
    regions: CountyRegions,
    *,
    county_name: str,
    county_ags: str,
    cells: pd.DataFrame,
    cell_indicators: pd.DataFrame,
    catalog,
    municipalities: gpd.GeoDataFrame,
    county: gpd.GeoDataFrame,
    barriers: gpd.GeoDataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
    places: gpd.GeoDataFrame | None = None,
    input_files: Mapping[str, Path] | None = None,
) -> Publication:
    """Layers, styles and metadata of a scenario, as :func:`build_publication` makes them.

    Polygons and names as for the county (:func:`social_space_polygons`, named after
    ``places`` when given; the tiling enforced), profiles from ``cell_indicators``; the
    layer descriptions and the ``metadaten`` table name the scenario (``szenario``) and
    call it a proposal. A scenario has no locks to draw and no change log: the layers
    ``fixierungen`` and ``aenderungen`` of a publication are left out.
    """
    from pipeline.indicators.profiles import build_profiles
    from pipeline.indicators.typology import add_types, build_typology
    from pipeline.publish.polygons import social_space_polygons

    labels = regions.labels_for(cells["cell_id"].to_numpy())
    polygons, _ = social_space_polygons(
        cells, labels, county, municipalities, county_ags=county_ags, sr_ids=regions.sr_ids(),
        units=units, places=places if places is not None and len(places) else None)
    profiles = build_profiles(
        cell_indicators, regions.labels_for(cell_indicators["cell_id"].to_numpy()), catalog)
    profiles.insert(0, "sr_id", regions.sr_ids()[profiles["region"].to_numpy()])
    profiles = add_types(profiles, build_typology(profiles, catalog))
    pub = build_publication(
        county_name=f"{county_name}, Szenario {name} (Vorschlag)", county_ags=county_ags,
        cells=cells, labels=labels, cell_indicators=cell_indicators, profiles=profiles,
        catalog=catalog, municipalities=municipalities, county=county, barriers=barriers,
        parameters=dataclasses.asdict(regions.parameters), quality=regions.quality,
        input_files=dict(input_files or {}), polygons=polygons, units=units)
    left_out = (LOCK_LAYER, "aenderungen")
    layers = {k: v for k, v in pub.layers.items() if k not in left_out}
    layers["metadaten"] = pd.concat([
        pd.DataFrame({"schluessel": ["szenario"], "wert": [name]}), pub.layers["metadaten"]],
        ignore_index=True)
    return dataclasses.replace(
        pub, layers=layers, metadata=pub.metadata | {"szenario": name},
        qml={k: v for k, v in pub.qml.items() if k not in left_out},
        descriptions={k: v for k, v in pub.descriptions.items() if k not in left_out})


def write_scenario(layout: CountyLayout, publication: Publication, *, run_id: str,
                   record: Mapping[str, Any], switched_at: str) -> dict[str, Path]:
    """Write a scenario's GeoPackage and profiles CSV into its folder, as one release.

    Parameters
    ----------
    layout : CountyLayout
        The scenario's layout (:meth:`CountyLayout.scenario`).
    publication : Publication
        :func:`scenario_publication`.
    run_id : str
        Names the release folder.
    record : mapping
        Written as the release's ``release.json`` (parameters, figures).
    switched_at : str
        When the release became current (ISO 8601), noted in its record.

    Returns
    -------
    dict of str to Path
        ``gpkg`` and ``csv``: the files in the scenario folder (links into the release).

    Raises
    ------
    PublishError
        When someone has the scenario's GeoPackage open for editing.
    """
    reason = editing(layout.geopackage)
    if reason is not None:
        raise PublishError(f"{layout.geopackage}: someone has the GeoPackage open for editing "
                           f"({reason}); close it in QGIS and run again")
    begin_release(layout, run_id)
    release = layout.release(run_id)
    styles = {name: LayerStyle(name, qml, "Standardstil")
              for name, qml in publication.qml.items()}
    written = {
        "gpkg": publish_geopackage(release.geopackage, publication.layers,
                                   descriptions=publication.descriptions, styles=styles),
        "csv": write_profiles_csv(publication.regions, release.profiles_csv),
    }
    write_release_record(release.folder, dict(record))
    switch_release(layout, run_id, [path.name for path in written.values()],
                   published_at=switched_at)
    return {kind: layout.folder / path.name for kind, path in written.items()}


def write_comparison(layout: CountyLayout, table: pd.DataFrame, png: bytes) -> dict[str, Path]:
    """Write the comparison as CSV for German Excel and its map, each file atomically.

    Parameters
    ----------
    layout : CountyLayout
        The county's layout: ``szenarien/vergleich.csv`` and ``szenarien/vergleich.png``.
    table : DataFrame
        :func:`compare_scenarios`.
    png : bytes
        The scenarios' maps side by side.

    Returns
    -------
    dict of str to Path
        ``csv`` and ``map``.
    """
    csv = write_profiles_csv(table.reset_index(), layout.comparison_csv)
    with atomic_path(layout.comparison_map) as tmp:
        tmp.write_bytes(png)
    return {"csv": csv, "map": layout.comparison_map}


def compare_scenarios(
    labels: Mapping[str, np.ndarray],
    population: np.ndarray,
    *,
    municipality: np.ndarray | None = None,
    features: np.ndarray | None = None,
    compactness: Mapping[str, np.ndarray] | None = None,
    parameters: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The figures of several partitions of the same cells, one row per scenario.

    Parameters
    ----------
    labels : mapping of str to ndarray of int
        Scenario -> social space (``>= 0``) of every cell, all in one cell order.
    population : ndarray, shape (n,)
        Residents per cell.
    municipality : ndarray, shape (n,), optional
        Municipality (AGS) per cell, for ``ueber_gemeindegrenzen`` (else missing).
    features : ndarray, shape (n, d), optional
        Clustering features per cell, for ``r2`` (else missing).
    compactness : mapping of str to array, optional
        Scenario -> compactness of each of its social spaces (the polygons' isoperimetric
        quotient), for ``kompaktheit_mittel`` and ``kompaktheit_min``.
    parameters : mapping of str to str, optional
        Scenario -> how its parameters differ from the county's, shown as ``parameter``.

    Returns
    -------
    DataFrame
        Index ``szenario`` in the order of ``labels``; columns :data:`COMPARISON_COLUMNS`,
        then ``ari_<other>`` and ``gleich_<other>`` per scenario (see the module).

    Examples
    --------
    >>> table = compare_scenarios({"a": np.array([0, 0, 1, 1]), "b": np.array([0, 0, 0, 1])},
    ...                           np.array([10, 10, 10, 10]))
    >>> table[["sozialraeume", "einwohner_max", "gleich_b"]].to_dict("index")
    {'a': {'sozialraeume': 2, 'einwohner_max': 20.0, 'gleich_b': 0.75}, \
'b': {'sozialraeume': 2, 'einwohner_max': 30.0, 'gleich_b': 1.0}}
    """
    population, arrays = _check_partitions(labels, population, municipality, features)
    names = list(arrays)
    rows = {}
    for name, lab in arrays.items():
        residents = np.bincount(lab, weights=population)[np.unique(lab)]
        quotient = np.asarray((compactness or {}).get(name, []), dtype=np.float64)
        quotient = quotient[np.isfinite(quotient)]
        row = {
            "parameter": (parameters or {}).get(name, ""),
            "sozialraeume": int(residents.size),
            "einwohner_min": float(residents.min()),
            "einwohner_median": float(np.median(residents)),
            "einwohner_max": float(residents.max()),
            "r2": _r2(features, population, lab),
            "kompaktheit_mittel": float(quotient.mean()) if quotient.size else np.nan,
            "kompaktheit_min": float(quotient.min()) if quotient.size else np.nan,
            "ueber_gemeindegrenzen": (regions_crossing(lab, municipality)
                                      if municipality is not None else pd.NA),
        }
        for other in names:
            row[f"ari_{other}"] = _resident_ari(lab, arrays[other], population)
            row[f"gleich_{other}"] = _same_share(lab, arrays[other], population)
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table["ueber_gemeindegrenzen"] = table["ueber_gemeindegrenzen"].astype("Int64")
    table.index.name = "szenario"
    return table


def comparison_markdown(table: pd.DataFrame) -> str:
    """:func:`compare_scenarios` as a markdown table, the scenarios side by side (columns)."""
    shown = table.T
    shown.index = [_LABELS.get(k) or _agreement_label(k) for k in shown.index]
    shown.index.name = "Kennzahl"
    cells = shown.map(_show)
    return cells.to_markdown()


def _agreement_label(column: str) -> str:
    kind, _, other = column.partition("_")
    return {"ari": f"ARI (Einwohner) mit {other}",
            "gleich": f"Anteil Einwohner im gleichen Sozialraum wie {other}"}.get(kind, column)


def _show(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if isinstance(value, float | np.floating):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"
    return str(value)


def _check_partitions(labels, population, municipality, features):
    if not isinstance(labels, Mapping) or not labels:
        raise TypeError("labels must map at least one scenario name to its labels")
    population = np.asarray(population, dtype=np.float64)
    n = population.shape[0] if population.ndim == 1 else -1
    if n < 1 or not np.all(np.isfinite(population)) or (population < 0).any():
        raise ValueError("population must be a non-empty 1-d array of residents >= 0, got "
                         f"shape {population.shape}")
    arrays = {}
    for name, lab in labels.items():
        lab = np.asarray(lab)
        if lab.shape != (n,) or not np.issubdtype(lab.dtype, np.integer) or (lab < 0).any():
            raise ValueError(f"labels of {name!r} must be {n} region numbers >= 0 (one per "
                             f"cell), got shape {lab.shape} and dtype {lab.dtype}")
        arrays[str(name)] = lab.astype(np.int64)
    if municipality is not None and np.shape(municipality) != (n,):
        raise ValueError(f"municipality must have shape ({n},), got {np.shape(municipality)}")
    if features is not None and np.shape(features)[0] != n:
        raise ValueError(f"features must have {n} rows, got shape {np.shape(features)}")
    return population, arrays


def _r2(features, population, labels) -> float:
    if features is None:
        return np.nan
    ssw, sst = ssw_sst(features, population, labels)
    return 1.0 - ssw / sst if sst > 0 else np.nan


def _resident_ari(a: np.ndarray, b: np.ndarray, population: np.ndarray) -> float:
    """Adjusted Rand index with every resident one item (sklearn on repeated labels)."""
    from sklearn.metrics import adjusted_rand_score

    persons = np.rint(population).astype(np.int64)
    return float(adjusted_rand_score(np.repeat(a, persons), np.repeat(b, persons)))


def _same_share(a: np.ndarray, b: np.ndarray, population: np.ndarray) -> float:
    """Share of residents in matched social spaces (one-to-one, by residents in common)."""
    total = population.sum()
    if total <= 0:
        return np.nan
    pairs = match_regions(a, b, population)
    partner = np.full(int(a.max()) + 1, -1, np.int64)
    partner[list(pairs)] = list(pairs.values())
    return float(population[partner[a] == b].sum() / total)
