"""Indicators per cell from a catalog, stabilised for small numbers, and the clustering matrix.

The indicators are data: ``pipeline/indicators.yaml`` lists each one with its labels,
theme, kind, source, level, unit, index direction and clustering weight (see the comment
at the top of that file). A county changes the set in its configuration, never in code::

    options:
      indicators:
        disable: [anteil_80plus]            # switch off
        weights: {anteil_unter6: 2.0}       # clustering weights
        directions: {anteil_auslaender: 1}  # signs in the social index
        extra:                              # own indicators from a CSV
          - {path: laerm.csv, key: cell, column: laerm_db, indicator: laerm,
             label_de: Straßenlärm, unit: dB, weight: 1.0}
          - {path: kita.csv, key: municipality, id_column: AGS, indicator: kitaplaetze_gem,
             kind: share, numerator: plaetze, cell_base: "{unter5} + {a5bis9} / 5"}
        stabilize: {method: eb, k: 2, strength: 1.0}
        clustering: {standardize: zscore, whiten: false, correlation_threshold: 0.9}
        dashes: {impute_bands: true, rates_as_zero: true}   # en-dash rules (see below)

Every indicator is computed as a ratio of two additive quantities per cell, kept beside
the value (``<key>_num``, ``<key>_den``), so that any aggregation is a ratio of sums
(:mod:`pipeline.profiles`):

========================  =============================  ==============================
kind                      numerator                      denominator
========================  =============================  ==============================
share (clipped to [0,1])  sum of counts                  sum of counts
ratio                     sum of counts x scale          sum of counts
mean                      published mean x base          base (e.g. rented dwellings)
rate_published            percent / 100 x base           base (e.g. residents)
density                   count                          cell area in km2
municipality level        allocated municipal count      allocated municipal base
========================  =============================  ==============================

En dashes come from the reader as count 0 and mean NaN. Two rules of the catalog's
``prepare`` section refine that before anything is computed (:func:`prepare_cells`): age
bands, which publish nothing below 3, get their cell's unexplained remainder back
(spread over the dashed bands, at most 2 each), and published percentages whose dash
means "exactly 0" (foreigners, owner-occupancy, vacancy) become 0 where the cell has a
base. A value is missing where its topic does not list the cell, its base is 0 or its mean
is an en dash; missing values stay NaN and are counted per indicator
(:func:`summarize_indicators`). Municipal values are spread to cells by
:mod:`pipeline.municipal` and carry keys ending in ``_gem``.

Before clustering, cell rates and means are stabilised by empirical-Bayes shrinkage
towards their k-ring neighbourhood (:mod:`pipeline.stabilize`); cells without a usable
value take their neighbourhood's value there, counted as ``filled``. The clustering matrix
(:func:`build_clustering_matrix`) standardizes and weights the stabilised values.

Columns of the indicator table: ``cell_id``, ``x``, ``y``, ``ags``, ``Einwohner``, then
per indicator ``<key>`` (stabilised; what clustering uses), ``<key>_raw`` (as computed),
``<key>_num`` and ``<key>_den``.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from pipeline.municipal import spread_municipal, sum_by_municipality
from pipeline.stabilize import StabilizeParams, grid_ring, stabilize_rate

__all__ = [
    "CATALOG_PATH",
    "DIRECTIONS",
    "KINDS",
    "LEVELS",
    "MUNICIPAL_SUFFIX",
    "SOURCES",
    "STANDARDIZE_METHODS",
    "THEMES",
    "Catalog",
    "CatalogError",
    "DashBands",
    "DashZero",
    "CellIndicators",
    "ClusteringMatrix",
    "ClusteringParams",
    "Expression",
    "ExtraSource",
    "Indicator",
    "IndicatorOptions",
    "attach_extras",
    "build_clustering_matrix",
    "compute_cell_indicators",
    "compute_components",
    "county_catalog",
    "load_catalog",
    "parse_options",
    "prepare_cells",
    "stabilize_indicators",
    "summarize_indicators",
]

#: The default catalog shipped with the package.
CATALOG_PATH = Path(__file__).with_name("indicators.yaml")
#: Allowed values of the catalog fields.
KINDS = ("share", "ratio", "mean", "rate_published", "density")
LEVELS = ("cell", "municipality")
THEMES = ("age", "income", "social_structure", "housing")
SOURCES = ("zensus", "genesis", "ba", "extra")
DIRECTIONS = (-1, 0, 1)
#: Suffix that marks municipality-level indicator keys in every output.
MUNICIPAL_SUFFIX = "_gem"
#: Standardisations of the clustering matrix.
STANDARDIZE_METHODS = ("zscore", "robust")
#: Columns of the cell table carried into the indicator table.
ID_COLUMNS = ("cell_id", "x", "y", "ags", "Einwohner")
#: Sampling-variance model used to stabilise each kind (see :mod:`pipeline.stabilize`).
_VARIANCE = {"share": "binomial", "rate_published": "binomial", "ratio": "poisson",
             "mean": "estimated"}


class CatalogError(ValueError):
    """An indicator catalog or a county's indicator options that cannot be used."""


# --- expressions --------------------------------------------------------------------------

_BRACED = re.compile(r"\{([^{}]+)\}")
_ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load,
                  ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd)


