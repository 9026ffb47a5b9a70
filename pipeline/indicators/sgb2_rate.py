"""The county's choice of the SGB II rate: which BA count over which residents.

The catalog's ``sgb2_quote_gem`` divides the Regelleistungsberechtigte (RLB) by the Zensus
residents under 65, summed per municipality. Some BA tables count persons in
Bedarfsgemeinschaften (PersBG) instead, and some carry the residents below the statutory
retirement age ("Bevölkerung unter Altersgrenze") themselves. A county chooses in its file::

    sgb2:
      rate: {numerator: sgb2_persons_in_bg, denominator: population_below_limit}

and :func:`sgb2_rate_catalog` returns the catalog with that entry changed. A municipal
denominator replaces the Zensus base as the denominator only: the Zensus cells under 65
still spread the municipal value to the cells.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.errors import CatalogError
from pipeline.indicators.catalog import Catalog
from pipeline.indicators.expressions import Expression

__all__ = ["RATE_DENOMINATORS", "RATE_KEY", "RATE_NUMERATORS", "sgb2_rate_catalog"]

#: The catalog entry whose numerator and denominator a county chooses.
RATE_KEY = "sgb2_quote_gem"
#: Counts of persons the rate may put over the residents (``read_sgb2`` columns).
RATE_NUMERATORS = ("sgb2_persons", "sgb2_persons_in_bg", "sgb2_employable",
                   "sgb2_non_employable")
#: Denominators: None for the Zensus residents under 65 (the catalog's ``cell_base``), or a
#: municipal column of ``read_sgb2``.
RATE_DENOMINATORS = (None, "population_below_limit")

_NUMERATOR_TEXT = {
    "sgb2_persons": "Persons entitled to SGB II benefits (Regelleistungsberechtigte, RLB)",
    "sgb2_persons_in_bg": "Persons in SGB II Bedarfsgemeinschaften (PersBG)",
    "sgb2_employable": "Employable persons entitled to SGB II benefits (ELB)",
    "sgb2_non_employable": "Non-employable persons entitled to SGB II benefits (NEF)",
}
_DENOMINATOR_TEXT = {
    None: "residents below retirement age, approximated as under 65 (Zensus cells summed "
          "per municipality)",
    "population_below_limit": "residents below the statutory retirement age as the BA "
                              "table gives them (Bevölkerung unter Altersgrenze)",
}


def sgb2_rate_catalog(
    catalog: Catalog, *, numerator: str = "sgb2_persons", denominator: str | None = None
) -> Catalog:
    """The catalog with the SGB II rate (``sgb2_quote_gem``) over the chosen counts.

    Parameters
    ----------
    catalog : Catalog
        The indicator catalog (:func:`~pipeline.indicators.load_catalog`, or a county's).
    numerator : str, default "sgb2_persons"
        One of :data:`RATE_NUMERATORS`: the BA count of persons (RLB, PersBG, ELB, NEF).
    denominator : str or None, default None
        None: the Zensus residents under 65 summed per municipality (the catalog's
        ``cell_base``); or a municipal column of :data:`RATE_DENOMINATORS`
        (``population_below_limit``). The ``cell_base`` stays the key that spreads the
        municipal value to the cells.

    Returns
    -------
    Catalog
        A new catalog; the input is not changed. A catalog without ``sgb2_quote_gem``
        (switched off by the county) is returned as it is.

    Raises
    ------
    TypeError
        ``catalog`` is not a Catalog.
    CatalogError
        ``numerator`` or ``denominator`` not among the allowed values (a ``ValueError``;
        the message names ``sgb2: rate:`` and the allowed values).

    Examples
    --------
    >>> from pipeline.indicators import load_catalog
    >>> rate = sgb2_rate_catalog(load_catalog(), numerator="sgb2_persons_in_bg",
    ...                          denominator="population_below_limit")["sgb2_quote_gem"]
    >>> rate.numerator.text, rate.denominator.text
    ('{sgb2_persons_in_bg}', '{population_below_limit}')
    """
    if not isinstance(catalog, Catalog):
        raise TypeError(f"catalog must be a Catalog, got {type(catalog).__name__}")
    if numerator not in RATE_NUMERATORS:
        raise CatalogError(f"sgb2: rate: numerator must be one of {RATE_NUMERATORS}, "
                           f"got {numerator!r}")
    if denominator not in RATE_DENOMINATORS:
        raise CatalogError(f"sgb2: rate: denominator must be one of {RATE_DENOMINATORS} "
                           "(None: Zensus residents under 65), got "
                           f"{denominator!r}")
    if RATE_KEY not in catalog:
        return catalog
    rate = catalog[RATE_KEY]
    changed = replace(
        rate,
        numerator=Expression.parse(numerator),
        denominator=None if denominator is None else Expression.parse(denominator),
        note=(f"{_NUMERATOR_TEXT[numerator]} over {_DENOMINATOR_TEXT[denominator]}. "
              "Municipal value: cells carry their municipality's rate; never a cell "
              "measurement."),
    )
    changed.validate("sgb2: rate")
    return replace(catalog, indicators=tuple(changed if i.key == RATE_KEY else i
                                             for i in catalog))
