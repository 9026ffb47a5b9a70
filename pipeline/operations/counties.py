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
from pipeline.layout import REPO_ROOT
from pipeline.regionalization.parameters import RegionParameters

__all__ = ["County", "default_config_path", "load_counties"]

#: Environment variable naming the county file (default ``counties.yaml`` in the repository).
COUNTIES_ENV = "SOZIALRAUM_COUNTIES"


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
        for role in ("vg250", "income", "sgb2", "barriers"):
            path = getattr(self, role)
            if path is not None:
                files[role] = path
        return files


def default_config_path() -> Path:
    """The county file in use: ``$SOZIALRAUM_COUNTIES`` or ``counties.yaml`` in the repo."""
    env = os.environ.get(COUNTIES_ENV)
    return Path(env).resolve() if env else REPO_ROOT / "counties.yaml"


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
        folder=base,
    )
