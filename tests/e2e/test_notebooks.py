"""The analyst notebooks: stored without outputs, importing only the library, running top to bottom.

The notebooks are executed once per test process by ``scripts/notebooks.py`` (what ``make
notebooks`` runs), each in a fresh ``python3`` kernel; jupyter_client starts that kernel with
``sys.executable`` (its native kernel's ``python`` is replaced by the running interpreter), so it
runs in the same virtual environment as pytest. The executed copies are then read like a reader
of ``reports/notebooks/`` would: every cell ran, the outputs are clean, the README's sample
output is among them.
"""

from __future__ import annotations

import ast
import fcntl
import importlib.util
import re
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import nbformat
import pytest
from jupyter_client.manager import KernelManager

from repo import REPO
from survey.config import load_study
from survey.notebook import FLAG_COLOURS, FLAG_LEGEND
from survey.pipeline import ensure_synthetic, run_ingest, run_weight

NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = (
    "1.0-explore-beso.ipynb",
    "2.0-wea-trend-and-weighting.ipynb",
    "3.0-bring-your-own-data.ipynb",
)
#: Top-level modules the notebooks may import: the library, pandas, matplotlib, PyYAML, stdlib.
ALLOWED_IMPORTS = {"survey", "pandas", "matplotlib", "yaml"} | set(sys.stdlib_module_names)
#: Seconds a cell may take.
TIMEOUT = 180


def _runner() -> ModuleType:
    """``scripts/notebooks.py``, the code behind ``make notebooks`` and ``make strip-notebooks``."""
    spec = importlib.util.spec_from_file_location(
        "notebook_runner", REPO / "scripts" / "notebooks.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runner = _runner()


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code(name: str) -> list[str]:
    return [cell.source for cell in _read(NOTEBOOK_DIR / name).cells if cell.cell_type == "code"]


def _texts(notebook: nbformat.NotebookNode, kind: str = "text/plain") -> list[str]:
    """Every output of a kind (streams count as text/plain), cell by cell."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and kind == "text/plain":
                found.append(output.text)
            elif kind in output.get("data", {}):
                found.append(output.data[kind])
    return found


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


@pytest.fixture(scope="module")
def executed(processed_data: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the executed copies, written as ``make notebooks`` writes them."""
    out = tmp_path_factory.mktemp("reports") / "notebooks"
    runner.write_executed([NOTEBOOK_DIR / name for name in NOTEBOOKS], out, TIMEOUT)
    return out


def _tiny(path: Path, source: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source)]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, path)
    return path


# ---------------------------------------------------------------- the stored notebooks


def test_every_notebook_is_in_the_notebooks_folder() -> None:
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_without_outputs(name: str) -> None:
    cells = [cell for cell in _read(NOTEBOOK_DIR / name).cells if cell.cell_type == "code"]
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


# ---------------------------------------------------------------- the executed copies


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_top_to_bottom_without_errors(name: str, executed: Path) -> None:
    cells = [cell for cell in _read(executed / name).cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in cells)
    assert [o for cell in cells for o in cell.outputs if o.output_type == "error"] == []
    assert sum(len(cell.outputs) for cell in cells) >= len(cells) // 2


def test_make_notebooks_writes_one_executed_copy_per_notebook_and_nothing_else(
    executed: Path,
) -> None:
    assert sorted(p.name for p in executed.iterdir() if not p.name.startswith(".")) == sorted(
        NOTEBOOKS
    )
    assert [p.name for p in executed.glob(".staging-*")] == []


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_a_stripped_executed_copy_is_the_stored_notebook(
    name: str, executed: Path, tmp_path: Path
) -> None:
    stripped = tmp_path / name
    nbformat.write(runner.strip(_read(executed / name)), stripped)
    assert stripped.read_bytes() == (NOTEBOOK_DIR / name).read_bytes()


def test_executed_copies_record_no_execution_times(executed: Path) -> None:
    for name in NOTEBOOKS:
        assert all("execution" not in cell.metadata for cell in _read(executed / name).cells)


