"""The coordinate reference systems of the pipeline: one home for every EPSG code.

- :data:`GRID_CRS`: the Zensus grid (ETRS89-LAEA, EPSG:3035); cell positions, the cell
  contiguity graph and every grid computation stay in it.
- :data:`COUNTY_CRS`: ETRS89 / UTM 32N (EPSG:25832), the CRS in which BKG ships VG250 and in
  which county GIS in NRW work; boundaries and barriers are read into it and every
  published layer is written in it.
- :data:`WEB_CRS`: WGS 84 (EPSG:4326), the only CRS GeoJSON allows (RFC 7946).
"""

from __future__ import annotations

__all__ = ["COUNTY_CRS", "GRID_CRS", "WEB_CRS"]

#: CRS of the Zensus grid IDs and cell positions (ETRS89-LAEA).
GRID_CRS = "EPSG:3035"
#: CRS of VG250, of the county GIS and of every published layer (ETRS89 / UTM 32N).
COUNTY_CRS = "EPSG:25832"
#: CRS of the GeoJSON export for web maps (WGS 84).
WEB_CRS = "EPSG:4326"
