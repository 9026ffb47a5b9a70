"""Readers: the files a county downloads, in their published formats, read and validated.

Each reader knows one format and nothing of what comes after: Zensus 2022 grid CSVs and
ZIPs (:mod:`~pipeline.readers.zensus`), VG250 boundaries (:mod:`~pipeline.readers.vg250`),
GENESIS / Regionalstatistik tables (:mod:`~pipeline.readers.genesis`), Bundesagentur tables
(:mod:`~pipeline.readers.bundesagentur`), barrier lines (:mod:`~pipeline.readers.barriers`),
named places (:mod:`~pipeline.readers.places`), facilities
(:mod:`~pipeline.readers.facilities`) and any polygon layer of small units
(:mod:`~pipeline.readers.units`), on shared helpers for tables (:mod:`~pipeline.readers.tables`)
and vector layers (:mod:`~pipeline.readers.vector`).
:mod:`~pipeline.readers.cell_table` joins the Zensus topics into the county's cell table. A file
that cannot be read raises :class:`~pipeline.errors.InputError` naming the file, the line or
feature and the column.
"""

from pipeline.readers.barriers import (
    KINDS,
    LINE_TYPES,
    no_barriers,
    read_barriers,
)
from pipeline.readers.bundesagentur import (
    DEFAULT_SGB2_COLUMNS,
    SGB2_SYNONYMS,
    SGB2_VALUES,
    read_sgb2,
)
from pipeline.readers.cell_table import (
    assign_municipality,
    join_topics,
)
from pipeline.readers.facilities import (
    FACILITY_KINDS,
    FACILITY_LABELS,
    no_facilities,
    read_facilities,
)
from pipeline.readers.genesis import (
    INCOME_COLUMNS,
    INCOME_SYNONYMS,
    read_genesis_table,
    read_income,
)
from pipeline.readers.locks import LOCK_COLUMNS, no_locks, read_locks
from pipeline.readers.places import (
    NAME_FIELDS,
    PLACE_TYPES,
    no_places,
    read_places,
)
from pipeline.readers.tables import (
    in_county,
)
from pipeline.readers.unit_table import (
    POPULATION,
    no_units,
    read_unit_layer,
    read_unit_table,
    unit_cells,
    unit_shapes,
)
from pipeline.readers.units import (
    POLYGON_TYPES,
    read_units,
)
from pipeline.readers.vg250 import (
    GERMANY_BOUNDS,
    LAND,
    LAND_FALLBACK,
    read_county,
    read_municipalities,
)
from pipeline.readers.zensus import (
    RATE_COLUMNS,
    RESOLUTIONS,
    SOURCE,
    VALUE_KINDS,
    cell_polygons,
    read_zensus,
    read_zensus_topics,
    zensus_topic,
)

__all__ = [
    "DEFAULT_SGB2_COLUMNS",
    "FACILITY_KINDS",
    "FACILITY_LABELS",
    "GERMANY_BOUNDS",
    "INCOME_COLUMNS",
    "INCOME_SYNONYMS",
    "KINDS",
    "LAND",
    "LAND_FALLBACK",
    "LINE_TYPES",
    "LOCK_COLUMNS",
    "NAME_FIELDS",
    "PLACE_TYPES",
    "POLYGON_TYPES",
    "POPULATION",
    "RATE_COLUMNS",
    "RESOLUTIONS",
    "SGB2_SYNONYMS",
    "SGB2_VALUES",
    "SOURCE",
    "VALUE_KINDS",
    "assign_municipality",
    "cell_polygons",
    "in_county",
    "join_topics",
    "no_barriers",
    "no_facilities",
    "no_locks",
    "no_places",
    "no_units",
    "read_barriers",
    "read_county",
    "read_facilities",
    "read_genesis_table",
    "read_income",
    "read_locks",
    "read_municipalities",
    "read_places",
    "read_sgb2",
    "read_unit_layer",
    "read_unit_table",
    "read_units",
    "read_zensus",
    "read_zensus_topics",
    "unit_cells",
    "unit_shapes",
    "zensus_topic",
]
