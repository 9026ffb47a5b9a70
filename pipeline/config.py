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

import yaml

__all__ = [
    "ConfigError",
    "County",
    "RegionParameters",
    "REPO_ROOT",
    "default_config_path",
    "load_counties",
    "processed_dir",
]

REPO_ROOT = Path(__file__).resolve().parent.parent

#: Allowed values for :attr:`RegionParameters.contiguity`.
CONTIGUITY_KINDS = ("rook", "queen")


class ConfigError(ValueError):
    """The county configuration is not usable; the message names the file, county and key."""


@dataclass(frozen=True)
class RegionParameters:
    """Parameters of the regionalization, with the practice defaults for a county like Düren.

    Attributes
    ----------
    min_population : int
        Floor of residents per social space (default 2,500; practice never goes below 1,000).
    max_population : int or None
        Cap of residents per social space (default 15,000); ``None`` for no cap.
    n_regions : int or None
        Target number of social spaces; ``None`` means as many as the floor allows (max-p).
    contiguity : {"rook", "queen"}
        Which grid cells touch: edges only (rook) or corners too (queen).
    bridge_distance : float
        Metres up to which separated settlements are joined to their nearest neighbour.
    barrier_weight : float
        Extra cost factor of a grid edge that crosses a barrier line (0 = barriers ignored).
    compactness_weight : float
        Weight of the compactness term in local search (0 = homogeneity only). 0.1 is the
        knee of the trade-off measured on the sample county (isoperimetric quotient of the
        published polygons 0.36 -> 0.41 mean, 0.08 -> 0.20 min, for R2 0.566 -> 0.562;
        0.3: 0.43 for 0.558; 1.0: 0.45 for 0.553).
    nested : bool
        Keep social spaces within municipal borders.
    seed : int
        Seed of every random choice; the same inputs and seed give the same result.
    """

    min_population: int = 2500
    max_population: int | None = 15000
    n_regions: int | None = None
    contiguity: str = "rook"
    bridge_distance: float = 5000.0
    barrier_weight: float = 1.0
    compactness_weight: float = 0.1
    nested: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if self.min_population < 1:
            raise ConfigError(f"min_population must be at least 1, got {self.min_population}")
        if self.max_population is not None and self.max_population < self.min_population:
            raise ConfigError(
                f"max_population ({self.max_population}) is below min_population "
                f"({self.min_population})"
            )
        if self.n_regions is not None and self.n_regions < 1:
            raise ConfigError(f"n_regions must be at least 1 or null, got {self.n_regions}")
        if self.contiguity not in CONTIGUITY_KINDS:
            raise ConfigError(
                f"contiguity must be one of {CONTIGUITY_KINDS}, got {self.contiguity!r}"
            )
        for name in ("bridge_distance", "barrier_weight", "compactness_weight"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}")

    def replace(self, **changes: Any) -> RegionParameters:
        """Return a copy with some parameters changed (validated again)."""
        return dataclasses.replace(self, **changes)


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

    def input_files(self) -> dict[str, Path]:
        """All input files by role, e.g. ``zensus:Bevoelkerungszahl`` or ``vg250``."""
        files = {f"zensus:{topic}": path for topic, path in self.zensus.items()}
        for role in ("vg250", "income", "sgb2", "barriers"):
            path = getattr(self, role)
            if path is not None:
                files[role] = path
        return files


def default_config_path() -> Path:
    """The county file in use: ``$SOZIALRAUM_COUNTIES`` or ``counties.yaml`` in the repo."""
    env = os.environ.get("SOZIALRAUM_COUNTIES")
    return Path(env).resolve() if env else REPO_ROOT / "counties.yaml"


def processed_dir(county_key: str, root: Path | None = None) -> Path:
    """Folder of a county's outputs: ``data/processed/<county>/`` (or under ``root``)."""
    base = (
        root
        if root is not None
        else Path(os.environ.get("SOZIALRAUM_PROCESSED", REPO_ROOT / "data" / "processed"))
    )
    return Path(base) / county_key


_REQUIRED = ("name", "ags", "zensus", "vg250")
_KNOWN = set(_REQUIRED) | {"income", "sgb2", "barriers", "parameters", "options"}
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
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(f"{path}: county configuration file not found") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from err
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
    ags = str(entry["ags"])
    if not re.fullmatch(r"\d{5}", ags):
        raise ConfigError(f"{where}: 'ags' must be a 5-digit Kreisschlüssel, got {ags!r}")
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

    return County(
        key=key,
        name=str(entry["name"]),
        ags=ags,
        zensus={str(t): resolve(p) for t, p in entry["zensus"].items()},
        vg250=resolve(entry["vg250"]),
        income=resolve(entry.get("income")),
        sgb2=resolve(entry.get("sgb2")),
        barriers=resolve(entry.get("barriers")),
        parameters=parameters,
        options=dict(entry.get("options") or {}),
    )
