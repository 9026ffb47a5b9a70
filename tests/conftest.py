"""Shared fixtures: the generated sample county and a temporary output root."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.layout import REPO_ROOT

SAMPLE_DIR = REPO_ROOT / "data" / "raw" / "sample"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The bundled sample county, generated once if `make` has not done it yet."""
    marker = SAMPLE_DIR / ".generated"
    if not marker.exists():
        from tools.sample_county import generate_sample_county

        generate_sample_county(SAMPLE_DIR)
        marker.touch()
    return SAMPLE_DIR
