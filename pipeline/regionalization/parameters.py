"""Parameters of the regionalization: one frozen, validated set per run.

The defaults are the practice values for a county like Düren; a county overrides them under
``parameters:`` in the county file and an analyst in the launchpad.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from pipeline.errors import ConfigError
from pipeline.graph import CONTIGUITY_KINDS

__all__ = ["PARAMETER_TYPES", "RegionParameters"]

#: What each parameter may be: a whole number, a number, a text, a yes/no, or null.
PARAMETER_TYPES: dict[str, tuple[str, ...]] = {
    "min_population": ("int",),
    "max_population": ("int", "null"),
    "n_regions": ("int", "null"),
    "contiguity": ("str",),
    "bridge_distance": ("number",),
    "barrier_weight": ("number",),
    "compactness_weight": ("number",),
    "nested": ("bool",),
    "seed": ("int",),
}
_WORDS = {"int": "a whole number", "number": "a number", "str": "a text", "bool": "true or false",
          "null": "null"}


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
        for name, allowed in PARAMETER_TYPES.items():
            _check_type(name, getattr(self, name), allowed)
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


def _check_type(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    """Raise naming the parameter when ``value`` is not of an allowed kind (no coercion)."""
    kinds = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "str": isinstance(value, str),
        "bool": isinstance(value, bool),
        "null": value is None,
    }
    if any(kinds[kind] for kind in allowed):
        return
    hint = ""
    if isinstance(value, str) and "str" not in allowed:
        hint = (" (read as text: write true or false)" if "bool" in allowed else
                " (read as text: write a plain number, without quotes or units)")
    raise ConfigError(f"{name} must be {' or '.join(_WORDS[k] for k in allowed)}, got "
                      f"{value!r}{hint}")
