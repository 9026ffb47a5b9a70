"""Contiguity graphs of areal units: the one array contract of indicators and regionalization.

A :class:`Graph` holds frozen, symmetric CSR arrays with a cost and a bridge flag per edge,
like libpysal's ``Graph``; builders compute graphs from grid positions or polygons and
transforms return new graphs (bridged, barrier-weighted, cut at municipal borders). The
shrinkage of cell indicators uses its k-rings, the regionalization engine partitions it.
"""

from pipeline.graph.base import (
    CONTIGUITY_KINDS,
    Graph,
)
from pipeline.graph.contiguity import (
    bridge_components,
    build_grid_contiguity,
    build_polygon_contiguity,
    cut_edges_between,
    weight_barrier_edges,
)

__all__ = [
    "CONTIGUITY_KINDS",
    "Graph",
    "bridge_components",
    "build_grid_contiguity",
    "build_polygon_contiguity",
    "cut_edges_between",
    "weight_barrier_edges",
]
