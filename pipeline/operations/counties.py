"""County configuration: which inputs a county has and the parameters it is drawn with.

One YAML file (``counties.yaml`` at the repository root by default, or the file named by
the environment variable ``SOZIALRAUM_COUNTIES``) describes every county the pipeline
serves. Each entry becomes one partition of the per-county assets, so adding a county is
an edit of that file, not of code. Relative paths resolve against the file's folder.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.files import read_yaml
from pipeline.layout import ID_PATTERN, REPO_ROOT
from pipeline.regionalization.parameters import RegionParameters

__all__ = [
    "READER_OPTIONS", "County", "UnitsSource", "default_config_path", "load_counties",
]

#: Environment variable naming the county file (default ``counties.yaml`` in the repository).
COUNTIES_ENV = "SOZIALRAUM_COUNTIES"


#: Reader options an input may carry besides its ``path`` (``income: {path: ..., columns:
#: {...}}``), by role; they are passed to the role's reader as keyword arguments.
READER_OPTIONS: Mapping[str, tuple[str, ...]] = {
    "vg250": ("layers", "fields"),
    "income": ("sheet", "columns"),
    "sgb2": ("sheet", "columns", "rate"),
    "barriers": ("layer",),
    "locks": ("layer",),
    "places": ("layer", "name"),
    "facilities": ("layer", "kind", "name", "crs"),
}


@dataclass(frozen=True)
class UnitsSource:
    """Polygon units (census blocks, statistical districts) given instead of the Zensus grid.

    ``path``/``layer`` name the polygon layer, ``id`` its unit ID field; ``table`` (with
    ``table_key`` and ``table_sheet``) an optional attribute table keyed by unit ID, CSV or
    xlsx; ``columns`` maps the names the indicator catalog uses (``Einwohner``,
    ``Alter_in_5_Altersklassen:Unter18``, ...) to fields of the layer or the table;
    ``municipality`` the field with the AGS of each unit (else the VG250 overlay).
    """

    path: Path
    id: str
    columns: Mapping[str, str]
    layer: str | None = None
    table: Path | None = None
    table_key: str | None = None
    table_sheet: str | None = None
    municipality: str | None = None
    crs: str | None = None


@dataclass(frozen=True)
class County:
    """One county: its key, its input files and its parameters."""

    key: str
    name: str
    ags: str
    zensus: Mapping[str, Path]
    vg250: Path
    income: Path | None = None
    sgb2: Path | None = None
    barriers: Path | None = None
    parameters: RegionParameters = field(default_factory=RegionParameters)
    options: Mapping[str, Any] = field(default_factory=dict)
    folder: Path = field(default_factory=Path)
    units: UnitsSource | None = None
    reading: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    locks: Path | None = None
    freeze: tuple[str, ...] = ()
    places: Path | None = None
    scenarios: Mapping[str, RegionParameters] = field(default_factory=dict)
    facilities: Path | None = None
    internal: tuple[str, ...] = ()

    @property
    def grid(self) -> bool:
        """True for a county drawn on Zensus grid cells, False for polygon units."""
        return self.units is None

    def read_options(self, role: str) -> dict[str, Any]:
        """Keyword arguments for the reader of ``role`` from the county file (may be empty)."""
        return dict(self.reading.get(role, {}))

    def display(self, path: str | os.PathLike) -> str:
        """A path as the outputs name it: relative to the county file's folder, else its name.

        Outputs must not depend on where the files lie, so absolute paths never go in.
        """
        path = Path(path)
        try:
            return path.resolve().relative_to(Path(self.folder).resolve()).as_posix()
        except ValueError:
            return path.name

    def input_files(self) -> dict[str, Path]:
        """All input files by role, e.g. ``zensus:Bevoelkerungszahl`` or ``vg250``."""
        files = {f"zensus:{topic}": path for topic, path in self.zensus.items()}
        if self.units is not None:
            files["units"] = self.units.path
            if self.units.table is not None:
                files["units:table"] = self.units.table
        for role in ("vg250", "income", "sgb2", "barriers", "locks", "places", "facilities"):
            path = getattr(self, role)
            if path is not None:
                files[role] = path
        return files


def default_config_path() -> Path:
    """The county file in use: ``$SOZIALRAUM_COUNTIES`` or ``counties.yaml`` in the repo."""
    env = os.environ.get(COUNTIES_ENV)
    return Path(env).resolve() if env else REPO_ROOT / "counties.yaml"


_REQUIRED = ("name", "ags", "vg250")
_KNOWN = set(_REQUIRED) | {"zensus", "units", "income", "sgb2", "barriers", "parameters",
                           "options", "locks", "freeze", "places", "scenarios",
                           "facilities", "internal"}
_UNITS_KEYS = ("path", "layer", "id", "columns", "table", "municipality", "crs")
_TABLE_KEYS = ("path", "key", "sheet")
_PARAM_FIELDS = {f.name for f in dataclasses.fields(RegionParameters)}


def load_counties(path: str | os.PathLike | None = None) -> dict[str, County]:
    """Read the county configuration file.

    Parameters
    ----------
    path : path-like, optional
        The YAML file; default :func:`default_config_path`.

    Returns
    -------
    dict of str to County
        In file order; the entry named by the file's ``default`` key comes first.

    Raises
    ------
    ConfigError
        Naming the file, the county and the key that is missing or wrong.
    """
    path = Path(path) if path is not None else default_config_path()
    raw = read_yaml(path, ConfigError, "county configuration file")
    if not isinstance(raw, dict) or not isinstance(raw.get("counties"), dict):
        raise ConfigError(f"{path}: expected a mapping with a 'counties' mapping at the top")
    if not raw["counties"]:
        raise ConfigError(f"{path}: 'counties' is empty")
    base = path.resolve().parent
    counties = {
        key: _parse_county(path, base, str(key), entry) for key, entry in raw["counties"].items()
    }
    default = raw.get("default")
    if default is not None:
        if default not in counties:
            raise ConfigError(f"{path}: default county {default!r} is not among {sorted(counties)}")
        counties = {default: counties[default]} | counties
    return counties


def _parse_county(path: Path, base: Path, key: str, entry: Any) -> County:
    where = f"{path}: county '{key}'"
    if not re.fullmatch(r"[a-z0-9_]+", key):
        raise ConfigError(f"{where}: key must be lower-case letters, digits and '_'")
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(entry).__name__}")
    missing = [k for k in _REQUIRED if k not in entry]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(set(entry) - _KNOWN)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}; allowed: {sorted(_KNOWN)}")
    ags = entry["ags"]
    if not isinstance(ags, str):
        raise ConfigError(
            f"{where}: 'ags' must be the 5-digit Kreisschlüssel in quotes, e.g. ags: \"05358\"; "
            f"without quotes YAML reads it as the number {ags!r} (a leading 0 even makes it "
            "an octal number)")
    if not re.fullmatch(r"\d{5}", ags):
        raise ConfigError(f"{where}: 'ags' must be a 5-digit Kreisschlüssel, got {ags!r}")
    if ("zensus" in entry) == ("units" in entry):
        raise ConfigError(f"{where}: give either 'zensus' (the Zensus grid topics) or 'units' "
                          "(a polygon layer of small units), "
                          + ("not both" if "zensus" in entry else "missing zensus"))
    if "zensus" in entry:
        if not isinstance(entry["zensus"], dict) or not entry["zensus"]:
            raise ConfigError(f"{where}: 'zensus' must map topics to files")
        if "Bevoelkerungszahl" not in entry["zensus"]:
            raise ConfigError(f"{where}: 'zensus' needs the topic 'Bevoelkerungszahl'")
    params = entry.get("parameters") or {}
    bad = sorted(set(params) - _PARAM_FIELDS)
    if bad:
        raise ConfigError(f"{where}: unknown parameters {bad}; allowed: {sorted(_PARAM_FIELDS)}")
    try:
        parameters = RegionParameters(**params)
    except (ConfigError, TypeError) as err:
        raise ConfigError(f"{where}: parameters: {err}") from err

    def resolve(value: Any) -> Path | None:
        return None if value is None else (base / str(value)).resolve()

    paths, reading = {}, {}
    for role in ("vg250", "income", "sgb2", "barriers", "locks", "places", "facilities"):
        paths[role], reading[role] = _input(where, role, entry.get(role))
    return County(
        key=key,
        name=str(entry["name"]),
        ags=ags,
        zensus={str(t): resolve(p) for t, p in (entry.get("zensus") or {}).items()},
        vg250=resolve(paths["vg250"]),
        income=resolve(paths["income"]),
        sgb2=resolve(paths["sgb2"]),
        barriers=resolve(paths["barriers"]),
        locks=resolve(paths["locks"]),
        freeze=_freeze(where, entry.get("freeze")),
        places=resolve(paths["places"]),
        facilities=resolve(paths["facilities"]),
        internal=_internal(where, entry.get("internal")),
        scenarios=_scenarios(where, entry.get("scenarios"), parameters),
        parameters=parameters,
        options=dict(entry.get("options") or {}),
        folder=base,
        units=_units(where, entry["units"], resolve) if "units" in entry else None,
        reading={role: options for role, options in reading.items() if options},
    )


def _freeze(where: str, value: Any) -> tuple[str, ...]:
    """``freeze: [SR-05399-004, ...]``: social spaces kept exactly as published."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: 'freeze' must list social-space IDs, e.g. "
                          "freeze: [SR-05399-004, SR-05399-011]")
    bad = [v for v in value if not ID_PATTERN.fullmatch(v)]
    if bad:
        raise ConfigError(f"{where}: freeze: {bad} are not social-space IDs like SR-05399-004")
    return tuple(dict.fromkeys(value))


