"""Shared fixtures: the generated sample county; how the tests share two cores.

``make test`` runs the tests on two workers (pytest-xdist, ``--dist loadgroup``). Every
module stays on one worker (its module fixtures run once), and the modules that start the
Dagster UI with its daemon share one group, so two UIs never compete for the two cores.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.layout import REPO_ROOT

SAMPLE_DIR = REPO_ROOT / "data" / "raw" / "sample"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The bundled sample county, generated once if `make` has not done it yet (or is older)."""
    marker = SAMPLE_DIR / ".generated"
    if not marker.exists() or not (SAMPLE_DIR / "ortsteile.gpkg").exists():
        from tools.sample_county import generate_sample_county

        generate_sample_county(SAMPLE_DIR)
        marker.touch()
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def bloecke_dir(sample_dir) -> Path:
    """The block sample (Baublöcke and register extract), generated from the sample county."""
    folder = REPO_ROOT / "data" / "raw" / "sample_bloecke"
    if not (folder / "baubloecke.gpkg").exists():
        from tools.sample_bloecke import build, write

        write(*build(sample_dir), folder)
    return folder


#: Modules that start a Dagster webserver and daemon: one after the other, on one worker.
UI_MODULES = ("tests.assets.test_webserver", "tests.assets.test_postgres")


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items):
    """One xdist group per module, one for the modules that start the UI.

    pytest-xdist (3.8) groups by appending ``@<group>`` to ``item._nodeid``, which pytest
    9.2 no longer reads (the node ID is ``item._id``): without the second loop below every
    test went to any worker, and a module fixture ran once per worker.
    """
    for item in items:
        module = item.module.__name__
        item.add_marker(pytest.mark.xdist_group("dagster-ui" if module in UI_MODULES
                                                else module))
    result = yield  # xdist's hook renames the items here
    for item in items:
        renamed = vars(item).get("_nodeid")
        if isinstance(renamed, str) and renamed != item.nodeid and hasattr(item, "_id"):
            from _pytest.nodeid import NodeId

            item._id = NodeId.parse(renamed)
    return result


@pytest.fixture(scope="session")
def chromium() -> str:
    """The headless Chromium binary (installed by ``make test`` from Debian), else skip."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("chromium is not installed and could not be installed here "
                    "(make test runs: apt-get install -y chromium)")
    return binary
