"""Compare the sample county's published files with those of an earlier commit.

``python -m tools.compare_published REF [--against REF2]`` (``make compare REF=... [NEW=...]``)
unpacks ``REF`` into a temporary folder, runs its pipeline and the working tree's (or
``REF2``'s) on the same generated sample
inputs (the very same files, so input hashes and times agree), each in process on a fresh
Dagster instance and output folder, and compares every published file byte for byte:
the GeoPackage, the QML styles, ``profile.csv``, the GeoJSON and the report. A file that
differs only in ISO timestamps is reported as such; for a GeoPackage that differs, the
tables that differ are named. Exit status 0 when everything is identical.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from pipeline.layout import PUBLISHED_FILES, REPO_ROOT

#: Runs every asset and check of a code location for one partition, in process.
_RUN = """
import sys
module = __import__(sys.argv[1], fromlist=["defs"])
defs = module.defs
repo = defs.get_repository_def()
job = repo.get_implicit_global_asset_job_def()
from dagster import AssetSelection
# the county's assets only: scenarios (group "scenarios") have partitions of their own
county = AssetSelection.all() - AssetSelection.groups("scenarios")
result = job.execute_in_process(partition_key=sys.argv[2], raise_on_error=False,
                                asset_selection=list(county.resolve(repo.asset_graph)))
sys.exit(0 if result.success else 1)
"""
_TIMESTAMP = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?")


def main(argv: list[str] | None = None) -> int:
    """Run both versions and print one line per published file; 0 if all are identical."""
    parser = argparse.ArgumentParser(prog="python -m tools.compare_published",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("ref", help="the commit to compare with, e.g. 8d0ee49")
    parser.add_argument("--against", help="compare with this commit instead of the working tree")
    parser.add_argument("--county", default="sample")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="compare_published_"))
    old_tree = _unpack(args.ref, tmp / "ref")
    old = _run(old_tree, tmp / "old", args.county)
    new_tree = _unpack(args.against, tmp / "against") if args.against else REPO_ROOT
    new = _run(new_tree, tmp / "new", args.county)
    label = args.against or "the working tree"
    print(f"published by {args.ref} in {old}\npublished by {label} in {new}")
    same = all(_compare(old / name, new / name) for name in _published(old, new))
    print("IDENTICAL" if same else "DIFFERENT")
    if not args.keep:
        subprocess.run(["rm", "-rf", str(tmp)], check=False)
    return 0 if same else 1


def _unpack(ref: str, target: Path) -> Path:
    """The files of ``ref`` in ``target``, the working tree's sample inputs linked in."""
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", ref], cwd=REPO_ROOT,
                             capture_output=True, check=True).stdout
    archive_path = target.with_suffix(".tar")
    archive_path.write_bytes(archive)
    with tarfile.open(archive_path) as tar:
        tar.extractall(target, filter="data")
    sample = target / "data" / "raw" / "sample"
    subprocess.run(["rm", "-rf", str(sample)], check=True)
    sample.symlink_to(REPO_ROOT / "data" / "raw" / "sample", target_is_directory=True)
    return target


def _run(tree: Path, out: Path, county: str) -> Path:
    """Run the code location of ``tree`` for ``county`` into ``out``; the county's folder."""
    module = ("assets.definitions" if (tree / "assets" / "definitions.py").exists()
              else "pipeline.definitions")
    home = out / "dagster_home"
    home.mkdir(parents=True)
    env = os.environ | {"PYTHONPATH": str(tree), "DAGSTER_HOME": str(home),
                        "SOZIALRAUM_PROCESSED": str(out / "processed"),
                        "SOZIALRAUM_COUNTIES": str(tree / "counties.yaml"),
                        "PYTHONHASHSEED": "0"}
    proc = subprocess.run([sys.executable, "-c", _RUN, module, county], cwd=tree, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"the run of {tree} failed:\n{proc.stderr[-4000:]}")
    return out / "processed" / county


def _published(old: Path, new: Path) -> list[str]:
    names = {p.name for folder in (old, new) for p in folder.glob("*.qml")}
    return [*PUBLISHED_FILES, *sorted(names)]


def _compare(old: Path, new: Path) -> bool:
    """Print how two published files compare; True when their bytes are identical."""
    if not old.exists() or not new.exists():
        print(f"MISSING    {old.name}: old {old.exists()}, new {new.exists()}")
        return False
    a, b = old.read_bytes(), new.read_bytes()
    if a == b:
        print(f"identical  {old.name} ({len(a):,} bytes)")
        return True
    if _TIMESTAMP.sub(b"<time>", a) == _TIMESTAMP.sub(b"<time>", b):
        print(f"timestamps {old.name}: equal with timestamps masked")
        return True
    detail = f"; tables differing: {', '.join(_gpkg_tables(old, new))}" \
        if old.suffix == ".gpkg" else ""
    print(f"DIFFERENT  {old.name} ({len(a):,} and {len(b):,} bytes){detail}")
    return False


def _gpkg_tables(old: Path, new: Path) -> list[str]:
    """Names of the SQLite tables whose rows differ between two GeoPackages."""
    def rows(path: Path) -> dict[str, list]:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            tables = [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
            return {t: con.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}

    a, b = rows(old), rows(new)
    return sorted(t for t in set(a) | set(b) if a.get(t) != b.get(t))


if __name__ == "__main__":
    raise SystemExit(main())
