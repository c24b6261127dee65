"""The analyst notebooks: stored without outputs, importing only the library, running top to bottom.

Each notebook is executed with nbclient in a fresh kernel. The kernel is the ``python3`` kernel
spec; jupyter_client starts it with ``sys.executable`` (its native kernel's ``python`` is replaced
by the running interpreter), so it runs in the same virtual environment as pytest.
"""

from __future__ import annotations

import ast
import fcntl
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from repo import REPO
from survey.config import load_study
from survey.pipeline import ensure_synthetic, run_ingest, run_weight

NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = (
    "1.0-explore-beso.ipynb",
    "2.0-wea-trend-and-weighting.ipynb",
    "3.0-bring-your-own-data.ipynb",
)
#: Top-level modules the notebooks may import: the library, pandas, matplotlib, PyYAML, stdlib.
ALLOWED_IMPORTS = {"survey", "pandas", "matplotlib", "yaml"} | set(sys.stdlib_module_names)


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK_DIR / name, as_version=4)


def _code(name: str) -> list[str]:
    return [cell.source for cell in _read(name).cells if cell.cell_type == "code"]


@pytest.fixture(scope="module")
def processed_data() -> None:
    """Prepare the processed data once (the notebooks would, but not twice at the same time)."""
    lock = Path(tempfile.gettempdir()) / "survey-notebook-tests.lock"
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        study = load_study()
        if not all((study.processed_dir / f"{w}.parquet").exists() for w in study.waves):
            ensure_synthetic(study)
            run_ingest(study)
            run_weight(study)


def test_every_notebook_is_in_the_notebooks_folder() -> None:
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_without_outputs(name: str) -> None:
    cells = [cell for cell in _read(name).cells if cell.cell_type == "code"]
    assert cells
    assert all(cell.outputs == [] and cell.execution_count is None for cell in cells)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_imports_only_the_library_pandas_matplotlib_and_stdlib(name: str) -> None:
    imported = set()
    for source in _code(name):
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add((node.module or "").split(".")[0])
    assert imported - ALLOWED_IMPORTS == set()
    assert "survey" in imported


def test_python3_kernel_runs_the_interpreter_of_the_tests() -> None:
    command = KernelManager(kernel_name="python3").format_kernel_cmd()
    assert Path(command[0]).resolve() == Path(sys.executable).resolve()


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_top_to_bottom_without_errors(name: str, processed_data: None) -> None:
    notebook = _read(name)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=180,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on the first error
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []
