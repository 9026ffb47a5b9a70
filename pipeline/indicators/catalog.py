"""The indicator catalog as data: entries, the en-dash rules, and loading ``catalog.yaml``."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import CatalogError
from pipeline.files import read_yaml
from pipeline.indicators.expressions import Expression

__all__ = [
    "CATALOG_PATH",
    "DIRECTIONS",
    "EXPRESSION_FIELDS",
    "KINDS",
    "LEVELS",
    "MUNICIPAL_SUFFIX",
    "SHARE_UNIT",
    "SOURCES",
    "THEMES",
    "TYPE_PHRASE_MAX",
    "Catalog",
    "DashBands",
    "DashZero",
    "Indicator",
    "load_catalog",
]

#: The default catalog shipped with the package.
CATALOG_PATH = Path(__file__).with_name("catalog.yaml")
#: Allowed values of the catalog fields.
KINDS = ("share", "ratio", "mean", "rate_published", "density")
LEVELS = ("cell", "municipality")
THEMES = ("age", "income", "social_structure", "housing")
SOURCES = ("zensus", "genesis", "ba", "extra")
DIRECTIONS = (-1, 0, 1)
#: Unit of the indicators that are shares: their values lie in [0, 1].
SHARE_UNIT = "Anteil (0-1)"
#: Longest phrase of ``type_high`` / ``type_low`` (the words naming a type of social space).
TYPE_PHRASE_MAX = 30
#: Suffix that marks municipality-level indicator keys in every output.
MUNICIPAL_SUFFIX = "_gem"
EXPRESSION_FIELDS = ("numerator", "denominator", "value", "base", "cell_base")
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
    internal: bool = False
    type_high: str = ""
    type_low: str = ""

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
            for name in EXPRESSION_FIELDS:
                if values.get(name) is not None:
                    values[name] = Expression.parse(values[name])
        except CatalogError as err:
            raise CatalogError(f"{where}: indicator {key!r}: {err}") from err
        values.setdefault("stabilize", values["kind"] != "density"
                          and values["level"] == "cell")
        values["scale"] = float(values.get("scale", 1.0))
        values["weight"] = float(values.get("weight", 0.0))
        values["note"] = str(values.get("note", "") or "")
        for name in ("type_high", "type_low"):
            phrase = values.get(name, "") or ""
            if not isinstance(phrase, str) or len(phrase) > TYPE_PHRASE_MAX:
                raise CatalogError(f"{where}: indicator {key!r}: {name} must be a short phrase "
                                   f"(at most {TYPE_PHRASE_MAX} characters), got {phrase!r}")
            values[name] = phrase.strip()
        if not isinstance(values.get("internal", False), bool):
            raise CatalogError(f"{where}: indicator {key!r}: internal must be true or false, "
                               f"got {values['internal']!r}")
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
            for name in EXPRESSION_FIELDS:
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
    raw = read_yaml(path, CatalogError, "indicator catalog")
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


