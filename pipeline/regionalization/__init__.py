"""Regionalization: contiguous, population-bounded, homogeneous social spaces from a graph.

:func:`~pipeline.regionalization.solver.regionalize` is the engine (arrays and a
:class:`~pipeline.graph.Graph` in, labels out; its compiled kernels are the private
``_ward``, ``_split``, ``_mergesplit`` and ``_localsearch`` modules, orchestrated by
``_steps``); :mod:`~pipeline.regionalization.quality` measures a partition;
:mod:`~pipeline.regionalization.cell_regions` builds the graph of a county's grid cells from the
:class:`~pipeline.regionalization.parameters.RegionParameters` and runs the engine on them.
"""

from pipeline.regionalization.cell_regions import (
    CELL_SIZE,
    CellRegions,
    build_cell_graph,
    draw_regions,
    graph_from_table,
    graph_table,
    report_regions,
    unit_centres,
)
from pipeline.regionalization.parameters import (
    PARAMETER_TYPES,
    RegionParameters,
)
from pipeline.regionalization.quality import (
    PartitionReport,
    barrier_cuts,
    grid_compactness,
    partition_report,
    polygon_compactness,
    region_parts,
    regions_crossing,
    ssw_sst,
)
from pipeline.regionalization.solver import (
    Regionalization,
    check_feasible,
    regionalize,
)

__all__ = [
    "CELL_SIZE",
    "CellRegions",
    "PARAMETER_TYPES",
    "PartitionReport",
    "RegionParameters",
    "Regionalization",
    "barrier_cuts",
    "build_cell_graph",
    "check_feasible",
    "draw_regions",
    "graph_from_table",
    "graph_table",
    "grid_compactness",
    "partition_report",
    "polygon_compactness",
    "region_parts",
    "regionalize",
    "regions_crossing",
    "report_regions",
    "unit_centres",
    "ssw_sst",
]
