"""Formulas of the catalog: arithmetic over ``{column}`` references, parsed once and checked.

A catalog entry's numerator, denominator, value or base is an expression such as
``{Unter18} + {a18bis29}`` or ``{durchschnMieteQM} * {Mietwohnungen}``; only numbers, column
references, ``+ - * /`` and parentheses are allowed, so a county's file can never run code.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import CatalogError

__all__ = ["Expression", "resolve_column"]

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
        return {ref: resolve_column(ref, frame, topic) for ref in self.refs}

    def evaluate(self, frame: pd.DataFrame, topic: str | None = None,
                 extra: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """Evaluate on the columns of ``frame`` (float64, NaN where any input is NaN)."""
        values = {}
        for i, ref in enumerate(self.refs):
            if extra is not None and ref in extra:
                values[f"_c{i}"] = np.asarray(extra[ref], dtype=np.float64)
                continue
            column = resolve_column(ref, frame, topic)
            if column is None:
                raise KeyError(f"column {ref!r} of expression {self.text!r} is not in the table")
            values[f"_c{i}"] = frame[column].to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = eval(self._code, {"__builtins__": {}}, values)  # noqa: S307 - AST checked
        out = np.broadcast_to(np.asarray(out, dtype=np.float64), (len(frame),)).copy()
        out[~np.isfinite(out)] = np.nan
        return out


def resolve_column(ref: str, frame: pd.DataFrame, topic: str | None) -> str | None:
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


