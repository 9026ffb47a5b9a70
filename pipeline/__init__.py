"""sozialraum: social spaces from Zensus grid cells and municipal statistics (domain library).

The stages, each a sub-package that uses only the ones before it:

1. :mod:`pipeline.readers`: the files a county downloads, read and validated;
2. :mod:`pipeline.graph`: contiguity graphs of areal units (frozen CSR arrays);
3. :mod:`pipeline.indicators`: the catalog, cell indicators, the clustering matrix, profiles;
4. :mod:`pipeline.regionalization`: the engine and the cell graph of a county;
5. :mod:`pipeline.publish`: polygons, IDs, names, the GeoPackage, styles and the report;
6. :mod:`pipeline.operations`: counties, fingerprints, stable IDs, refreshes and the history;

on a few foundations every stage may use: :mod:`pipeline.errors`, :mod:`pipeline.crs`,
:mod:`pipeline.layout` (where outputs live) and :mod:`pipeline.files` (atomic writes,
hashes). Nothing here imports Dagster; the code location is the separate package ``assets``.

The names below are the short public API, loaded on first use so that ``import pipeline``
stays cheap::

    from pipeline import read_zensus, build_grid_contiguity, regionalize, report_regions
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module that defines it.
_EXPORTS = {
    # foundations
    "COUNTY_CRS": "pipeline.crs",
    "GRID_CRS": "pipeline.crs",
    "CatalogError": "pipeline.errors",
    "ConfigError": "pipeline.errors",
    "InfeasibleError": "pipeline.errors",
    "InputError": "pipeline.errors",
    "CountyLayout": "pipeline.layout",
    "REPO_ROOT": "pipeline.layout",
    # readers
    "assign_municipality": "pipeline.readers",
    "cell_polygons": "pipeline.readers",
    "join_topics": "pipeline.readers",
    "read_barriers": "pipeline.readers",
    "read_county": "pipeline.readers",
    "read_genesis_table": "pipeline.readers",
    "read_income": "pipeline.readers",
    "read_municipalities": "pipeline.readers",
    "read_sgb2": "pipeline.readers",
    "read_units": "pipeline.readers",
    "read_zensus": "pipeline.readers",
    # graph
    "Graph": "pipeline.graph",
    "bridge_components": "pipeline.graph",
    "build_grid_contiguity": "pipeline.graph",
    "build_polygon_contiguity": "pipeline.graph",
    "cut_edges_between": "pipeline.graph",
    "weight_barrier_edges": "pipeline.graph",
    # indicators
    "Catalog": "pipeline.indicators",
    "build_clustering_matrix": "pipeline.indicators",
    "build_profiles": "pipeline.indicators",
    "compute_cell_indicators": "pipeline.indicators",
    "county_catalog": "pipeline.indicators",
    "load_catalog": "pipeline.indicators",
    "merge_municipal": "pipeline.indicators",
    "parse_options": "pipeline.indicators",
    # regionalization
    "RegionParameters": "pipeline.regionalization",
    "Regionalization": "pipeline.regionalization",
    "build_cell_graph": "pipeline.regionalization",
    "check_feasible": "pipeline.regionalization",
    "draw_regions": "pipeline.regionalization",
    "partition_report": "pipeline.regionalization",
    "regionalize": "pipeline.regionalization",
    "report_regions": "pipeline.regionalization",
    # publish
    "STATUS_COLORS": "pipeline.publish",
    "build_publication": "pipeline.publish",
    "publish_geopackage": "pipeline.publish",
    "read_layer_styles": "pipeline.publish",
    "region_colors": "pipeline.publish",
    "region_polygons": "pipeline.publish",
    "social_space_polygons": "pipeline.publish",
    "tile_county": "pipeline.publish",
    "write_report": "pipeline.publish",
    # operations
    "County": "pipeline.operations",
    "CountyRegions": "pipeline.operations",
    "draw_county_regions": "pipeline.operations",
    "load_counties": "pipeline.operations",
    "load_published": "pipeline.operations",
    "read_profiles": "pipeline.operations",
    "read_runs": "pipeline.operations",
    "compare_scenarios": "pipeline.operations.scenarios",
    "draw_scenario": "pipeline.operations.scenarios",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Load a public name from its stage on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
