"""Try bad inputs on the readers and the county file and print what the user sees.

``python -m tools.bad_inputs > docs/bad-inputs.md`` writes the table in ``docs/``: each
case is built in a temporary folder from a small file in the published layout, read with
the real reader, and the message it gives is printed as is (paths shortened to the file
name). Cases that need a whole run (checks, publishing) are listed with the test that
shows them.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

HEADER = "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner;werterlaeuternde_Zeichen\n"
ROWS = ("CRS3035RES100mN2689100E4337000;4337050;2689150;4;\n"
        "CRS3035RES100mN2689100E4337100;4337150;2689150;17;\n")
ZENSUS = "Zensus2022_Bevoelkerungszahl_100m-Gitter.csv"
BA = ("Statistik der Bundesagentur für Arbeit\n"
      "Gemeinde;Gemeindeschlüssel;Bedarfsgemeinschaften;Regelleistungsberechtigte;"
      "darunter: unter 15 Jahre;Erwerbsfähige Leistungsberechtigte;Arbeitslose\n"
      "Aldenhoven;05358004;456;901;234;612;398\n")
GENESIS_COUNTY = ("GENESIS-Tabelle: 73111-01-01-4\n"
                  ";;;Lohn- und Einkommensteuerpflichtige;Gesamtbetrag der Einkünfte\n"
                  ";;;Anzahl;Tsd. EUR\n2019;05358;Düren, Kreis;120345;4.567.890\n")
COUNTY = ("counties:\n  x:\n    name: X\n    zensus: {Bevoelkerungszahl: a.csv}\n"
          "    vg250: v.gpkg\n")

#: Cases shown by a test of a whole run rather than here: input, what the user sees, test.
RUN_CASES = [
    ("A counties file with several counties", "every county runs; checks read their own "
     "county's files", "tests/assets/test_pipeline.py"),
    ("Two runs of one county at once", "the second waits in the queue; each computes and "
     "publishes its own, in order", "tests/assets/test_webserver.py"),
    ("A run killed while it publishes", "marked failed by run monitoring; the last "
     "publication stays whole and current; the next run publishes",
     "tests/assets/test_webserver.py"),
    ("A BA row for a municipality the county does not have; 0 taxpayers",
     "warning check `matches_municipalities` naming the AGS", "tests/assets/test_ingest.py"),
    ("An income file without the county's municipalities", "blocking check fails: \"the "
     "income file holds no municipality of the county\"; no indicators computed",
     "tests/assets/test_ingest.py"),
    ("The GeoPackage open for editing in QGIS (rollback or WAL journal, writing or between "
     "saves)", "\"someone has the GeoPackage open for editing (...); close it in QGIS\"; "
     "nothing replaced", "tests/publish/test_geopackage.py"),
    ("`-wal`/`-shm` left by a reader", "no effect; removed with the old file",
     "tests/publish/test_geopackage.py"),
    ("Input files touched or moved, same content", "byte-identical publication",
     "tests/assets/test_pipeline.py"),
    ("`make ui` on a port in use", "\"port 3000 on 127.0.0.1 is already in use: ... make ui "
     "PORT=3001\"", "tests/assets/test_webserver.py"),
    ("Bad input in `make run`", "the step and the message (file, line, column), no stack "
     "trace; exit status 1", "tests/test_run.py"),
    ("Bad input in a run from the UI", "the step fails with the message (file, line, column) "
     "as its cause and no stack trace: Dagster's UI leaves out the framework's stack for "
     "user-code errors, and the cause carries none; unexpected errors keep theirs",
     "tests/assets/test_ingest.py"),
    ("A lock whose cells do not touch the social space it names", "the run fails before "
     "publishing: \"lock 'Fernlage' ties cells to SR-... that do not touch it: they would "
     "split SR-... in two; draw the lock so that it borders SR-...\"; the publication "
     "stays as it was", "tests/assets/test_locks.py"),
    ("A lock naming an unknown ID, or moving cells into or out of a frozen space",
     "\"lock '...' names SR-05399-999, which is not a social space\" / \"... which is "
     "frozen\"; nothing drawn", "tests/operations/test_maintenance.py"),
    ("A county file that cannot be used, in `make run` / `make ui`", "the message, no "
     "traceback; exit status 2, nothing started", "tests/test_run.py, "
     "tests/assets/test_webserver.py"),
]


def _zensus(tmp: Path, text: str | bytes, name: str = ZENSUS) -> Path:
    path = tmp / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def _cases(tmp: Path) -> list[tuple[str, Callable[[], object]]]:
    from pipeline.operations.counties import load_counties
    from pipeline.readers import join_topics, read_income, read_sgb2, read_unit_layer, read_zensus

    def county(extra: str) -> Callable[[], object]:
        path = tmp / "counties.yaml"
        return lambda: (path.write_text(COUNTY + extra, encoding="utf-8"), load_counties(path))

    def vg250_declared_3035() -> object:
        import geopandas as gpd
        import shapely

        from pipeline.readers import read_municipalities

        path = tmp / "DE_VG250.gpkg"
        gpd.GeoDataFrame(
            {"AGS": ["05358004"], "GEN": ["Aldenhoven"], "BEZ": ["Gemeinde"], "GF": [4]},
            geometry=[shapely.box(310_000, 5_630_000, 312_000, 5_632_000)], crs="EPSG:3035",
        ).to_file(path, layer="vg250_gem", driver="GPKG")
        return read_municipalities(path, "05358")

    def truncated_zip() -> Path:
        path = tmp / "Zensus2022_Bevoelkerungszahl.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(ZENSUS, HEADER + ROWS)
        path.write_bytes(path.read_bytes()[:-40])
        return path

    def places_without_name() -> object:
        import geopandas as gpd
        import shapely

        from pipeline.readers import read_places

        path = tmp / "ortsteile.gpkg"
        gpd.GeoDataFrame({"OT_KUERZEL": ["BIR"], "Gemeinde": ["Düren"]},
                         geometry=[shapely.Point(322_000, 5_632_000)], crs="EPSG:25832",
                         ).to_file(path, layer="ortsteile", driver="GPKG")
        return read_places(path)

    def facilities(text: str) -> Callable[[], object]:
        def build() -> object:
            from pipeline.readers import read_facilities

            path = tmp / "einrichtungen.csv"
            path.write_text(text, encoding="utf-8")
            return read_facilities(path)

        return build

    def lock(**fields) -> Callable[[], object]:
        def build() -> object:
            import geopandas as gpd
            import shapely

            from pipeline.readers import read_locks

            path = tmp / "fixierungen.gpkg"
            gpd.GeoDataFrame({k: [v] for k, v in fields.items()},
                             geometry=[shapely.box(0, 0, 100, 100)], crs="EPSG:25832",
                             ).to_file(path, layer="fixierungen", driver="GPKG")
            return read_locks(path)

        return build

    def blocks_without_field() -> object:
        import geopandas as gpd
        import shapely

        path = tmp / "bloecke.gpkg"
        gpd.GeoDataFrame({"block_id": ["1"], "EW": [12]},
                         geometry=[shapely.box(0, 0, 100, 100)], crs="EPSG:25832",
                         ).to_file(path, layer="bloecke", driver="GPKG")
        return read_unit_layer(path, "block_id", {"Einwohner": "Einwohner_gesamt"})

    return [
        ("Zensus: a fraction in a count column",
         lambda: read_zensus(_zensus(tmp, HEADER + ROWS.replace(";17;", ";17,5;")))),
        ("GENESIS: the county-level table (-4) given as the municipal income table",
         lambda: read_income(_zensus(tmp, GENESIS_COUNTY.encode("latin-1"),
                                     "73111-01-01-4.csv"))),
        ("BA: an Excel 97-2003 workbook (.xls)",
         lambda: read_sgb2(_zensus(tmp, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
                                   "sgb2.xls"))),
        ("Units: the residents' field named in `units: columns:` is not in the layer",
         blocks_without_field),
        ("Zensus: negative residents",
         lambda: read_zensus(_zensus(tmp, HEADER + ROWS.replace(";17;", ";-17;")))),
        ("Zensus: a letter in a count",
         lambda: read_zensus(_zensus(tmp, HEADER + ROWS.replace(";17;", ";1T;")))),
        ("Zensus: comma as separator",
         lambda: read_zensus(_zensus(tmp, (HEADER + ROWS).replace(";", ",")))),
        ("Zensus: `Einwohner` renamed",
         lambda: join_topics({"Bevoelkerungszahl": read_zensus(
             _zensus(tmp, (HEADER + ROWS).replace("Einwohner", "Bewohner")))})),
        ("Zensus: the header only",
         lambda: join_topics({"Bevoelkerungszahl": read_zensus(_zensus(tmp, HEADER))})),
        ("Zensus: a truncated ZIP", lambda: read_zensus(truncated_zip())),
        ("Zensus: saved as UTF-16 (Excel \"Unicode text\")",
         lambda: read_zensus(_zensus(tmp, (HEADER + ROWS).encode("utf-16")))),
        ("Zensus: the same cell twice",
         lambda: read_zensus(_zensus(tmp, HEADER + ROWS + ROWS.splitlines()[0] + "\n"))),
        ("VG250: UTM coordinates declared as EPSG:3035", vg250_declared_3035),
        ("BA: a letter in a count",
         lambda: read_sgb2(_zensus(tmp, BA.replace(";456;", ";4S6;"), "sgb2.csv"))),
        ("BA: a heading set in the county file that is not in the table",
         lambda: read_sgb2(_zensus(tmp, BA, "sgb2.csv"),
                           columns={"unemployed": "Arbeitsuchende"})),
        ("Places: a layer without a name field", places_without_name),
        ("Facilities: a table without a kind column",
         facilities("Einrichtung;Lon;Lat\nKita Mitte;6,48;50,80\n")),
        ("Facilities: a coordinate that is not a number",
         facilities("Art;Name;Lon;Lat\nKita;Kita Mitte;6,48;50,80\nSchule;GS Nord;6.49 E;50,81\n")),
        ("Locks: a lock with neither `sr_id` nor `gruppe`",
         lock(sr_id=None, gruppe=None, name="Schulweg")),
        ("Locks: an `sr_id` that is not an ID", lock(sr_id="Birkesdorf", name="Am Bahnhof")),
        ("County file: `freeze:` with a name instead of an ID",
         county("    ags: '05358'\n    freeze: [Birkesdorf]\n")),
        ("County file: `ags: 05314` without quotes", county("    ags: 05314\n")),
        ("County file: `min_population: \"2500\"`",
         county("    ags: '05358'\n    parameters: {min_population: '2500'}\n")),
        ("County file: `bridge_distance: 5 km`",
         county("    ags: '05358'\n    parameters: {bridge_distance: 5 km}\n")),
        ("County file: an unknown key", county("    ags: '05358'\n    zensu: {}\n")),
    ]


def main() -> int:
    """Print the markdown table of every case."""
    print("# Bad inputs and what the user sees\n")
    print("Written by `python -m tools.bad_inputs > docs/bad-inputs.md` from the real readers; "
          "paths shortened to file names. Every message names the file and, where there is "
          "one, the line or feature and the column.\n")
    print("| input | what the user sees |\n|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for title, case in _cases(tmp):
            try:
                case()
                seen = "(accepted)"
            except Exception as err:  # noqa: BLE001 - every error is shown as the user sees it
                seen = f"`{type(err).__name__}`: {str(err).replace(folder + '/', '')}"
            print(f"| {title} | {re.sub(r'[|]', '/', seen)} |")
    print("\nShown by a whole run (each in the test named):\n")
    print("| input | what the user sees | test |\n|---|---|---|")
    for title, seen, test in RUN_CASES:
        print(f"| {title} | {seen} | `{test}` |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