def _internal(where: str, value: Any) -> tuple[str, ...]:
    """``internal: [sgb2_quote_gem, einrichtungen]``: left out of the public atlas.

    Indicator keys and layer names, on top of the catalog's ``internal: true``.
    """
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: 'internal' must list indicator keys or layer names, e.g. "
                          "internal: [sgb2_quote_gem, einrichtungen]")
    return tuple(dict.fromkeys(value))


def _scenarios(where: str, value: Any, base: RegionParameters) -> dict[str, RegionParameters]:
    """``scenarios: {klein: {min_population: 2500}, ...}``: named changes of the parameters."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: 'scenarios' must map names to parameters, e.g. "
                          "scenarios: {klein: {min_population: 2500}}")
    scenarios = {}
    for name, changes in value.items():
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]+", name):
            raise ConfigError(f"{where}: scenarios: name {name!r} must be lower-case letters, "
                              "digits and '_' (it names a folder)")
        if not isinstance(changes, dict):
            raise ConfigError(f"{where}: scenarios: {name}: expected parameters as a mapping, "
                              f"got {changes!r}")
        bad = sorted(set(changes) - _PARAM_FIELDS)
        if bad:
            raise ConfigError(f"{where}: scenarios: {name}: unknown parameters {bad}; "
                              f"allowed: {sorted(_PARAM_FIELDS)}")
        try:
            scenarios[name] = base.replace(**changes)
        except (ConfigError, TypeError) as err:
            raise ConfigError(f"{where}: scenarios: {name}: {err}") from err
    return scenarios


def _input(where: str, role: str, value: Any) -> tuple[str | None, dict[str, Any]]:
    """Path and reader options of an input given as a path or as ``{path: ..., ...}``."""
    if value is None or isinstance(value, str):
        return value, {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{role}' must be a file path or a mapping with 'path', "
                          f"got {type(value).__name__}")
    allowed = ("path", *READER_OPTIONS[role])
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}: {role}: unknown keys {unknown}; allowed: {list(allowed)}")
    if not isinstance(value.get("path"), str):
        raise ConfigError(f"{where}: {role}: 'path' must name the file")
    options = {k: v for k, v in value.items() if k != "path"}
    for name in ("columns", "fields", "layers", "rate"):
        if name in options and not isinstance(options[name], dict):
            raise ConfigError(f"{where}: {role}: '{name}' must be a mapping, "
                              f"got {options[name]!r}")
    for name in ("sheet", "layer", "name", "kind", "crs"):
        if name in options and not isinstance(options[name], str):
            raise ConfigError(f"{where}: {role}: '{name}' must be a name in quotes, "
                              f"got {options[name]!r}")
    return value["path"], options


def _units(where: str, value: Any, resolve) -> UnitsSource:
    """The ``units:`` entry: the polygon layer, its ID, the column map, the optional table."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: 'units' must be a mapping with path, id and columns")
    unknown = sorted(set(value) - set(_UNITS_KEYS))
    if unknown:
        raise ConfigError(f"{where}: units: unknown keys {unknown}; allowed: {list(_UNITS_KEYS)}")
    for name in ("path", "id"):
        if not isinstance(value.get(name), str):
            raise ConfigError(f"{where}: units: '{name}' must be given as text")
    columns = value.get("columns") or {}
    if not isinstance(columns, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in columns.items()):
        raise ConfigError(f"{where}: units: 'columns' must map catalog column names to field "
                          "names, e.g. {Einwohner: EW_insgesamt}")
    if "Einwohner" not in columns:
        raise ConfigError(f"{where}: units: 'columns' must name the residents' field as "
                          "Einwohner, e.g. columns: {Einwohner: EW_insgesamt}")
    table = value.get("table")
    if table is not None:
        if isinstance(table, str):
            table = {"path": table}
        if not isinstance(table, dict) or not isinstance(table.get("path"), str):
            raise ConfigError(f"{where}: units: 'table' must be a file path or "
                              "{path: ..., key: ..., sheet: ...}")
        bad = sorted(set(table) - set(_TABLE_KEYS))
        if bad:
            raise ConfigError(f"{where}: units: table: unknown keys {bad}; "
                              f"allowed: {list(_TABLE_KEYS)}")
    for name in ("layer", "municipality", "crs"):
        if value.get(name) is not None and not isinstance(value[name], str):
            raise ConfigError(f"{where}: units: '{name}' must be given as text")
    return UnitsSource(
        path=resolve(value["path"]),
        id=value["id"],
        columns={str(k): str(v) for k, v in columns.items()},
        layer=value.get("layer"),
        table=resolve(table["path"]) if table else None,
        table_key=str(table.get("key") or value["id"]) if table else None,
        table_sheet=table.get("sheet") if table else None,
        municipality=value.get("municipality"),
        crs=value.get("crs"),
    )
