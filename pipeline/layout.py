"""Where a county's outputs live: one home for the folder layout and the file names.

::

    data/processed/                the processed root ($SOZIALRAUM_PROCESSED)
        history.duckdb             every publish of every county
        <county>/
            sozialraeume.gpkg      the publication: GeoPackage, QGIS project, report, CSV,
            sozialraeume.qgz         GeoJSON, atlas and a QML style per layer, each a link
            sozialraumbericht.html   through releases/current (pipeline.publish.release)
            sozialraumbericht.pdf
            sozialraumatlas.html
            profile.csv
            sozialraeume.geojson
            <layer>.qml
            releases/<run>/        every file of one publication; current -> <run>
            steps/<asset>.parquet  the latest result of every step, for notebooks
            runs/<run>/            each run's own results (hard links into steps/)
            published/             the published state the next run starts from
            szenarien/<name>/      a scenario's proposal (GeoPackage, profile.csv; its
                                     own releases/, steps/, runs/), never published
            szenarien/vergleich.*  the scenarios side by side (CSV and map)

Paths are built here and nowhere else, so the assets, the IO manager, the history and the
command line agree on them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ATLAS",
    "ID_PATTERN",
    "FACILITY_LAYER",
    "LOCK_LAYER",
    "GEOJSON",
    "GEOPACKAGE",
    "HISTORY_DB",
    "PROCESSED_ENV",
    "PROFILES_CSV",
    "PUBLISHED_FILES",
    "QGIS_PROJECT",
    "REPO_ROOT",
    "REPORT",
    "REPORT_PDF",
    "SCENARIOS",
    "COLUMN_DESCRIPTIONS",
    "INDICATOR_COLUMN_SUFFIXES",
    "CountyLayout",
    "processed_root",
]

#: The stable ID of a social space: ``SR-<Kreisschlüssel>-<number, 3 digits or more>``.
ID_PATTERN = re.compile(r"SR-(?P<ags>\d{5})-(?P<number>\d{3,})")
#: Layer of the published GeoPackage (and default layer of ``locks:`` in the county file)
#: in which planners draw their locks in QGIS.
LOCK_LAYER = "fixierungen"
#: The GeoPackage point layer of the county's facilities (Kitas, schools, youth centres).
FACILITY_LAYER = "einrichtungen"

#: The repository (or the source tree of an editable install).
REPO_ROOT = Path(__file__).resolve().parent.parent
#: Environment variable naming the processed root.
PROCESSED_ENV = "SOZIALRAUM_PROCESSED"
#: The history database, one for all counties, under the processed root.
HISTORY_DB = "history.duckdb"
#: The published files of a county, in the order they are listed to users.
GEOPACKAGE = "sozialraeume.gpkg"
#: The QGIS project beside the GeoPackage (:mod:`pipeline.publish.qgis_project`).
QGIS_PROJECT = "sozialraeume.qgz"
REPORT = "sozialraumbericht.html"
#: The same report as a print-ready A4 PDF (:mod:`pipeline.publish.pdf`).
REPORT_PDF = "sozialraumbericht.pdf"
ATLAS = "sozialraumatlas.html"
PROFILES_CSV = "profile.csv"
GEOJSON = "sozialraeume.geojson"
PUBLISHED_FILES = (GEOPACKAGE, QGIS_PROJECT, REPORT, REPORT_PDF, ATLAS, PROFILES_CSV, GEOJSON)
#: Folder of a county's scenarios, and the comparison's files in it.
SCENARIOS = "szenarien"
COMPARISON_CSV = "vergleich.csv"
COMPARISON_MAP = "vergleich.png"


#: What the columns of the steps and the published layers hold, in German, for the Dagster
#: UI's column schemas (``assets.metadata.frame_metadata``) and anyone reading the tables.
#: Indicator columns are described from the catalog (label and unit), with the suffixes
#: below; the social index is the Sozialindex everywhere.
COLUMN_DESCRIPTIONS = {
    "cell_id": "ID der Zensus-Gitterzelle (100 m) oder der Einheit",
    "x": "Rechtswert der linken unteren Zellecke (EPSG:3035, m)",
    "y": "Hochwert der linken unteren Zellecke (EPSG:3035, m)",
    "ags": "Amtlicher Gemeindeschlüssel",
    "Einwohner": "Einwohnerinnen und Einwohner (Zensus 2022)",
    "region": "Laufende Nummer des Sozialraums in diesem Lauf (0 bis k-1)",
    "sr_id": "Stabile ID des Sozialraums (SR-<Kreisschlüssel>-<Nummer>)",
    "fixiert": "Zelle durch eine Fixierung oder ein Einfrieren festgehalten",
    "name": "Name",
    "gemeinde": "Gemeinde mit den meisten Einwohnern im Sozialraum",
    "gemeinden": "Gemeinden, die der Sozialraum berührt",
    "n_gemeinden": "Zahl der berührten Gemeinden",
    "anteil_hauptgemeinde": "Anteil der Einwohner in der Hauptgemeinde (0-1)",
    "einwohner": "Einwohnerinnen und Einwohner",
    "residents": "Einwohnerinnen und Einwohner",
    "cells": "Bewohnte Zellen bzw. Einheiten",
    "zellen": "Bewohnte Zellen bzw. Einheiten",
    "rasterzellen": "Gitterzellen der Fläche (bewohnt und unbewohnt)",
    "area_km2": "Fläche der bewohnten Zellen (km²)",
    "flaeche_km2": "Fläche (km²)",
    "besiedelt_km2": "Fläche der bewohnten Zellen (km²)",
    "kompaktheit": "Kompaktheit der Fläche (Polsby-Popper 4πA/U², 1 = Kreis)",
    "teile": "Zahl der Teilflächen des Polygons",
    "municipalities": "Gemeinden (AGS), die der Sozialraum berührt",
    "social_index": "Sozialindex: standardisiert, höher = mehr Bedarf",
    "status": "Klasse des Sozialindex (gering, mittel, hoch, sehr hoch)",
    "status_class": "Klasse des Sozialindex als Zahl (1 gering bis 4 sehr hoch)",
    "typ": "Typ des Sozialraums (Typologie, 1 bis k)",
    "typ_name": "Name des Typs",
    "farbe": "Füllfarbe der Karte",
    "geometry": "Geometrie (EPSG:25832)",
    "kind": "Art der Barriere",
    "head": "Einheit am einen Ende der Kante",
    "tail": "Einheit am anderen Ende der Kante",
    "cost": "Gewicht der Kante (höher über Barrieren)",
    "bridge": "Kante verbindet einen abgesetzten Ortsteil",
    "bez": "Bezeichnung der Gemeinde (VG250)",
    "ewz": "Einwohnerzahl der Gemeinde (VG250)",
    "lock": "Art der Fixierung",
    "gruppe": "Gruppe von Zellen, die zusammenbleiben",
    "bemerkung": "Bemerkung",
    "art": "Art der Einrichtung",
    "art_text": "Art der Einrichtung (Text)",
    "year": "Berichtsjahr",
}
#: Suffixes of the columns an indicator ``<key>`` brings, and what they hold.
INDICATOR_COLUMN_SUFFIXES = {
    "": "stabilisiert",
    "_raw": "Rohwert vor der Stabilisierung",
    "_num": "Zähler",
    "_den": "Nenner bzw. Basis",
    "_z": "z-Wert über die Sozialräume",
    "_rank": "Rang (1 = höchster Wert)",
}


def processed_root(root: str | os.PathLike | None = None) -> Path:
    """The processed root: ``root``, else ``$SOZIALRAUM_PROCESSED``, else ``data/processed``."""
    if root is not None:
        return Path(root)
    return Path(os.environ.get(PROCESSED_ENV, REPO_ROOT / "data" / "processed"))


@dataclass(frozen=True)
class CountyLayout:
    """The output paths of one county under a processed root.

    Examples
    --------
    >>> layout = CountyLayout("/data/processed", "dueren")
    >>> str(layout.geopackage)
    '/data/processed/dueren/sozialraeume.gpkg'
    >>> str(layout.step("cell_regions"))
    '/data/processed/dueren/steps/cell_regions.parquet'
    """

    root: Path
    county: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @classmethod
    def of(cls, county: str, root: str | os.PathLike | None = None) -> CountyLayout:
        """The layout of ``county`` under :func:`processed_root` (``root`` if given)."""
        return cls(processed_root(root), county)

    @property
    def folder(self) -> Path:
        """``<root>/<county>``: every file of the county."""
        return self.root / self.county

    @property
    def steps(self) -> Path:
        """Folder of the intermediate results."""
        return self.folder / "steps"

    def step(self, name: str) -> Path:
        """The Parquet file of one step (asset): the latest result of any run."""
        return self.steps / f"{name}.parquet"

    @property
    def runs(self) -> Path:
        """Folder of the runs' own step results."""
        return self.folder / "runs"

    def run_step(self, run_id: str, name: str) -> Path:
        """The Parquet file of one step as one run wrote it."""
        return self.runs / run_id / f"{name}.parquet"

    @property
    def published(self) -> Path:
        """Folder of the published state read by the next run."""
        return self.folder / "published"

    @property
    def releases(self) -> Path:
        """Folder of the publications, one folder per run, ``current`` the published one."""
        return self.folder / "releases"

    def release(self, run_id: str) -> CountyLayout:
        """The layout inside one release folder: the same file names, not yet published."""
        return CountyLayout(self.releases, run_id)

    @property
    def history(self) -> Path:
        """The history database shared by all counties."""
        return self.root / HISTORY_DB

    @property
    def geopackage(self) -> Path:
        """The styled GeoPackage."""
        return self.folder / GEOPACKAGE

    @property
    def qgis_project(self) -> Path:
        """The QGIS project opening the GeoPackage's layers, grouped and styled."""
        return self.folder / QGIS_PROJECT

    @property
    def report(self) -> Path:
        """The HTML Sozialraumbericht."""
        return self.folder / REPORT

    @property
    def report_pdf(self) -> Path:
        """The Sozialraumbericht as an A4 PDF."""
        return self.folder / REPORT_PDF

    @property
    def atlas(self) -> Path:
        """The offline interactive atlas (HTML)."""
        return self.folder / ATLAS

    @property
    def profiles_csv(self) -> Path:
        """The profiles for Excel."""
        return self.folder / PROFILES_CSV

    @property
    def geojson(self) -> Path:
        """The polygons for web maps."""
        return self.folder / GEOJSON

    def qml(self, layer: str) -> Path:
        """The QML style file beside the GeoPackage for one layer."""
        return self.folder / f"{layer}.qml"

    @property
    def scenarios(self) -> Path:
        """Folder of the county's scenarios and their comparison."""
        return self.folder / SCENARIOS

    def scenario(self, name: str) -> CountyLayout:
        """The layout of one scenario: the same file names in ``szenarien/<name>/``.

        Examples
        --------
        >>> str(CountyLayout("/data/processed", "dueren").scenario("gross").geopackage)
        '/data/processed/dueren/szenarien/gross/sozialraeume.gpkg'
        """
        return CountyLayout(self.scenarios, name)

    @property
    def comparison_csv(self) -> Path:
        """The scenarios' figures side by side, for Excel."""
        return self.scenarios / COMPARISON_CSV

    @property
    def comparison_map(self) -> Path:
        """The scenarios' maps side by side (PNG)."""
        return self.scenarios / COMPARISON_MAP

    def published_files(self) -> list[Path]:
        """The published files that exist, in :data:`PUBLISHED_FILES` order."""
        return [path for path in (self.folder / name for name in PUBLISHED_FILES)
                if path.exists()]
