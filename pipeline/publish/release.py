"""A county's publication as one unit: written into a release folder, switched by one rename.

Every run writes its whole publication (GeoPackage, QML, CSV, GeoJSON, report as HTML and
PDF, the published state the next run starts from, and a ``release.json`` for the history)
into ``<county>/releases/<run_id>/``, where nobody looks. Publishing is then one
:func:`os.replace` of the symbolic link ``releases/current`` onto that folder; the files users
open (``<county>/sozialraeume.gpkg``, ...) are links through ``releases/current``, so they
all change at the same instant, and a run killed at any point leaves the last release
whole and current. Old releases are kept for a while (:data:`KEEP_RELEASES`) so that a
reader who has a file open keeps it; releases that never became current are removed when
the next one begins, with the temporary files a killed writer left in the county folder.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pipeline.files import process_alive
from pipeline.layout import CountyLayout

__all__ = [
    "KEEP_RELEASES",
    "PROFILES_FILE",
    "RELEASE_FILE",
    "begin_release",
    "current_release",
    "read_release",
    "releases",
    "switch_release",
    "write_release_record",
]

#: Releases kept besides the current one (readers may still have their files open).
KEEP_RELEASES = 2
#: The record of a release: run, parameters, figures and when it became current.
RELEASE_FILE = "release.json"
#: The profiles of a release, for the history.
PROFILES_FILE = "profiles.parquet"
#: The link that names the current release.
_CURRENT = "current"
#: A release folder without its record this much older than now was left by a killed run.
_STALE_SECONDS = 3600


def current_release(layout: CountyLayout) -> str | None:
    """The run ID of the current release, or None before the first publish."""
    link = layout.releases / _CURRENT
    return os.readlink(link) if link.is_symlink() else None


def releases(layout: CountyLayout, published: bool = False) -> list[str]:
    """Run IDs of the complete releases (with a record), oldest first.

    With ``published``, only those that became current (``published_at`` in the record, or
    the current one: a run may be killed between the switch and that note).
    """
    if not layout.releases.is_dir():
        return []
    found = [p for p in layout.releases.iterdir()
             if p.is_dir() and not p.is_symlink() and (p / RELEASE_FILE).exists()]
    names = [p.name for p in sorted(found, key=lambda p: (p / RELEASE_FILE).stat().st_mtime)]
    if published:
        current = current_release(layout)
        names = [n for n in names if n == current or "published_at" in read_release(layout, n)]
    return names


def begin_release(layout: CountyLayout, run_id: str) -> Path:
    """A new, empty release folder for ``run_id``; stale leftovers of killed runs removed."""
    _remove_stale(layout)
    folder = layout.release(run_id).folder
    if folder.exists():
        shutil.rmtree(folder)  # a retry of the same run starts over
    folder.mkdir(parents=True)
    return folder


def write_release_record(folder: Path, record: Mapping[str, Any]) -> Path:
    """Write ``release.json`` into a finished release folder (the last file written)."""
    path = folder / RELEASE_FILE
    tmp = path.with_name(f".{RELEASE_FILE}.tmp")
    tmp.write_text(json.dumps(dict(record), indent=1, sort_keys=True, ensure_ascii=False),
                   encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_release(layout: CountyLayout, run_id: str) -> dict[str, Any]:
    """The record of a release."""
    return json.loads((layout.release(run_id).folder / RELEASE_FILE).read_text(encoding="utf-8"))


def switch_release(
    layout: CountyLayout, run_id: str, names: Iterable[str], published_at: str
) -> None:
    """Make the release of ``run_id`` current: one rename; then the links and old releases.

    Parameters
    ----------
    layout : CountyLayout
    run_id : str
        A release folder with its record (:func:`write_release_record`).
    names : iterable of str
        The files and folders of a release that users open through the county folder
        (``sozialraeume.gpkg``, ``published``, ...): each becomes a link through
        ``releases/current`` (an older plain file of that name is replaced by the link).
    published_at : str
        When it became current (ISO 8601, UTC), added to its record afterwards; the
        history records a release once it has this (or is current).
    """
    folder = layout.release(run_id).folder
    if not (folder / RELEASE_FILE).exists():
        raise FileNotFoundError(f"{folder}: not a finished release ({RELEASE_FILE} missing)")
    _replace_link(layout.releases / _CURRENT, run_id)
    record = read_release(layout, run_id)
    write_release_record(folder, record | {"published_at": published_at})
    wanted = set(names)
    for name in wanted:
        link = layout.folder / name
        target = Path("releases") / _CURRENT / name
        if not (link.is_symlink() and Path(os.readlink(link)) == target):
            _replace_link(link, target)
    for link in layout.folder.iterdir():  # links to what the new release no longer has
        if link.is_symlink() and link.name not in wanted and not link.exists():
            link.unlink()
    _prune(layout, keep=run_id)


def _replace_link(link: Path, target: str | Path) -> None:
    """Point ``link`` at ``target`` with one rename (whatever ``link`` was before)."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}.link")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    if link.is_dir() and not link.is_symlink():  # a published/ folder of the old layout
        shutil.rmtree(link)
    os.replace(tmp, link)


def _prune(layout: CountyLayout, keep: str) -> None:
    """Keep the current release and the :data:`KEEP_RELEASES` before it."""
    old = [r for r in releases(layout) if r != keep]
    for run_id in old[: max(len(old) - KEEP_RELEASES, 0)]:
        shutil.rmtree(layout.release(run_id).folder, ignore_errors=True)


def _remove_stale(layout: CountyLayout) -> None:
    """Release folders that never got their record, and temporary files of dead writers."""
    now = time.time()
    current = current_release(layout)
    if layout.releases.is_dir():
        for folder in layout.releases.iterdir():
            if (folder.is_dir() and not folder.is_symlink() and folder.name != current
                    and not (folder / RELEASE_FILE).exists()
                    and now - folder.stat().st_mtime > _STALE_SECONDS):
                shutil.rmtree(folder, ignore_errors=True)
    if layout.folder.is_dir():
        for tmp in layout.folder.glob(".*.tmp*"):
            if not process_alive(_writer_pid(tmp.name)):
                tmp.unlink(missing_ok=True)


def _writer_pid(name: str) -> int | None:
    """The PID in a temporary name of :func:`pipeline.files.atomic_path` (``.x.<pid>.tmp``)."""
    for part in name.split("."):
        if part.isdigit():
            return int(part)
    return None
