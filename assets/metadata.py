"""Metadata helpers shared by the assets: row counts, column schemas and previews for the UI.

Column descriptions come from one home each: the indicator catalog for indicator columns
(its German label and unit, the same names as the report, with what the suffix adds:
raw value, numerator, z-value, rank) and :data:`pipeline.layout.COLUMN_DESCRIPTIONS` for
every other column.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from dagster import MetadataValue, TableColumn, TableSchema

from pipeline.indicators.catalog import Catalog, load_catalog
from pipeline.layout import COLUMN_DESCRIPTIONS, INDICATOR_COLUMN_SUFFIXES

#: Note on a plain indicator column of the cell table that is not stabilised.
_UNSTABILISED = "nicht stabilisiert (gleich dem Rohwert)"


def column_description(name: str, catalog: Catalog, *, plain: str | None = None) -> str:
    """The German description of a column, or "" for a column nobody described.

    ``<key>`` of a catalog indicator reads "<label> (<unit>)", ``<key>_<suffix>`` adds
    what the suffix holds ("Rohwert vor der Stabilisierung", "z-Wert ...", "Rang ...");
    ``plain`` is added to the plain ``<key>`` (e.g. "stabilisiert" in the cell table).

    Examples
    --------
    >>> column_description("eigentuemerquote_rank", load_catalog())
    'Eigentümerquote [Anteil (0-1)]; Rang (1 = höchster Wert)'
    >>> column_description("sr_id", load_catalog())
    'Stabile ID des Sozialraums (SR-<Kreisschlüssel>-<Nummer>)'
    """
    if name in COLUMN_DESCRIPTIONS:
        return COLUMN_DESCRIPTIONS[name]
    for suffix in sorted(INDICATOR_COLUMN_SUFFIXES, key=len, reverse=True):
        key = name[: len(name) - len(suffix)] if suffix else name
        if (not suffix or name.endswith(suffix)) and key in catalog:
            indicator = catalog[key]
            text = f"{indicator.label_de} [{indicator.unit}]"
            if suffix:
                text += f"; {INDICATOR_COLUMN_SUFFIXES[suffix]}"
            elif plain:
                text += f"; {plain}"
            return text
    return ""


def frame_metadata(frame: pd.DataFrame, catalog: Catalog | None = None, *,
                   plain: str | None = None) -> dict:
    """``dagster/row_count`` and ``dagster/column_schema`` of a (Geo)DataFrame.

    Every column carries its German description (:func:`column_description`; the default
    catalog unless the county's is given). ``plain`` qualifies the plain indicator
    columns; by default a ``<key>`` with ``<key>_raw`` beside it is marked stabilised (or
    not, as the catalog says).
    """
    catalog = load_catalog() if catalog is None else catalog
    names = {str(c) for c in frame.columns}

    def note(name: str) -> str | None:
        if plain is not None or name not in catalog or f"{name}_raw" not in names:
            return plain
        return INDICATOR_COLUMN_SUFFIXES[""] if catalog[name].stabilize else _UNSTABILISED

    columns = [TableColumn(name=str(name), type=str(dtype), description=column_description(
        str(name), catalog, plain=note(str(name))) or None)
        for name, dtype in frame.dtypes.items()]
    return {
        "dagster/row_count": len(frame),
        "dagster/column_schema": TableSchema(columns=columns),
    }


def table_preview(frame: pd.DataFrame, rows: int = 20) -> MetadataValue:
    """A small markdown preview of a table."""
    return MetadataValue.md(frame.head(rows).to_markdown(index=False, floatfmt=".3f"))


def markdown_descriptions(definitions: Sequence) -> list:
    """Asset definitions whose descriptions read right as the Dagster UI's markdown.

    The UI renders a description (the docstring by default) as markdown, where the
    docstrings' reST literals ````x```` show with literal backticks; they become ```x```.
    Other definitions (source assets, checks) pass unchanged.
    """
    from dagster import AssetsDefinition, map_asset_specs

    def plain(spec):
        text = spec.description
        return spec if not text else spec.replace_attributes(
            description=text.replace("``", "`"))

    return [map_asset_specs(plain, [d])[0] if isinstance(d, AssetsDefinition) else d
            for d in definitions]
