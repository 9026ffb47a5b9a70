"""Bad input reported as such: the message and where, without a stack trace.

An asset that meets a file it cannot read, a county file it cannot use, constraints no
partition can meet or a GeoPackage someone edits raises one of the domain's errors; the
:func:`reported` wrapper re-raises it as a :class:`Reported` copy of the same name and
message that carries no traceback. Dagster records it as a user-code error with this
copy as its cause; the UI leaves out the framework's stack for such errors and shows the
cause's message alone, because its stack is empty: where the input is wrong (file, line,
feature, column) is in the message, and a stack trace would only say where *we* noticed.
Unexpected errors keep their full stack trace: they are bugs to report.
"""

import functools
import inspect
from collections.abc import Callable
from typing import Any

from pipeline.errors import CatalogError, ConfigError, InfeasibleError, InputError
from pipeline.publish import PublishError, TilingError

#: The domain's errors that mean "the input or the configuration is wrong".
USER_ERRORS = (InputError, ConfigError, CatalogError, InfeasibleError, PublishError, TilingError)

#: Where an error says the input is wrong, as attributes of the domain's errors.
WHERE = ("path", "line", "feature", "column")


class Reported(Exception):
    """A domain error as the step's failure: its message and where, no traceback."""

    where: dict[str, str]

    @property  # type: ignore[override]
    def __traceback__(self):
        # read by ``traceback`` when Dagster serializes the cause: no frames to show
        return None

    @__traceback__.setter
    def __traceback__(self, value) -> None:
        pass


_CLASSES: dict[type, type[Reported]] = {}


def reported_error(err: Exception) -> Reported:
    """A :class:`Reported` copy of ``err``: same class name and message, ``where`` kept."""
    cls = type(err)
    if cls not in _CLASSES:
        _CLASSES[cls] = type(cls.__name__, (Reported,), {"__module__": cls.__module__,
                                                         "__qualname__": cls.__qualname__})
    copy = _CLASSES[cls](str(err))
    copy.where = {k: str(getattr(err, k)) for k in WHERE if getattr(err, k, None) is not None}
    return copy


def reported(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an asset body (function or generator) so domain errors fail without a stack."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator(*args: Any, **kwargs: Any):
            try:
                yield from fn(*args, **kwargs)
            except USER_ERRORS as err:
                raise reported_error(err) from None

        return generator

    @functools.wraps(fn)
    def function(*args: Any, **kwargs: Any):
        try:
            return fn(*args, **kwargs)
        except USER_ERRORS as err:
            raise reported_error(err) from None

    return function
