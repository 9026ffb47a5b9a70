"""Indicators: per cell from a catalog, stabilised; the clustering matrix; profiles.

The indicators are data: ``pipeline/indicators/catalog.yaml`` lists each one with its labels,
theme, kind, source, level, unit, index direction and clustering weight (see the comment
at the top of that file). A county changes the set in its configuration, never in code::

    options:
      indicators:
        disable: [anteil_80plus]            # switch off
        weights: {anteil_unter6: 2.0}       # clustering weights
        directions: {anteil_auslaender: 1}  # signs in the social index
        extra:                              # own indicators from a CSV
          - {path: laerm.csv, key: cell, column: laerm_db, indicator: laerm,
             label_de: Straßenlärm, unit: dB, weight: 1.0}
          - {path: kita.csv, key: municipality, id_column: AGS, indicator: kitaplaetze_gem,
             kind: share, numerator: plaetze, cell_base: "{unter5} + {a5bis9} / 5"}
        stabilize: {method: eb, k: 2, strength: 1.0}
        clustering: {standardize: zscore, whiten: false, correlation_threshold: 0.9}
        dashes: {impute_bands: true, rates_as_zero: true}   # en-dash rules (see below)

Every indicator is computed as a ratio of two additive quantities per cell, kept beside
the value (``<key>_num``, ``<key>_den``), so that any aggregation is a ratio of sums
(:mod:`pipeline.indicators.profiles`):

========================  =============================  ==============================
kind                      numerator                      denominator
========================  =============================  ==============================
share (clipped to [0,1])  sum of counts                  sum of counts
ratio                     sum of counts x scale          sum of counts
mean                      published mean x base          base (e.g. rented dwellings)
rate_published            percent / 100 x base           base (e.g. residents)
density                   count                          cell area in km2
municipality level        allocated municipal count      allocated municipal base
========================  =============================  ==============================

En dashes come from the reader as count 0 and mean NaN. Two rules of the catalog's
``prepare`` section refine that before anything is computed (:func:`prepare_cells`): age
bands, which publish nothing below 3, get their cell's unexplained remainder back
(spread over the dashed bands, at most 2 each), and published percentages whose dash
means "exactly 0" (foreigners, owner-occupancy, vacancy) become 0 where the cell has a
base. A value is missing where its topic does not list the cell, its base is 0 or its mean
is an en dash; missing values stay NaN and are counted per indicator
(:func:`summarize_indicators`). Municipal values are spread to cells by
:mod:`pipeline.indicators.spreading` and carry keys ending in ``_gem``.

Before clustering, cell rates and means are stabilised by empirical-Bayes shrinkage
towards their k-ring neighbourhood (:mod:`pipeline.indicators.shrinkage`); cells without a usable
value take their neighbourhood's value there, counted as ``filled``. The clustering matrix
(:func:`build_clustering_matrix`) standardizes and weights the stabilised values.

Columns of the indicator table: ``cell_id``, ``x``, ``y``, ``ags``, ``Einwohner``, then
per indicator ``<key>`` (stabilised; what clustering uses), ``<key>_raw`` (as computed),
``<key>_num`` and ``<key>_den``.
"""

from pipeline.indicators.catalog import (
    CATALOG_PATH,
    DIRECTIONS,
    EXPRESSION_FIELDS,
    KINDS,
    LEVELS,
    MUNICIPAL_SUFFIX,
    SHARE_UNIT,
    SOURCES,
    THEMES,
    Catalog,
    DashBands,
    DashZero,
    Indicator,
    load_catalog,
)
from pipeline.indicators.compute import (
    ID_COLUMNS,
    CellIndicators,
    compute_cell_indicators,
    compute_components,
    indicator_violations,
    missing_indicators,
    prepare_cells,
    stabilize_indicators,
    summarize_indicators,
)
from pipeline.indicators.expressions import (
    Expression,
    resolve_column,
)
from pipeline.indicators.matrix import (
    ClusteringMatrix,
    build_clustering_matrix,
    weight_columns,
)
from pipeline.indicators.options import (
    STANDARDIZE_METHODS,
    ClusteringParams,
    ExtraSource,
    IndicatorOptions,
    attach_extras,
    county_catalog,
    parse_options,
)
from pipeline.indicators.profiles import (
    CLASSIFY_METHODS,
    STATUS_CLASSES,
    ProfileParams,
    build_profiles,
    classify_status,
)
from pipeline.indicators.sgb2_rate import (
    RATE_DENOMINATORS,
    RATE_NUMERATORS,
    sgb2_rate_catalog,
)
from pipeline.indicators.shrinkage import (
    PRIOR_VARIANCES,
    STABILIZE_METHODS,
    VARIANCE_MODELS,
    Stabilized,
    StabilizeParams,
    grid_ring,
    ring_matrix,
    stabilize_rate,
)
from pipeline.indicators.spreading import (
    Spread,
    merge_municipal,
    municipal_mismatches,
    spread_municipal,
    sum_by_municipality,
)
from pipeline.indicators.typology import (
    TYPOLOGY_METHODS,
    Typology,
    TypologyParams,
    add_types,
    build_typology,
    describe_types,
)

__all__ = [
    "CATALOG_PATH",
    "CLASSIFY_METHODS",
    "Catalog",
    "CellIndicators",
    "ClusteringMatrix",
    "ClusteringParams",
    "DIRECTIONS",
    "DashBands",
    "DashZero",
    "EXPRESSION_FIELDS",
    "Expression",
    "ExtraSource",
    "ID_COLUMNS",
    "Indicator",
    "IndicatorOptions",
    "KINDS",
    "LEVELS",
    "MUNICIPAL_SUFFIX",
    "PRIOR_VARIANCES",
    "ProfileParams",
    "RATE_DENOMINATORS",
    "RATE_NUMERATORS",
    "SHARE_UNIT",
    "SOURCES",
    "STABILIZE_METHODS",
    "STANDARDIZE_METHODS",
    "STATUS_CLASSES",
    "Spread",
    "StabilizeParams",
    "Stabilized",
    "THEMES",
    "TYPOLOGY_METHODS",
    "Typology",
    "TypologyParams",
    "VARIANCE_MODELS",
    "add_types",
    "attach_extras",
    "build_clustering_matrix",
    "build_profiles",
    "build_typology",
    "classify_status",
    "compute_cell_indicators",
    "compute_components",
    "describe_types",
    "county_catalog",
    "grid_ring",
    "indicator_violations",
    "load_catalog",
    "merge_municipal",
    "missing_indicators",
    "municipal_mismatches",
    "parse_options",
    "prepare_cells",
    "resolve_column",
    "ring_matrix",
    "sgb2_rate_catalog",
    "spread_municipal",
    "stabilize_indicators",
    "stabilize_rate",
    "sum_by_municipality",
    "summarize_indicators",
    "weight_columns",
]
