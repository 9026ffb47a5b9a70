"""Formatting for the report: values with units in German notation, ranks, status badges."""

from __future__ import annotations

import html

import numpy as np

from pipeline.publish.styles import STATUS_COLORS
from pipeline.publish.svg import german_number

__all__ = ["format_value"]


def format_value(v, unit: str) -> str:
    """An indicator value with its unit in German notation (``12,3 %``, ``6,03 €/m²``).

    Examples
    --------
    >>> format_value(0.123, "Anteil (0-1)"), format_value(6.031, "EUR/m²")
    ('12,3 %', '6,03 €/m²')
    >>> format_value(44459.8, "EUR"), format_value(None, "m²")
    ('44\u202f460 €', '–')
    """
    x = _float(v)
    if not np.isfinite(x):
        return "–"
    unit = unit or ""
    if unit.startswith("Anteil"):
        return f"{german_number(100 * x, 1)} %"
    known = {"EUR/m²": (2, "€/m²"), "EUR": (0, "€"), "m²": (1, "m²"), "Jahre": (1, "Jahre"),
             "Personen": (2, "Personen"), "Einwohner/km²": (0, "Ew./km²"),
             "je 100 Personen 20-64": (1, "je 100 Pers. 20–64")}
    if unit in known:
        digits, suffix = known[unit]
        return f"{german_number(x, digits)} {suffix}"
    digits = 0 if abs(x) >= 1000 else 2 if abs(x) < 10 else 1
    return f"{german_number(x, digits)} {unit}".strip()


def _float(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _num(v, digits: int) -> str:
    return german_number(_float(v), digits)


def _z(v) -> str:
    return german_number(_float(v), 2, sign=True)


def _rank(v) -> str:
    x = _float(v)
    return str(int(x)) if np.isfinite(x) else "–"


def _rank_of(v, n: int, t) -> str:
    x = _float(v)
    return t["rank_of"].format(r=int(x), n=n) if np.isfinite(x) else "–"


def _sort_value(v) -> str:
    x = _float(v)
    if isinstance(v, str):
        return v
    return "" if not np.isfinite(x) else repr(x)


def _status_name(v, t) -> str:
    x = _float(v)
    return t["status_names"][int(x) - 1] if np.isfinite(x) and 1 <= x <= 4 else "–"


def _status_badge(v, t) -> str:
    x = _float(v)
    if not (np.isfinite(x) and 1 <= x <= 4):
        return "–"
    light = " light" if int(x) in (2, 3) else ""
    return (f'<span class="badge{light}" style="background:{STATUS_COLORS[int(x) - 1]}">'
            f"{_e(_status_name(x, t))}</span>")


def _e(text) -> str:
    return html.escape(str(text), quote=True)