@dataclass(frozen=True)
class Expression:
    """Arithmetic on columns: ``"{unter5} + {a5bis9} / 5"``, a column name, or a list (sum).

    Column references are in braces; ``{Topic:column}`` names the column of a Zensus
    topic when several topics share a name (``join_topics`` then suffixes the later one
    with ``_<Topic>``). Only ``+ - * /``, parentheses and numbers are allowed.

    Examples
    --------
    >>> e = Expression.parse("{unter5} + {a5bis9} / 5")
    >>> e.evaluate(pd.DataFrame({"unter5": [3.0], "a5bis9": [10.0]})).tolist()
    [5.0]
    >>> Expression.parse(["Vater", "Mutter"]).text
    '{Vater} + {Mutter}'
    """

    text: str
    refs: tuple[str, ...]
    _code: Any = field(repr=False, compare=False)

    @classmethod
    def parse(cls, spec: str | Sequence[str]) -> Expression:
        """Parse a column name, a list of column names or a braced expression."""
        if isinstance(spec, list | tuple):
            if not spec or not all(isinstance(s, str) and s.strip() for s in spec):
                raise CatalogError(f"a column list must hold column names, got {spec!r}")
            spec = " + ".join("{" + s.strip() + "}" for s in spec)
        if not isinstance(spec, str) or not spec.strip():
            raise CatalogError(f"an expression must be a non-empty string or list, got {spec!r}")
        text = spec.strip() if "{" in spec else "{" + spec.strip() + "}"
        refs = tuple(dict.fromkeys(r.strip() for r in _BRACED.findall(text)))
        names = {ref: f"_c{i}" for i, ref in enumerate(refs)}
        source = _BRACED.sub(lambda m: names[m.group(1).strip()], text)
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError as err:
            raise CatalogError(f"expression {text!r} is not valid arithmetic: {err.msg}") from err
        bad = [type(n).__name__ for n in ast.walk(tree) if not isinstance(n, _ALLOWED_NODES)]
        bad += [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and
                n.id not in names.values()]
        if bad:
            raise CatalogError(
                f"expression {text!r} may only use {{columns}}, numbers, + - * / and "
                f"parentheses; found {bad[0]!r}"
            )
        return cls(text, refs, compile(tree, "<indicator expression>", "eval"))

    def columns(self, frame: pd.DataFrame, topic: str | None = None) -> dict[str, str | None]:
        """The frame column each reference resolves to (None when it is missing)."""
        return {ref: _resolve(ref, frame, topic) for ref in self.refs}

    def evaluate(self, frame: pd.DataFrame, topic: str | None = None,
                 extra: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """Evaluate on the columns of ``frame`` (float64, NaN where any input is NaN)."""
        values = {}
        for i, ref in enumerate(self.refs):
            if extra is not None and ref in extra:
                values[f"_c{i}"] = np.asarray(extra[ref], dtype=np.float64)
                continue
            column = _resolve(ref, frame, topic)
            if column is None:
                raise KeyError(f"column {ref!r} of expression {self.text!r} is not in the table")
            values[f"_c{i}"] = frame[column].to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = eval(self._code, {"__builtins__": {}}, values)  # noqa: S307 - AST checked
        out = np.broadcast_to(np.asarray(out, dtype=np.float64), (len(frame),)).copy()
        out[~np.isfinite(out)] = np.nan
        return out


def _resolve(ref: str, frame: pd.DataFrame, topic: str | None) -> str | None:
    """Column of ``frame`` that a reference (``column`` or ``Topic:column``) names.

    ``join_topics`` keeps the first topic's name and suffixes later clashes with
    ``_<Topic>``; a topic that the table does not hold (no ``klammern_<Topic>`` flag while
    other flags exist) resolves to nothing rather than to another topic's column.
    """
    name = ref
    if ":" in ref:
        topic, name = (part.strip() for part in ref.split(":", 1))
    if topic:
        if f"{name}_{topic}" in frame.columns:
            return f"{name}_{topic}"
        flags = [c for c in frame.columns if str(c).startswith("klammern_")]
        if flags and f"klammern_{topic}" not in frame.columns:
            return None
    return name if name in frame.columns else None


# --- catalog ------------------------------------------------------------------------------

_EXPRESSION_FIELDS = ("numerator", "denominator", "value", "base", "cell_base")
_REQUIRED_BY_KIND = {
    "share": ("numerator", "denominator"),
    "ratio": ("numerator", "denominator"),
    "mean": ("value", "base"),
    "rate_published": ("value", "base"),
    "density": ("numerator",),
}


@dataclass(frozen=True)
class Indicator:
    """One catalog entry (see ``pipeline/indicators.yaml`` for the fields)."""

    key: str
    label_de: str
    label_en: str
    theme: str
    kind: str
    source: str
    level: str
    unit: str
    direction: int = 0
    weight: float = 0.0
    topic: str | None = None
    numerator: Expression | None = None
    denominator: Expression | None = None
    value: Expression | None = None
    base: Expression | None = None
    cell_base: Expression | None = None
    scale: float = 1.0
    stabilize: bool = True
    note: str = ""

    @property
    def is_municipal(self) -> bool:
        """True for municipality-level indicators."""
        return self.level == "municipality"

    @property
    def in_index(self) -> bool:
        """True if the indicator enters the composite social index."""
        return self.direction != 0

    @classmethod
    def from_record(cls, record: Mapping[str, Any], where: str = "catalog") -> Indicator:
        """Build and validate an indicator from a YAML mapping."""
        if not isinstance(record, Mapping):
            raise CatalogError(f"{where}: an indicator must be a mapping, got {record!r}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(record) - known)
        key = record.get("key", "?")
        if unknown:
            raise CatalogError(f"{where}: indicator {key!r} has unknown fields {unknown}; "
                               f"allowed: {sorted(known)}")
        missing = [f for f in ("key", "label_de", "label_en", "theme", "kind", "source",
                               "level", "unit") if not record.get(f)]
        if missing:
            raise CatalogError(f"{where}: indicator {key!r} lacks {missing}")
        values = dict(record)
        try:
            for name in _EXPRESSION_FIELDS:
                if values.get(name) is not None:
                    values[name] = Expression.parse(values[name])
        except CatalogError as err:
            raise CatalogError(f"{where}: indicator {key!r}: {err}") from err
        values.setdefault("stabilize", values["kind"] != "density"
                          and values["level"] == "cell")
        values["scale"] = float(values.get("scale", 1.0))
        values["weight"] = float(values.get("weight", 0.0))
        values["note"] = str(values.get("note", "") or "")
        indicator = cls(**values)
        indicator.validate(where)
        return indicator

    def validate(self, where: str = "catalog") -> None:
        """Raise :class:`CatalogError` naming the field if the entry is inconsistent."""
        name = f"{where}: indicator {self.key!r}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.key):
            raise CatalogError(f"{name}: key must be lower-case letters, digits and '_'")
        for attr, allowed in (("theme", THEMES), ("kind", KINDS), ("source", SOURCES),
                              ("level", LEVELS), ("direction", DIRECTIONS)):
            if getattr(self, attr) not in allowed:
                raise CatalogError(f"{name}: {attr} must be one of {allowed}, "
                                   f"got {getattr(self, attr)!r}")
        if not np.isfinite(self.weight) or self.weight < 0:
            raise CatalogError(f"{name}: weight must be a number >= 0, got {self.weight!r}")
        if not np.isfinite(self.scale) or self.scale <= 0:
            raise CatalogError(f"{name}: scale must be a positive number, got {self.scale!r}")
        if self.is_municipal != self.key.endswith(MUNICIPAL_SUFFIX):
            raise CatalogError(
                f"{name}: municipality-level keys, and only they, end in "
                f"{MUNICIPAL_SUFFIX!r} (level is {self.level!r})"
            )
        self._validate_fields(name)

    def _validate_fields(self, name: str) -> None:
        needed = list(_REQUIRED_BY_KIND[self.kind])
        if self.is_municipal:
            if self.kind in ("rate_published", "density"):
                raise CatalogError(f"{name}: kind {self.kind!r} exists at cell level only")
            if self.kind in ("share", "ratio") and self.denominator is None:
                needed = ["numerator", "cell_base"]
            if self.kind == "mean":
                needed = ["value"] + (["cell_base"] if self.base is None else [])
        elif self.cell_base is not None:
            raise CatalogError(f"{name}: cell_base is for municipality-level indicators")
        lacking = [f for f in needed if getattr(self, f) is None]
        if lacking:
            raise CatalogError(f"{name}: kind {self.kind!r} needs {lacking}")
        if self.kind == "rate_published" and self.scale != 1.0:
            raise CatalogError(f"{name}: rate_published is a percent column turned into a "
                               "fraction; it takes no scale")
        if self.stabilize and (self.is_municipal or self.kind == "density"):
            raise CatalogError(f"{name}: only cell-level rates and means can be stabilised")


@dataclass(frozen=True)
class DashBands:
    """Band columns of a topic whose en dash hides 0 to ``max_hidden`` persons.

    See :func:`prepare_cells` and the ``prepare`` section of ``indicators.yaml``.
    """

    topic: str
    total: str
    bands: tuple[str, ...]
    max_hidden: float = 2.0

    @classmethod
    def from_record(cls, record: Any, where: str) -> DashBands:
        """Build and validate from a YAML mapping."""
        if not isinstance(record, Mapping) or set(record) - {"topic", "total", "bands",
                                                             "max_hidden"}:
            raise CatalogError(f"{where}: dash_bands entries take topic, total, bands, "
                               f"max_hidden; got {record!r}")
        bands = record.get("bands")
        if not record.get("topic") or not record.get("total") or not isinstance(bands, list) \
                or not bands:
            raise CatalogError(f"{where}: dash_bands entry needs topic, total and a list of "
                               f"bands; got {record!r}")
        max_hidden = float(record.get("max_hidden", 2.0))
        if not max_hidden >= 0:
            raise CatalogError(f"{where}: max_hidden must be >= 0, got {max_hidden!r}")
        return cls(str(record["topic"]), str(record["total"]), tuple(map(str, bands)),
                   max_hidden)


@dataclass(frozen=True)
class DashZero:
    """A published percent column whose en dash means 0 where ``where`` is positive."""

    column: str
    where: Expression

    @classmethod
    def from_record(cls, record: Any, where: str) -> DashZero:
        """Build and validate from a YAML mapping."""
        if not isinstance(record, Mapping) or set(record) != {"column", "where"}:
            raise CatalogError(f"{where}: dash_zero entries take column and where; "
                               f"got {record!r}")
        try:
            return cls(str(record["column"]), Expression.parse(record["where"]))
        except CatalogError as err:
            raise CatalogError(f"{where}: dash_zero {record['column']!r}: {err}") from err


@dataclass(frozen=True)
class Catalog:
    """An ordered, immutable set of indicators with unique keys.

    Examples
    --------
    >>> catalog = load_catalog()
    >>> len(catalog) >= 15, "anteil_unter18" in catalog
    (True, True)
    """

    indicators: tuple[Indicator, ...]
    dash_bands: tuple[DashBands, ...] = ()
    dash_zero: tuple[DashZero, ...] = ()

    def __post_init__(self) -> None:
        keys = [i.key for i in self.indicators]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise CatalogError(f"catalog lists indicators {dup} more than once")

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    def __contains__(self, key: object) -> bool:
        return key in self.keys

    def __getitem__(self, key: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.key == key:
                return indicator
        raise KeyError(f"no indicator {key!r}; known: {list(self.keys)}")

    def __repr__(self) -> str:
        themes = pd.Series([i.theme for i in self]).value_counts().to_dict()
        municipal = sum(i.is_municipal for i in self)
        return (f"<Catalog of {len(self)} indicators ({municipal} municipal), themes {themes}, "
                f"{sum(i.weight > 0 for i in self)} clustered, {sum(i.in_index for i in self)} "
                "in the social index>")

    @property
    def keys(self) -> tuple[str, ...]:
        """Indicator keys in catalog order."""
        return tuple(i.key for i in self.indicators)

    def without(self, keys: Sequence[str]) -> Catalog:
        """A catalog without these indicators (unknown keys raise)."""
        self._check_keys(keys, "disable")
        return replace(self, indicators=tuple(i for i in self if i.key not in set(keys)))

    def with_values(self, attr: str, values: Mapping[str, Any]) -> Catalog:
        """A catalog with ``attr`` (``weight`` or ``direction``) replaced for some keys."""
        self._check_keys(values, attr)
        out = []
        for indicator in self:
            if indicator.key in values:
                raw = values[indicator.key]
                try:
                    raw = float(raw) if attr == "weight" else raw
                except (TypeError, ValueError) as err:
                    raise CatalogError(f"options {attr}: {indicator.key!r} must be a number, "
                                       f"got {raw!r}") from err
                indicator = replace(indicator, **{attr: raw})
                indicator.validate(f"options {attr}")
            out.append(indicator)
        return replace(self, indicators=tuple(out))

    def plus(self, indicators: Sequence[Indicator]) -> Catalog:
        """A catalog with more indicators appended."""
        return replace(self, indicators=self.indicators + tuple(indicators))

    def only(self, keys: Sequence[str]) -> Catalog:
        """A catalog restricted to these keys (unknown keys are ignored), rules kept."""
        wanted = set(keys)
        return replace(self, indicators=tuple(i for i in self if i.key in wanted))

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator with its descriptive fields and expressions as text."""
        rows = []
        for i in self:
            row = {f.name: getattr(i, f.name) for f in fields(i)}
            for name in _EXPRESSION_FIELDS:
                row[name] = row[name].text if row[name] is not None else None
            rows.append(row)
        return pd.DataFrame(rows)

    def _check_keys(self, keys, what: str) -> None:
        unknown = sorted(set(keys) - set(self.keys))
        if unknown:
            raise CatalogError(f"{what}: unknown indicators {unknown}; known: {list(self.keys)}")


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read an indicator catalog from YAML.

    Parameters
    ----------
    path : str or Path, optional
        The YAML file; default the catalog shipped in ``pipeline/indicators.yaml``.

    Returns
    -------
    Catalog

    Raises
    ------
    CatalogError
        Naming the file and the indicator and field that are wrong.
    """
    path = Path(path) if path is not None else CATALOG_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise CatalogError(f"{path}: indicator catalog not found") from err
    except yaml.YAMLError as err:
        raise CatalogError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(raw, Mapping) or not isinstance(raw.get("indicators"), list):
        raise CatalogError(f"{path}: expected a mapping with an 'indicators' list")
    prepare = raw.get("prepare") or {}
    if not isinstance(prepare, Mapping) or set(prepare) - {"dash_bands", "dash_zero"}:
        raise CatalogError(f"{path}: 'prepare' takes dash_bands and dash_zero lists")
    return Catalog(
        tuple(Indicator.from_record(r, str(path)) for r in raw["indicators"]),
        tuple(DashBands.from_record(r, str(path)) for r in prepare.get("dash_bands") or []),
        tuple(DashZero.from_record(r, str(path)) for r in prepare.get("dash_zero") or []),
    )


# --- county options -----------------------------------------------------------------------

_EXTRA_OWN = ("path", "key", "id_column", "column", "columns", "indicator", "sep", "decimal",
              "encoding")


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
    refs = {r.split(":")[-1] for f in _EXPRESSION_FIELDS
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


def _join_extra(table: pd.DataFrame, extra: pd.DataFrame, on: str,
                source: ExtraSource) -> pd.DataFrame:
    clash = sorted((set(extra.columns) - {source.id_column}) & set(table.columns))
    if clash:
        raise CatalogError(f"{source.path}: columns {clash} already exist in the {on} table")
    extra = extra.rename(columns={source.id_column: on})
    return table.merge(extra, on=on, how="left", validate="one_to_one")


# --- computation --------------------------------------------------------------------------


@dataclass(frozen=True)
class CellIndicators:
    """Indicators of every populated cell.

    Attributes
    ----------
    table : DataFrame
        ``cell_id``, ``x``, ``y``, ``ags``, ``Einwohner`` and per indicator ``<key>``,
        ``<key>_raw``, ``<key>_num``, ``<key>_den`` (see the module docstring).
    summary : DataFrame
        One row per indicator: level, kind, unit, n, missing, zero_base, clipped,
        unweighted, filled, min, median, max of the raw values, and the stabilisation's
        ``tau2`` and ``mean_shrinkage``.
    skipped : dict of str to str
        Catalog indicators that could not be computed, with the reason.
    prepared : dict
        What :func:`prepare_cells` changed, per rule.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    skipped: Mapping[str, str]
    prepared: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


def compute_cell_indicators(
    cells: pd.DataFrame,
    catalog: Catalog | None = None,
    municipal: pd.DataFrame | None = None,
    params: StabilizeParams | None = None,
    *,
    resolution: float = 100.0,
    on_missing: str = "skip",
) -> CellIndicators:
    """Compute, stabilise and summarise every catalog indicator per cell.

    Parameters
    ----------
    cells : DataFrame
        The joined cell table (:func:`pipeline.cells.join_topics`) with ``ags``.
    catalog : Catalog, optional
        Default :func:`load_catalog`.
    municipal : DataFrame, optional
        Municipal statistics by ``ags`` (:func:`pipeline.municipal.merge_municipal` of
        ``read_income`` and ``read_sgb2``); needed for municipality-level indicators.
    params : StabilizeParams, optional
        Small-number stabilisation; default ``StabilizeParams()``.
    resolution : float, default 100
        Cell size in metres (for densities and the neighbourhood rings).
    on_missing : {"skip", "raise"}, default "skip"
        What to do with an indicator whose input columns are absent (a topic not
        configured, no municipal file): skip it with a warning, or raise.

    Returns
    -------
    CellIndicators
    """
    catalog = load_catalog() if catalog is None else catalog
    params = StabilizeParams() if params is None else params
    components, skipped = compute_components(cells, catalog, municipal, resolution=resolution,
                                             on_missing=on_missing)
    present = catalog.only([k for k in catalog.keys if k not in skipped])
    table, info = stabilize_indicators(components, present, params, resolution=resolution)
    summary = summarize_indicators(table, present, stabilization=info)
    return CellIndicators(table, summary, skipped, components.attrs.get("prepared", {}))


def compute_components(
    cells: pd.DataFrame,
    catalog: Catalog,
    municipal: pd.DataFrame | None = None,
    *,
    resolution: float = 100.0,
    on_missing: str = "skip",
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Raw values, numerators and denominators of every indicator per cell.

    Parameters
    ----------
    cells, catalog, municipal, resolution, on_missing
        As in :func:`compute_cell_indicators`.

    Returns
    -------
    (DataFrame, dict)
        The table with ``<key>_raw``, ``<key>_num``, ``<key>_den`` (``attrs['counts']``
        holds per key the counts ``missing``, ``zero_base``, ``clipped``, ``unweighted``;
        ``attrs['prepared']`` the report of :func:`prepare_cells`) and the skipped
        indicators with their reasons.
    """
    _check_cells(cells)
    if on_missing not in ("skip", "raise"):
        raise ValueError(f"on_missing must be 'skip' or 'raise', got {on_missing!r}")
    if not isinstance(catalog, Catalog):
        raise TypeError(f"catalog must be a Catalog, got {type(catalog).__name__}")
    municipal = _municipal_table(municipal)
    cells, prepared = prepare_cells(cells, catalog)
    ids = [c for c in ID_COLUMNS if c in cells.columns]
    out: dict[str, np.ndarray] = {}
    counts: dict[str, dict[str, int]] = {}
    skipped: dict[str, str] = {}
    area = (resolution / 1000.0) ** 2
    for indicator in catalog:
        reason = _unavailable(indicator, cells, municipal)
        if reason:
            if on_missing == "raise":
                raise KeyError(f"indicator {indicator.key!r}: {reason}")
            warnings.warn(f"indicator {indicator.key!r} skipped: {reason}", stacklevel=2)
            skipped[indicator.key] = reason
            continue
        if indicator.is_municipal:
            raw, num, den, count = _municipal_components(indicator, cells, municipal)
        else:
            raw, num, den, count = _cell_components(indicator, cells, area)
        out[f"{indicator.key}_raw"], out[f"{indicator.key}_num"] = raw, num
        out[f"{indicator.key}_den"] = den
        counts[indicator.key] = count
    table = pd.concat([cells[ids].reset_index(drop=True),
                       pd.DataFrame(out, index=pd.RangeIndex(len(cells)))], axis=1)
    table.attrs["counts"] = counts
    table.attrs["prepared"] = prepared
    return table, skipped


def prepare_cells(cells: pd.DataFrame, catalog: Catalog
                  ) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """Apply the catalog's en-dash rules to the cell table (a new table is returned).

    - ``dash_bands``: in band topics whose en dash hides 0 to ``max_hidden`` persons, each
      cell's remainder ``max(total - sum(published bands), 0)`` is spread over its dashed
      bands in proportion to the county's published band structure, capped at
      ``max_hidden`` per band.
    - ``dash_zero``: published percentages that are NaN in a cell whose ``where``
      expression is positive become 0 (the en dash "exactly zero").

    Rules whose columns the table lacks are skipped.

    Parameters
    ----------
    cells : DataFrame
        The joined cell table.
    catalog : Catalog
        Holds the rules (``Catalog.dash_bands``, ``Catalog.dash_zero``).

    Returns
    -------
    (DataFrame, dict)
        The prepared table and per rule what changed: ``bands_filled`` and
        ``persons_imputed`` per band topic, ``dash_as_zero`` per column.

    Examples
    --------
    >>> rule = DashBands("T", "total", ("young", "old"), 2.0)
    >>> cells = pd.DataFrame({"total": [100.0, 4.0], "young": [40.0, 0.0],
    ...                       "old": [60.0, 3.0]})
    >>> out, report = prepare_cells(cells, Catalog((), (rule,)))
    >>> out["young"].tolist(), report
    ([40.0, 1.0], {'T': {'bands_filled': 1, 'persons_imputed': 1.0}})
    """
    _check_cells_frame(cells)
    out = cells.copy()
    report: dict[str, dict[str, float]] = {}
    for rule in catalog.dash_bands:
        columns = [_resolve(c, out, rule.topic) for c in (rule.total, *rule.bands)]
        if any(c is None for c in columns):
            continue
        filled, persons, values = _impute_bands(out[columns[0]].to_numpy(np.float64),
                                                out[columns[1:]].to_numpy(np.float64),
                                                rule.max_hidden)
        out[columns[1:]] = values
        report[rule.topic] = {"bands_filled": filled, "persons_imputed": round(persons, 3)}
    for rule in catalog.dash_zero:
        column = _resolve(rule.column, out, None)
        if column is None or any(c is None for c in rule.where.columns(out).values()):
            continue
        value = out[column].to_numpy(np.float64)
        zero = np.isnan(value) & (np.nan_to_num(rule.where.evaluate(out)) > 0)
        out[column] = np.where(zero, 0.0, value)
        report[column] = {"dash_as_zero": int(zero.sum())}
    return out, report


def _impute_bands(total: np.ndarray, bands: np.ndarray, cap: float):
    """Spread each row's unexplained remainder over its zero bands (see prepare_cells)."""
    listed = np.isfinite(total) & np.isfinite(bands).all(axis=1)
    published = np.where(listed[:, None], bands, 0.0)
    structure = published.sum(axis=0)
    if structure.sum() <= 0:
        return 0, 0.0, bands
    structure = structure / structure.sum()
    dashed = listed[:, None] & (bands == 0)
    remainder = np.where(listed, np.maximum(total - published.sum(axis=1), 0.0), 0.0)
    share = np.where(dashed, structure, 0.0)
    norm = share.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        hidden = np.where(norm > 0, remainder[:, None] * share / norm, 0.0)
    hidden = np.minimum(hidden, cap)
    return int((hidden > 0).sum()), float(hidden.sum()), np.where(dashed, hidden, bands)


def _check_cells_frame(cells: pd.DataFrame) -> None:
    if not isinstance(cells, pd.DataFrame):
        raise TypeError(f"cells must be a DataFrame, got {type(cells).__name__}")


def _check_cells(cells: pd.DataFrame) -> None:
    if not isinstance(cells, pd.DataFrame):
        raise TypeError(f"cells must be a DataFrame, got {type(cells).__name__}")
    missing = [c for c in ("cell_id", "x", "y", "Einwohner") if c not in cells.columns]
    if missing:
        raise ValueError(f"cells lacks the columns {missing}; is it the join_topics output?")
    if not cells["cell_id"].is_unique:
        raise ValueError("cells lists a cell_id more than once")


def _municipal_table(municipal: pd.DataFrame | None) -> pd.DataFrame:
    if municipal is None:
        return pd.DataFrame({"ags": pd.Series(dtype=str)})
    if not isinstance(municipal, pd.DataFrame) or "ags" not in municipal.columns:
        raise ValueError("municipal must be a DataFrame with a column 'ags'")
    return municipal


def _unavailable(indicator: Indicator, cells: pd.DataFrame, municipal: pd.DataFrame) -> str:
    """Why an indicator cannot be computed from these tables ('' if it can)."""
    muni_fields = ("numerator", "denominator", "value", "base") if indicator.is_municipal else ()
    for name in _EXPRESSION_FIELDS:
        expr = getattr(indicator, name)
        if expr is None:
            continue
        frame, what = (municipal, "municipal table") if name in muni_fields else (cells, "cells")
        topic = None if name in muni_fields else indicator.topic
        if indicator.is_municipal and name in muni_fields and municipal.empty:
            return "no municipal statistics"
        lacking = [r for r, c in expr.columns(frame, topic).items() if c is None]
        if lacking:
            return f"{what} lack {lacking} (for {name} {expr.text!r})"
    if indicator.is_municipal and "ags" not in cells.columns:
        return "cells lack 'ags' (the municipality of every cell)"
    return ""


def _cell_components(indicator: Indicator, cells: pd.DataFrame, area: float):
    kind, topic = indicator.kind, indicator.topic
    if kind in ("share", "ratio", "density"):
        num = indicator.numerator.evaluate(cells, topic) * indicator.scale
        den = (np.full(len(cells), area) if kind == "density"
               else indicator.denominator.evaluate(cells, topic))
        return _ratio(num, den, clip=kind == "share")
    value = indicator.value.evaluate(cells, topic)
    base = indicator.base.evaluate(cells, topic)
    if kind == "rate_published":
        clipped = int(((value < 0) | (value > 100)).sum())
        value = np.clip(value, 0.0, 100.0) / 100.0
    else:
        clipped = 0
        value = value * indicator.scale
    weighted = np.isfinite(value) & np.isfinite(base) & (base > 0)
    count = {"missing": int((~np.isfinite(value)).sum()), "zero_base": 0, "clipped": clipped,
             "unweighted": int((np.isfinite(value) & ~weighted).sum())}
    return (value, np.where(weighted, value * base, np.nan), np.where(weighted, base, np.nan),
            count)


def _ratio(num: np.ndarray, den: np.ndarray, *, clip: bool):
    ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(ok, num / den, np.nan)
    clipped = int(((raw < 0) | (raw > 1)).sum()) if clip else 0
    if clip:
        # the counts stay as published: perturbation noise cancels in sums of many cells,
        # so only the ratio is clipped, here and again after aggregation
        raw = np.clip(raw, 0.0, 1.0)
    count = {"missing": int((~ok).sum()), "zero_base": int((np.isfinite(den) & (den <= 0)).sum()),
             "clipped": clipped, "unweighted": 0}
    return raw, np.where(ok, num, np.nan), np.where(ok, den, np.nan), count


def _municipal_components(indicator: Indicator, cells: pd.DataFrame, municipal: pd.DataFrame):
    ags = cells["ags"].astype(str).to_numpy(dtype=object)
    muni_ags = municipal["ags"].astype(str).to_numpy(dtype=object)
    key_expr = indicator.cell_base or Expression.parse("{Bevoelkerungszahl:Einwohner}")
    key = key_expr.evaluate(cells)
    if indicator.kind == "mean":
        value = indicator.value.evaluate(municipal) * indicator.scale
        base = (indicator.base.evaluate(municipal) if indicator.base is not None
                else sum_by_municipality(ags, key).reindex(muni_ags).to_numpy())
        num, den = value * base, base
    else:
        num = indicator.numerator.evaluate(municipal) * indicator.scale
        den = (indicator.denominator.evaluate(municipal) if indicator.denominator is not None
               else sum_by_municipality(ags, key).reindex(muni_ags).to_numpy())
    spread = spread_municipal(ags, key, muni_ags, num, den)
    raw = spread.value
    clipped = 0
    if indicator.kind == "share":
        clipped = int(((raw < 0) | (raw > 1)).sum())
        raw = np.clip(raw, 0.0, 1.0)
    count = {"missing": int((~np.isfinite(raw)).sum()), "zero_base": 0, "clipped": clipped,
             "unweighted": spread.keys_missing}
    return raw, spread.numerator, spread.denominator, count


def stabilize_indicators(
    components: pd.DataFrame,
    catalog: Catalog,
    params: StabilizeParams | None = None,
    *,
    resolution: float = 100.0,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Add the stabilised value ``<key>`` beside ``<key>_raw`` for every indicator.

    Cell-level rates and means marked ``stabilize`` in the catalog go through
    :func:`pipeline.stabilize.stabilize_rate` on the k-ring of their grid neighbours;
    municipal values and densities are copied unchanged.

    Parameters
    ----------
    components : DataFrame
        Output of :func:`compute_components` (with ``x`` and ``y``).
    catalog : Catalog
        The indicators present in ``components``.
    params : StabilizeParams, optional
    resolution : float, default 100

    Returns
    -------
    (DataFrame, dict)
        A new table with the ``<key>`` columns placed before ``<key>_raw``, and per key
        ``filled`` (cells without a usable raw value that took their neighbourhood's
        value), ``tau2`` (prior variance, NaN if local or not stabilised) and
        ``mean_shrinkage`` (mean weight of the raw value, 1 = unchanged).
    """
    params = StabilizeParams() if params is None else params
    if not isinstance(params, StabilizeParams):
        raise TypeError(f"params must be StabilizeParams, got {type(params).__name__}")
    lacking = [f"{k}_raw" for k in catalog.keys if f"{k}_raw" not in components.columns]
    if lacking:
        raise ValueError(f"components lack {lacking}; compute them with compute_components")
    needs_ring = params.method != "none" and any(i.stabilize for i in catalog)
    ring = grid_ring(components["x"], components["y"], params, resolution) if needs_ring else None
    ids = [c for c in ID_COLUMNS if c in components.columns]
    parts: list[pd.DataFrame] = [components[ids]]
    info: dict[str, dict[str, float]] = {}
    for indicator in catalog:
        key = indicator.key
        raw = components[f"{key}_raw"].to_numpy(np.float64)
        value = raw
        info[key] = {"filled": 0, "tau2": np.nan, "mean_shrinkage": 1.0}
        if indicator.stabilize and ring is not None:
            base = _stabilize_base(indicator, components)
            result = stabilize_rate(raw, base, ring, params,
                                    variance=_VARIANCE[indicator.kind], scale=indicator.scale)
            value = result.values
            shrink = result.shrinkage[np.isfinite(result.shrinkage)]
            info[key] = {"filled": result.filled,
                         "tau2": np.nan if result.tau2 is None else result.tau2,
                         "mean_shrinkage": float(shrink.mean()) if shrink.size else np.nan}
            if indicator.kind == "share":
                value = np.clip(value, 0.0, 1.0)
        parts.append(pd.DataFrame({key: value}, index=components.index))
        parts.append(components[[f"{key}_raw", f"{key}_num", f"{key}_den"]])
    table = pd.concat(parts, axis=1)
    table.attrs = dict(components.attrs)
    return table, info


def _stabilize_base(indicator: Indicator, components: pd.DataFrame) -> np.ndarray:
    """The base a raw value rests on: its denominator (NaN where the value is missing)."""
    den = components[f"{indicator.key}_den"].to_numpy(np.float64)
    return np.where(np.isfinite(den), den, 0.0)


def summarize_indicators(table: pd.DataFrame, catalog: Catalog,
                         stabilization: Mapping[str, Mapping[str, float]] | None = None
                         ) -> pd.DataFrame:
    """Per indicator: level, kind, unit, counts of problems and min / median / max.

    Parameters
    ----------
    table : DataFrame
        Indicator table with ``<key>_raw`` columns (``attrs['counts']`` if available).
    catalog : Catalog
    stabilization : mapping, optional
        Per key ``filled``, ``tau2``, ``mean_shrinkage`` (from :func:`stabilize_indicators`).

    Returns
    -------
    DataFrame
        Indexed by key: ``label_de``, ``level``, ``kind``, ``unit``, ``n``, ``missing``,
        ``zero_base``, ``clipped``, ``unweighted``, ``filled``, ``tau2``,
        ``mean_shrinkage``, ``min``, ``median``,
        ``max``, ``weight``, ``direction``.
    """
    counts = table.attrs.get("counts", {})
    rows = []
    for indicator in catalog:
        raw = table[f"{indicator.key}_raw"].to_numpy(np.float64)
        ok = raw[np.isfinite(raw)]
        count = counts.get(indicator.key, {})
        stab = (stabilization or {}).get(indicator.key, {})
        rows.append({
            "key": indicator.key, "label_de": indicator.label_de, "level": indicator.level,
            "kind": indicator.kind, "unit": indicator.unit, "n": int(ok.size),
            "missing": int(raw.size - ok.size), "zero_base": count.get("zero_base", 0),
            "clipped": count.get("clipped", 0), "unweighted": count.get("unweighted", 0),
            "filled": int(stab.get("filled", 0)),
            "tau2": float(stab.get("tau2", np.nan)),
            "mean_shrinkage": float(stab.get("mean_shrinkage", 1.0)),
            "min": float(ok.min()) if ok.size else np.nan,
            "median": float(np.median(ok)) if ok.size else np.nan,
            "max": float(ok.max()) if ok.size else np.nan,
            "weight": indicator.weight, "direction": indicator.direction,
        })
    return pd.DataFrame(rows).set_index("key") if rows else pd.DataFrame()


# --- clustering matrix --------------------------------------------------------------------


@dataclass(frozen=True)
class ClusteringMatrix:
    """Standardized, weighted indicators for the regionalization, rows aligned with cells.

    Attributes
    ----------
    values : ndarray, shape (n_cells, d)
        No NaN.
    columns : tuple of str
        Indicator keys (or ``pc1``, ``pc2``, ... after whitening).
    weights : dict of str to float
        Clustering weight of each indicator used.
    center, spread : dict of str to float
        Location and scale used to standardize each indicator.
    imputed : dict of str to int
        Cells whose value was missing and set to the county value (0 after
        standardizing), per indicator.
    dropped : dict of str to str
        Indicators not used, with the reason (weight 0, constant, missing).
    correlated : DataFrame
        Pairs ``a``, ``b`` with ``|r| > correlation_threshold`` (population-weighted
        correlation of the stabilised values), strongest first.
    explained : ndarray or None
        Share of variance of each kept principal component (whitening only).
    """

    values: np.ndarray
    columns: tuple[str, ...]
    weights: Mapping[str, float]
    center: Mapping[str, float]
    spread: Mapping[str, float]
    imputed: Mapping[str, int]
    dropped: Mapping[str, str]
    correlated: pd.DataFrame
    explained: np.ndarray | None = None

    def __repr__(self) -> str:
        return (f"<ClusteringMatrix {self.values.shape[0]} cells x {len(self.columns)} "
                f"columns, {sum(self.imputed.values())} imputed values, "
                f"{len(self.correlated)} correlated pairs, {len(self.dropped)} dropped>")

    def to_frame(self, cell_ids: Sequence[str]) -> pd.DataFrame:
        """The matrix as a table with a leading ``cell_id`` column."""
        frame = pd.DataFrame(self.values, columns=list(self.columns))
        frame.insert(0, "cell_id", np.asarray(cell_ids))
        return frame


def build_clustering_matrix(
    table: pd.DataFrame,
    catalog: Catalog,
    population: np.ndarray | None = None,
    params: ClusteringParams | None = None,
) -> ClusteringMatrix:
    """Stabilised indicators, standardized and weighted, ready for the regionalization.

    Steps: take ``<key>`` of every catalog indicator with weight > 0; fill missing values
    with the population-weighted county value (counted); standardize with population
    weights (z-score or robust); report pairs with ``|r| >`` the threshold; multiply each
    column by ``sqrt(weight)`` so that a weight is the column's share in the squared
    distance; optionally whiten by weighted PCA (which makes the distance Mahalanobis and
    so neutralises the weights within the kept components).

    Parameters
    ----------
    table : DataFrame
        The indicator table (:attr:`CellIndicators.table`).
    catalog : Catalog
    population : ndarray, optional
        Weights of the cells; default ``table['Einwohner']``.
    params : ClusteringParams, optional

    Returns
    -------
    ClusteringMatrix
    """
    params = ClusteringParams() if params is None else params
    if not isinstance(params, ClusteringParams):
        raise TypeError(f"params must be ClusteringParams, got {type(params).__name__}")
    w = _population(table, population)
    keys, dropped = _clustered_keys(table, catalog)
    x = table[list(keys)].to_numpy(np.float64) if keys else np.zeros((len(table), 0))
    x, imputed, center = _impute(x, w, keys)
    z, center, spread, constant = _standardize(x, w, params.standardize, center)
    for j in np.flatnonzero(constant):
        dropped[keys[j]] = "constant"
    keys = tuple(k for k, c in zip(keys, constant, strict=True) if not c)
    z = z[:, ~constant]
    correlated = _correlated_pairs(z, w, keys, params.correlation_threshold)
    weights = {k: catalog[k].weight for k in keys}
    z = z * np.sqrt(np.array([weights[k] for k in keys]))
    explained = None
    columns = keys
    if params.whiten is not False and z.shape[1]:
        z, explained = _whiten(z, w, params.whiten)
        columns = tuple(f"pc{i + 1}" for i in range(z.shape[1]))
    return ClusteringMatrix(
        values=z, columns=columns, weights=weights,
        center={k: center[k] for k in keys}, spread={k: spread[k] for k in keys},
        imputed={k: imputed[k] for k in keys}, dropped=dropped, correlated=correlated,
        explained=explained,
    )


def _population(table: pd.DataFrame, population: np.ndarray | None) -> np.ndarray:
    if population is None:
        if "Einwohner" not in table.columns:
            raise ValueError("table has no 'Einwohner'; pass population")
        population = table["Einwohner"].to_numpy()
    w = np.asarray(population, dtype=np.float64)
    if w.shape != (len(table),):
        raise ValueError(f"population must have one entry per row ({len(table)}), got {w.shape}")
    if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise ValueError("population must be finite, >= 0 and not all 0")
    return w


def _clustered_keys(table: pd.DataFrame, catalog: Catalog) -> tuple[tuple[str, ...], dict]:
    keys, dropped = [], {}
    for indicator in catalog:
        if indicator.weight <= 0:
            dropped[indicator.key] = "weight 0"
        elif indicator.key not in table.columns:
            dropped[indicator.key] = "not in the indicator table"
        elif not np.isfinite(table[indicator.key].to_numpy(np.float64)).any():
            dropped[indicator.key] = "no value in any cell"
        else:
            keys.append(indicator.key)
    return tuple(keys), dropped


def _impute(x: np.ndarray, w: np.ndarray, keys: tuple[str, ...]):
    ok = np.isfinite(x)
    wsum = (w[:, None] * ok).sum(axis=0)
    mean = np.nansum(np.where(ok, x * w[:, None], 0.0), axis=0) / np.where(wsum > 0, wsum, 1)
    filled = np.where(ok, x, mean)
    imputed = dict(zip(keys, (~ok).sum(axis=0).astype(int).tolist(), strict=True))
    return filled, imputed, dict(zip(keys, mean.tolist(), strict=True))


def _standardize(x, w, method, mean):
    keys = list(mean)
    if method == "zscore":
        center = np.array([mean[k] for k in keys])
        spread = np.sqrt((w[:, None] * (x - center) ** 2).sum(axis=0) / w.sum())
    else:
        q = _weighted_quantiles(x, w, (0.25, 0.5, 0.75))
        center, spread = q[1], (q[2] - q[0]) / 1.349
        std = np.sqrt((w[:, None] * (x - center) ** 2).sum(axis=0) / w.sum())
        spread = np.where(spread > 0, spread, std)  # IQR 0 (mostly one value): fall back
    constant = ~(spread > 1e-12 * np.maximum(1.0, np.abs(center)))
    safe = np.where(constant, 1.0, spread)
    z = (x - center) / safe
    return (z, dict(zip(keys, center.tolist(), strict=True)),
            dict(zip(keys, spread.tolist(), strict=True)), constant)


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Weighted quantiles of every column (lower value at ties), shape (len(qs), d)."""
    order = np.argsort(x, axis=0, kind="stable")
    xs = np.take_along_axis(x, order, axis=0)
    cw = np.cumsum(w[order], axis=0)
    cw = cw / cw[-1]
    idx = np.stack([(cw < q).sum(axis=0) for q in qs])
    idx = np.minimum(idx, x.shape[0] - 1)
    return np.take_along_axis(xs, idx, axis=0)


def _correlated_pairs(z, w, keys, threshold) -> pd.DataFrame:
    columns = ["a", "b", "r"]
    if z.shape[1] < 2:
        return pd.DataFrame(columns=columns)
    mean = (w[:, None] * z).sum(axis=0) / w.sum()
    c = z - mean
    cov = (c * w[:, None]).T @ c / w.sum()
    sd = np.sqrt(np.diag(cov))
    r = cov / np.outer(sd, sd)
    i, j = np.triu_indices(len(keys), k=1)
    hit = np.abs(r[i, j]) > threshold
    pairs = pd.DataFrame({"a": np.asarray(keys)[i[hit]], "b": np.asarray(keys)[j[hit]],
                          "r": r[i, j][hit]})
    return pairs.reindex(pairs["r"].abs().sort_values(ascending=False).index).reset_index(
        drop=True)


def _whiten(z, w, whiten):
    mean = (w[:, None] * z).sum(axis=0) / w.sum()
    c = z - mean
    cov = (c * w[:, None]).T @ c / w.sum()
    eigval, eigvec = np.linalg.eigh(cov)
    order = np.argsort(eigval)[::-1]
    eigval, eigvec = eigval[order], eigvec[:, order]
    keep = eigval > 1e-10 * eigval[0]
    share = eigval / eigval[keep].sum()
    if whiten is not True:
        keep &= np.concatenate([[True], np.cumsum(share)[:-1] < float(whiten)])
    scores = c @ eigvec[:, keep] / np.sqrt(eigval[keep])
    return scores, share[keep]
