"""A county's indicator options: switch off, weigh, re-sign, add its own from a CSV.

Parsed once from ``options: indicators:`` in the county file into frozen objects
(:class:`IndicatorOptions`); :func:`county_catalog` applies them to the catalog and
:func:`attach_extras` joins the county's extra CSV columns to the cell or municipal table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import CatalogError
from pipeline.indicators.catalog import EXPRESSION_FIELDS, Catalog, Indicator, load_catalog
from pipeline.indicators.shrinkage import StabilizeParams
from pipeline.readers.tables import normalise, read_sheets
from pipeline.readers.unit_table import read_unit_table

__all__ = [
    "STANDARDIZE_METHODS",
    "ClusteringParams",
    "ExtraSource",
    "IndicatorOptions",
    "attach_extras",
    "county_catalog",
    "parse_options",
]

#: Standardisations of the clustering matrix.
STANDARDIZE_METHODS = ("zscore", "robust")
_EXTRA_OWN = ("path", "key", "id_column", "column", "columns", "indicator", "sep", "decimal",
              "encoding", "sheet")


@dataclass(frozen=True)
class ExtraSource:
    """A county's own indicator from a CSV keyed by cell or municipality.

    Attributes
    ----------
    path : Path
        The CSV (relative paths resolve against the county file's folder).
    key : {"cell", "municipality"}
        What a row is: a grid cell (``cell_id`` as ``CRS3035RES100mN...E...``) or a
        municipality (8-digit AGS).
    id_column : str
        Column holding the cell ID or AGS.
    columns : tuple of str
        Columns joined into the cell table (key cell) or the municipal table: the
        ``columns`` option, else ``column`` and every column the indicator's expressions
        name that the CSV holds.
    required : tuple of str
        Columns the CSV must hold (``columns`` and ``column`` when given).
    indicator : Indicator
        The indicator computed from them: any catalog fields may be given in the entry
        (``kind``, ``numerator``, ``label_de``, ``weight``, ``direction``, ...); a
        ``column`` alone becomes a mean weighted by residents. Defaults: theme
        ``social_structure``, source ``extra``, weight 0 (computed and profiled, but not
        clustered unless a weight is set), direction 0.
    sep, decimal, encoding : str
        CSV dialect (default ``;``, ``,``, ``utf-8-sig``).
    sheet : str, optional
        For an xlsx workbook: the worksheet (default the first that holds ``id_column``);
        numbers are read as the statistics offices write them (:mod:`pipeline.readers.tables`).
    """

    path: Path
    key: str
    id_column: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    indicator: Indicator
    sep: str = ";"
    decimal: str = ","
    encoding: str = "utf-8-sig"
    sheet: str | None = None


@dataclass(frozen=True)
class ClusteringParams:
    """How the clustering matrix is built.

    Attributes
    ----------
    standardize : {"zscore", "robust"}, default "zscore"
        Population-weighted mean and standard deviation, or weighted median and
        IQR / 1.349.
    whiten : bool or float, default False
        PCA whitening: True keeps all components, a float in (0, 1) the leading ones that
        explain that share of the variance.
    correlation_threshold : float, default 0.9
        Pairs of clustered indicators with ``|r|`` above it are reported.
    """

    standardize: str = "zscore"
    whiten: bool | float = False
    correlation_threshold: float = 0.9

    def __post_init__(self) -> None:
        if self.standardize not in STANDARDIZE_METHODS:
            raise CatalogError(f"standardize must be one of {STANDARDIZE_METHODS}, "
                               f"got {self.standardize!r}")
        if not isinstance(self.whiten, bool) and not (
                isinstance(self.whiten, float | int) and 0 < self.whiten < 1):
            raise CatalogError(f"whiten must be true, false or a share in (0, 1), "
                               f"got {self.whiten!r}")
        if not 0 < self.correlation_threshold <= 1:
            raise CatalogError(f"correlation_threshold must be in (0, 1], "
                               f"got {self.correlation_threshold!r}")


@dataclass(frozen=True)
class IndicatorOptions:
    """A county's indicator options, parsed from ``options: indicators:``."""

    disable: tuple[str, ...] = ()
    weights: Mapping[str, float] = field(default_factory=dict)
    directions: Mapping[str, int] = field(default_factory=dict)
    extra: tuple[ExtraSource, ...] = ()
    stabilize: StabilizeParams = field(default_factory=StabilizeParams)
    clustering: ClusteringParams = field(default_factory=ClusteringParams)
    impute_bands: bool = True
    rates_as_zero: bool = True


def parse_options(options: Mapping[str, Any] | None, base_dir: str | Path | None = None
                  ) -> IndicatorOptions:
    """Parse the ``indicators`` entry of a county's ``options``.

    Parameters
    ----------
    options : mapping or None
        ``County.options`` (the whole mapping; its ``indicators`` key is read).
    base_dir : str or Path, optional
        Folder that relative ``extra`` paths resolve against (the county file's folder).

    Returns
    -------
    IndicatorOptions

    Raises
    ------
    CatalogError
        Naming the option that is wrong.

    Examples
    --------
    >>> parse_options({"indicators": {"disable": ["anteil_80plus"]}}).disable
    ('anteil_80plus',)
    """
    raw = (options or {}).get("indicators") or {}
    if not isinstance(raw, Mapping):
        raise CatalogError(f"options.indicators must be a mapping, got {type(raw).__name__}")
    allowed = {"disable", "weights", "directions", "extra", "stabilize", "clustering", "dashes"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise CatalogError(f"options.indicators: unknown keys {unknown}; allowed {sorted(allowed)}")
    disable = raw.get("disable") or []
    if isinstance(disable, str) or not all(isinstance(k, str) for k in disable):
        raise CatalogError(f"options.indicators.disable must be a list of keys, got {disable!r}")
    for name in ("weights", "directions", "stabilize", "clustering", "dashes"):
        if not isinstance(raw.get(name) or {}, Mapping):
            raise CatalogError(f"options.indicators.{name} must be a mapping")
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    extra = raw.get("extra") or []
    if not isinstance(extra, list):
        raise CatalogError("options.indicators.extra must be a list of mappings")
    try:
        stabilize = StabilizeParams(**(raw.get("stabilize") or {}))
    except (TypeError, ValueError) as err:
        raise CatalogError(f"options.indicators.stabilize: {err}") from err
    try:
        clustering = ClusteringParams(**(raw.get("clustering") or {}))
    except TypeError as err:
        raise CatalogError(f"options.indicators.clustering: {err}") from err
    dashes = dict(raw.get("dashes") or {})
    bad = {k: v for k, v in dashes.items()
           if k not in ("impute_bands", "rates_as_zero") or not isinstance(v, bool)}
    if bad:
        raise CatalogError("options.indicators.dashes takes impute_bands and rates_as_zero "
                           f"(true or false), got {bad}")
    return IndicatorOptions(
        disable=tuple(disable),
        weights=dict(raw.get("weights") or {}),
        directions=dict(raw.get("directions") or {}),
        extra=tuple(_parse_extra(e, base, i) for i, e in enumerate(extra)),
        stabilize=stabilize,
        clustering=clustering,
        impute_bands=dashes.get("impute_bands", True),
        rates_as_zero=dashes.get("rates_as_zero", True),
    )


def _parse_extra(entry: Any, base: Path, i: int) -> ExtraSource:
    where = f"options.indicators.extra[{i}]"
    if not isinstance(entry, Mapping):
        raise CatalogError(f"{where} must be a mapping, got {entry!r}")
    for name in ("path", "key"):
        if not entry.get(name):
            raise CatalogError(f"{where} needs {name!r}")
    level_key = entry["key"]
    if level_key not in ("cell", "municipality"):
        raise CatalogError(f"{where}.key must be 'cell' or 'municipality', got {level_key!r}")
    municipal = level_key == "municipality"
    column = entry.get("column")
    name = str(entry.get("indicator") or (column or "").lower())
    if not name:
        raise CatalogError(f"{where} needs 'indicator' or 'column'")
    record = {k: v for k, v in entry.items() if k not in _EXTRA_OWN}
    record.setdefault("key", name)
    record.update(key=name)
    record.setdefault("label_de", name)
    record.setdefault("label_en", name)
    record.setdefault("theme", "social_structure")
    record.setdefault("source", "extra")
    record.setdefault("level", level_key)
    record.setdefault("unit", "-")
    if column and not any(record.get(f) for f in ("numerator", "value")):
        record.setdefault("kind", "mean")
        record["value"] = column
        record.setdefault("cell_base" if municipal else "base", "{Bevoelkerungszahl:Einwohner}")
    record.setdefault("kind", "share")
    indicator = Indicator.from_record(record, where)
    refs = {r.split(":")[-1] for f in EXPRESSION_FIELDS
            if getattr(indicator, f) is not None for r in getattr(indicator, f).refs}
    explicit = entry.get("columns") or []
    if isinstance(explicit, str) or not all(isinstance(c, str) for c in explicit):
        raise CatalogError(f"{where}.columns must be a list of column names, got {explicit!r}")
    required = tuple(dict.fromkeys([*explicit, *([column] if column else [])]))
    own = required if explicit else tuple(sorted(set(required) | refs))
    path = Path(str(entry["path"]))
    return ExtraSource(
        path=path if path.is_absolute() else (base / path).resolve(),
        key=level_key,
        id_column=str(entry.get("id_column") or ("ags" if municipal else "cell_id")),
        columns=own,
        required=required,
        indicator=indicator,
        sep=str(entry.get("sep", ";")),
        decimal=str(entry.get("decimal", ",")),
        encoding=str(entry.get("encoding", "utf-8-sig")),
        sheet=None if entry.get("sheet") is None else str(entry["sheet"]),
    )


def county_catalog(options: IndicatorOptions, catalog: Catalog | None = None) -> Catalog:
    """The catalog of a county: disabled indicators removed, extras added, weights set.

    Parameters
    ----------
    options : IndicatorOptions
    catalog : Catalog, optional
        Default :func:`load_catalog`.

    Returns
    -------
    Catalog
    """
    if not isinstance(options, IndicatorOptions):
        raise TypeError(f"options must be IndicatorOptions, got {type(options).__name__}")
    catalog = load_catalog() if catalog is None else catalog
    catalog = catalog.plus([e.indicator for e in options.extra])
    catalog = replace(catalog,
                      dash_bands=catalog.dash_bands if options.impute_bands else (),
                      dash_zero=catalog.dash_zero if options.rates_as_zero else ())
    return (catalog.without(options.disable)
            .with_values("weight", {k: v for k, v in options.weights.items()
                                    if k not in options.disable})
            .with_values("direction", {k: v for k, v in options.directions.items()
                                       if k not in options.disable}))


def attach_extras(options: IndicatorOptions, cells: pd.DataFrame,
                  municipal: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Join the columns of the county's extra CSVs to the cell or municipal table.

    Parameters
    ----------
    options : IndicatorOptions
    cells : DataFrame
        The joined cell table (``cell_id``).
    municipal : DataFrame, optional
        The municipal table (``ags``).

    Returns
    -------
    (DataFrame, DataFrame)
        New cell and municipal tables; rows the CSV does not list get NaN.
    """
    municipal = pd.DataFrame({"ags": pd.Series(dtype=str)}) if municipal is None else municipal
    for source in options.extra:
        table = _read_extra(source)
        if source.key == "cell":
            cells = _join_extra(cells, table, "cell_id", source)
        else:
            municipal = _join_extra(municipal, table, "ags", source)
    return cells, municipal


def _read_extra(source: ExtraSource) -> pd.DataFrame:
    if not source.path.is_file():
        raise FileNotFoundError(f"extra indicator file not found: {source.path}")
    if source.path.suffix.lower() in (".xlsx", ".xlsm"):
        frame = _read_extra_workbook(source)
    else:
        frame = pd.read_csv(source.path, sep=source.sep, decimal=source.decimal,
                            encoding=source.encoding, dtype={source.id_column: str})
    missing = [c for c in (source.id_column, *source.required) if c not in frame.columns]
    if missing:
        raise CatalogError(f"{source.path}: missing columns {missing}; found {list(frame.columns)}")
    columns = [c for c in source.columns if c in frame.columns]
    if not columns:
        raise CatalogError(f"{source.path}: holds none of the columns {list(source.columns)}")
    frame = frame[[source.id_column, *columns]]
    if frame[source.id_column].duplicated().any():
        dup = frame.loc[frame[source.id_column].duplicated(), source.id_column].iloc[0]
        raise CatalogError(f"{source.path}: {source.id_column} {dup!r} appears more than once")
    for column in columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise CatalogError(f"{source.path}: column {column!r} is not numeric "
                               f"(decimal mark {source.decimal!r})")
    return frame


def _read_extra_workbook(source: ExtraSource) -> pd.DataFrame:
    """An xlsx table keyed by ``id_column``: the header found by content, values as numbers."""
    for sheet in read_sheets(source.path, "cp1252", sheet=source.sheet):
        header = next((row for row in sheet.rows
                       if normalise(source.id_column) in [normalise(f) for f in row]), None)
        if header is None:
            continue
        present = [c for c in source.columns if normalise(c) in [normalise(f) for f in header]]
        missing = [c for c in source.required if c not in present]
        if missing:
            found = [f for f in header if f.strip()]
            raise CatalogError(f"{sheet.where(source.path)}: missing columns {missing}; "
                               f"found {found}")
        frame = read_unit_table(source.path, source.id_column, present, sheet=sheet.name)
        return frame.rename(columns={"key": source.id_column})
    raise CatalogError(f"{source.path}: no sheet has a header with {source.id_column!r}")


def _join_extra(table: pd.DataFrame, extra: pd.DataFrame, on: str,
                source: ExtraSource) -> pd.DataFrame:
    clash = sorted((set(extra.columns) - {source.id_column}) & set(table.columns))
    if clash:
        raise CatalogError(f"{source.path}: columns {clash} already exist in the {on} table")
    extra = extra.rename(columns={source.id_column: on})
    return table.merge(extra, on=on, how="left", validate="one_to_one")