def test_a_second_run_writes_the_same_bytes(executed: Path, tmp_path: Path) -> None:
    name = "2.0-wea-trend-and-weighting.ipynb"  # styled tables, a design, diagnostics and figures
    runner.write_executed([NOTEBOOK_DIR / name], tmp_path, TIMEOUT)
    assert (tmp_path / name).read_bytes() == (executed / name).read_bytes()


def test_outputs_show_no_numpy_reprs_decimal_ids_or_object_addresses(executed: Path) -> None:
    text = "\n".join(
        t
        for name in NOTEBOOKS
        for k in ("text/plain", "text/html")
        for t in _texts(_read(executed / name), k)
    )
    assert "np.float64(" not in text
    assert " at 0x" not in text  # a Styler's default repr
    assert re.search(r"\b20\d{4}\.0\b", text) is None  # establishment numbers as 200025.0
    assert "200025" in text


def test_the_design_shows_a_one_screen_summary_not_its_data(executed: Path) -> None:
    notebook = _read(executed / "1.0-explore-beso.ipynb")
    (cell,) = [c for c in notebook.cells if c.cell_type == "code" and c.source.endswith("\ndesign")]
    (output,) = cell.outputs
    lines = output.data["text/plain"].splitlines()
    assert lines[0] == "SurveyDesign" and len(lines) <= 12
    assert output.data["text/html"].count("<tr>") == len(lines) - 1


def test_flagged_rows_are_coloured_by_kind_with_a_legend(executed: Path) -> None:
    html = "\n".join(_texts(_read(executed / "1.0-explore-beso.ipynb"), "text/html"))
    for kind in ("suppress", "confidential"):  # raw NCHS flags, and the published [c] cells
        assert f"background-color: {FLAG_COLOURS[kind]}" in html
        assert FLAG_LEGEND[kind] in html


def _readme_samples() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Notebooks\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```text\n(.*?)```", section, re.S)


def test_the_readme_sample_output_is_taken_from_an_executed_run(executed: Path) -> None:
    samples = _readme_samples()
    outputs = "\n".join(t for name in NOTEBOOKS for t in _texts(_read(executed / name)))
    assert samples
    for sample in samples:
        assert sample.rstrip("\n") in outputs


# ---------------------------------------------------------------- the runner on tiny notebooks


def test_a_failing_notebook_leaves_the_previous_copies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports" / "notebooks"
    good = _tiny(tmp_path / "good.ipynb", "print('first run')")
    assert runner.main(["run", "--out", str(out), str(good)]) == 0
    _tiny(good, "print('second run')")
    bad = _tiny(tmp_path / "bad.ipynb", "raise ValueError('broken on purpose')")
    assert runner.main(["run", "--out", str(out), str(good), str(bad)]) == 1
    error = capsys.readouterr().err
    assert str(bad) in error and "broken on purpose" in error and "previous copies" in error
    assert _texts(_read(out / "good.ipynb")) == ["first run\n"]
    assert sorted(p.name for p in out.iterdir()) == [".survey.lock", "good.ipynb"]


def test_strip_removes_outputs_counts_and_the_kernel_version(tmp_path: Path) -> None:
    path = _tiny(tmp_path / "ran.ipynb", "1 + 1")
    notebook = _read(path)
    notebook.cells[0].outputs = [
        nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)
    ]
    notebook.cells[0].execution_count = 1
    notebook.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    nbformat.write(notebook, path)
    assert runner.main(["strip", str(path)]) == 0
    stripped = _read(path)
    assert stripped.cells[0].outputs == [] and stripped.cells[0].execution_count is None
    assert stripped.metadata["language_info"] == {"name": "python"}


def test_a_missing_notebook_is_named_with_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert runner.main(["run", "--out", str(tmp_path), str(tmp_path / "nope.ipynb")]) == 3
    assert "nope.ipynb" in capsys.readouterr().err
