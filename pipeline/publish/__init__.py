"""Publish: the social spaces as a county shows them: polygons, names, GeoPackage, report.

The polygons tile the county (:mod:`~pipeline.publish.tiling`), carry their ID
(:mod:`~pipeline.publish.ids`) and a readable name (:mod:`~pipeline.publish.names`);
:func:`~pipeline.publish.publication.build_publication` assembles every layer, style and
metadata table once, and the writers (:mod:`~pipeline.publish.geopackage`,
:mod:`~pipeline.publish.styles`, :mod:`~pipeline.publish.exports`,
:mod:`~pipeline.publish.report`, :mod:`~pipeline.publish.atlas`) replace each file
atomically.
"""

from pipeline.publish.atlas import build_atlas, write_atlas
from pipeline.publish.exports import (
    write_geojson,
    write_profiles_csv,
)
from pipeline.publish.geopackage import (
    LayerStyle,
    PublishError,
    editing,
    publish_geopackage,
    read_layer_styles,
)
from pipeline.publish.ids import (
    ID_PATTERN,
    check_ids,
    format_id,
    id_number,
    region_ids,
)
from pipeline.publish.maps import (
    data_uri,
    preview_markdown,
    regions_preview_markdown,
    render_map,
)
from pipeline.publish.names import (
    NEXT_PLACE_SHARE,
    SECOND_PLACE_SHARE,
    keep_names,
    place_names,
    region_names,
)
from pipeline.publish.polygons import (
    social_space_polygons,
)
from pipeline.publish.publication import (
    MIN_CELL_RESIDENTS,
    SOURCES,
    Publication,
    build_publication,
    catalog_table,
    run_metadata,
)
from pipeline.publish.release import (
    KEEP_RELEASES,
    PROFILES_FILE,
    RELEASE_FILE,
    begin_release,
    current_release,
    read_release,
    releases,
    switch_release,
    write_release_record,
)
from pipeline.publish.report import (
    KEY_INDICATORS,
    LANGUAGES,
    build_report,
    write_report,
)
from pipeline.publish.styles import (
    PALETTE,
    STATUS_COLORS,
    TYPE_COLORS,
    categorized_qml,
    graduated_qml,
    line_qml,
    outline_qml,
    region_colors,
    write_qml,
)
from pipeline.publish.tiling import (
    TilingError,
    TilingReport,
    cell_squares,
    check_tiling,
    fill_grid,
    measure_tiling,
    region_polygons,
    tile_county,
)
from pipeline.publish.unit_tiling import (
    fill_units,
    measure_unit_tiling,
    tile_units,
    units_outline,
)

__all__ = [
    "ID_PATTERN",
    "KEEP_RELEASES",
    "KEY_INDICATORS",
    "LANGUAGES",
    "LayerStyle",
    "MIN_CELL_RESIDENTS",
    "NEXT_PLACE_SHARE",
    "PALETTE",
    "PROFILES_FILE",
    "Publication",
    "PublishError",
    "RELEASE_FILE",
    "SECOND_PLACE_SHARE",
    "SOURCES",
    "STATUS_COLORS",
    "TYPE_COLORS",
    "TilingError",
    "TilingReport",
    "begin_release",
    "build_atlas",
    "build_publication",
    "build_report",
    "catalog_table",
    "categorized_qml",
    "cell_squares",
    "check_ids",
    "check_tiling",
    "current_release",
    "data_uri",
    "editing",
    "fill_grid",
    "fill_units",
    "format_id",
    "graduated_qml",
    "id_number",
    "keep_names",
    "line_qml",
    "measure_tiling",
    "measure_unit_tiling",
    "outline_qml",
    "place_names",
    "preview_markdown",
    "publish_geopackage",
    "read_layer_styles",
    "read_release",
    "region_colors",
    "region_ids",
    "region_names",
    "region_polygons",
    "regions_preview_markdown",
    "releases",
    "render_map",
    "run_metadata",
    "social_space_polygons",
    "switch_release",
    "tile_county",
    "tile_units",
    "units_outline",
    "write_geojson",
    "write_profiles_csv",
    "write_atlas",
    "write_qml",
    "write_release_record",
    "write_report",
]
