"""The notebook in ``notebooks/`` runs against a freshly published sample county.

Materializes every asset for the sample county into a temporary folder, then executes
``notebooks/sozialraeume.ipynb`` with nbclient (``SOZIALRAUM_PROCESSED`` pointing at that
folder) and checks that every code cell ran without error and the maps were drawn; the
public-API example of the README runs on the same folder.
"""

import os
import subprocess
import sys

import pytest

from pipeline.layout import REPO_ROOT
from pipeline.operations.counties import default_config_path
from tests.helpers import materialize_county

nbformat = pytest.importorskip("nbformat", reason="install the dev extra: pip install -e .[dev]")
nbclient = pytest.importorskip("nbclient", reason="install the dev extra: pip install -e .[dev]")
pytest.importorskip("ipykernel", reason="install the dev extra: pip install -e .[dev]")

NOTEBOOK = REPO_ROOT / "notebooks" / "sozialraeume.ipynb"


@pytest.fixture(scope="module")
def processed(sample_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    result = materialize_county(default_config_path(), out)
    assert result.success
    return out


def test_notebook_runs(processed, monkeypatch):
    monkeypatch.setenv("SOZIALRAUM_PROCESSED", str(processed))
    monkeypatch.setenv("SOZIALRAUM_COUNTY", "sample")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(REPO_ROOT)}})
    client.execute(env=dict(os.environ))
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors[0].get("evalue") if errors else ""
    assert all(c.execution_count for c in code)
    images = [o for c in code for o in c.get("outputs", [])
              if "image/png" in o.get("data", {})]
    assert len(images) >= 2


def test_readme_example_runs(processed):
    """The public-API example in the README runs as printed, on the published steps."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### From a notebook", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    env = os.environ | {"SOZIALRAUM_PROCESSED": str(processed)}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("<Regionalization of 26126 units into ")
