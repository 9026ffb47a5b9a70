"""A publication as one unit (:mod:`pipeline.publish.release`), on small files.

Matrix: a switch changes every published file at once and keeps the old release for its
readers; a release that was written but never switched (a killed run) changes nothing and
is removed later, with the temporary files of dead writers; old releases are pruned to
:data:`KEEP_RELEASES`; plain files and a ``published/`` folder of the older layout become
links; only releases that became current count as published.
"""

import os
import subprocess
import sys

import pytest

from pipeline.layout import CountyLayout
from pipeline.publish import release as rel

NAMES = ["sozialraeume.gpkg", "profile.csv", "published"]


def _release(layout, run_id, text):
    """A finished release whose files all hold ``text``."""
    folder = rel.begin_release(layout, run_id)
    for name in NAMES[:2]:
        (folder / name).write_text(text)
    (folder / "published").mkdir()
    (folder / "published" / "state.json").write_text(text)
    rel.write_release_record(folder, {"run_id": run_id})
    return folder


def _published(layout):
    return [(layout.folder / n).read_text() for n in NAMES[:2]] + [
        (layout.published / "state.json").read_text()]


@pytest.fixture()
def layout(tmp_path):
    return CountyLayout(tmp_path, "kreis")


def test_a_switch_changes_every_file_at_once_and_keeps_the_old_for_its_readers(layout):
    _release(layout, "run-a", "A")
    rel.switch_release(layout, "run-a", NAMES, published_at="2026-12-01T00:00:00+00:00")
    assert _published(layout) == ["A", "A", "A"]
    reader = open(layout.folder / "profile.csv")  # noqa: SIM115 - held across the switch
    _release(layout, "run-b", "B")
    assert _published(layout) == ["A", "A", "A"]  # written, not yet published
    rel.switch_release(layout, "run-b", NAMES, published_at="2026-12-01T00:01:00+00:00")
    assert _published(layout) == ["B", "B", "B"]
    assert reader.read() == "A"
    reader.close()
    assert rel.current_release(layout) == "run-b"
    assert rel.releases(layout, published=True) == ["run-a", "run-b"]
    assert all((layout.folder / n).is_symlink() for n in NAMES)


def test_a_release_never_switched_changes_nothing_and_goes_later(layout, monkeypatch):
    _release(layout, "run-a", "A")
    rel.switch_release(layout, "run-a", NAMES, published_at="2026-12-01T00:00:00+00:00")
    killed = rel.begin_release(layout, "run-killed")
    (killed / "sozialraeume.gpkg").write_text("half")  # killed before its record
    (layout.folder / f".profile.csv.{_dead_pid()}.tmp").write_text("half")
    (layout.folder / f".sozialraeume.geojson.{os.getpid()}.tmp").write_text("being written")
    assert _published(layout) == ["A", "A", "A"]
    assert rel.releases(layout) == ["run-a"]
    monkeypatch.setattr(rel, "_STALE_SECONDS", -1)
    rel.begin_release(layout, "run-c")
    assert not killed.exists()
    leftovers = sorted(p.name for p in layout.folder.glob(".*.tmp"))
    assert leftovers == [f".sozialraeume.geojson.{os.getpid()}.tmp"]  # its writer lives


def test_old_releases_are_pruned(layout):
    for i in range(5):
        _release(layout, f"run-{i}", str(i))
        rel.switch_release(layout, f"run-{i}", NAMES, published_at=f"2026-12-01T00:0{i}:00")
    assert rel.releases(layout) == [f"run-{i}" for i in range(5 - rel.KEEP_RELEASES - 1, 5)]
    assert _published(layout) == ["4", "4", "4"]


def test_files_of_the_older_layout_become_links(layout):
    layout.folder.mkdir(parents=True)
    (layout.folder / "sozialraeume.gpkg").write_text("old")
    (layout.folder / "published").mkdir()
    (layout.folder / "published" / "state.json").write_text("old")
    _release(layout, "run-a", "A")
    rel.switch_release(layout, "run-a", NAMES, published_at="2026-12-01T00:00:00+00:00")
    assert _published(layout) == ["A", "A", "A"]
    assert (layout.folder / "published").is_symlink()


def test_a_release_without_its_record_cannot_be_switched(layout):
    rel.begin_release(layout, "run-a")
    with pytest.raises(FileNotFoundError, match="not a finished release"):
        rel.switch_release(layout, "run-a", NAMES, published_at="2026-12-01T00:00:00+00:00")
    assert rel.current_release(layout) is None


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid
