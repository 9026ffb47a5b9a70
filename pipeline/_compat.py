"""Optional compiled kernels: the one place that imports numba.

The regionalization kernels are written in the subset of Python that numba compiles. With
numba installed (a project dependency) they are compiled once and cached on disk
(``cache=True``), with ``fastmath`` off so that results are the same bit for bit on every
run. Without numba the same functions run as plain Python: correct, but far slower, which
:data:`HAS_NUMBA` lets callers report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["HAS_NUMBA", "NUMBA_VERSION", "njit"]

try:  # pragma: no cover - exercised by whichever branch the environment has
    import numba

    HAS_NUMBA = True
    NUMBA_VERSION: str | None = numba.__version__
except ImportError:  # pragma: no cover
    numba = None
    HAS_NUMBA = False
    NUMBA_VERSION = None


def njit(func: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``func`` in nopython mode, cached, without fastmath; identity without numba.

    Parameters
    ----------
    func : callable
        A kernel written in numba's supported subset of Python and NumPy.

    Returns
    -------
    callable
        The compiled dispatcher, or ``func`` itself when numba is not installed.
    """
    if numba is None:  # pragma: no cover
        return func
    return numba.njit(cache=True, fastmath=False, nogil=True)(func)
