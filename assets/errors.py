"""Bad input reported as such: the message and where, as a Dagster ``Failure``.

An asset that meets a file it cannot read, a county file it cannot use, constraints no
partition can meet or a GeoPackage someone edits raises one of the domain's errors; the
:func:`reported` wrapper turns it into :class:`dagster.Failure`, whose description the UI
shows as the step's failure, with the file, line, feature and column as metadata, instead
of an error from inside Dagster with the domain error as its cause.
"""

import functools
import inspect
from collections.abc import Callable
from typing import Any

from dagster import Failure, MetadataValue

from pipeline.errors import CatalogError, ConfigError, InfeasibleError, InputError
from pipeline.publish import PublishError, TilingError

#: The domain's errors that mean "the input or the configuration is wrong".
USER_ERRORS = (InputError, ConfigError, CatalogError, InfeasibleError, PublishError, TilingError)


def _failure(err: Exception) -> Failure:
    where = {k: getattr(err, k) for k in ("path", "line", "feature", "column")
             if getattr(err, k, None) is not None}
    metadata = {k: MetadataValue.text(str(v)) for k, v in where.items()}
    return Failure(description=str(err), metadata=metadata | {
        "error": MetadataValue.text(type(err).__name__)}, allow_retries=False)


def reported(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an asset body (function or generator) so domain errors become ``Failure``."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator(*args: Any, **kwargs: Any):
            try:
                yield from fn(*args, **kwargs)
            except USER_ERRORS as err:
                raise _failure(err) from None

        return generator

    @functools.wraps(fn)
    def function(*args: Any, **kwargs: Any):
        try:
            return fn(*args, **kwargs)
        except USER_ERRORS as err:
            raise _failure(err) from None

    return function
