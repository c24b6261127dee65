"""Run the analyst notebooks and keep executed copies; strip the stored ones of their outputs.

``make notebooks`` runs ``python scripts/notebooks.py run NOTEBOOK...``: every notebook is
executed top to bottom in a fresh ``python3`` kernel (jupyter_client starts it with the running
interpreter, so in this virtual environment), with its own folder as the working folder. Once
every one has run, the executed copies (with their outputs, readable without running anything)
are written to ``reports/notebooks/<name>.ipynb`` together: a notebook that fails leaves the
previous copies as they were, and the command exits 1 naming the notebook and the cell.

``make strip-notebooks`` runs ``python scripts/notebooks.py strip NOTEBOOK...``: outputs and
execution counts are removed, so that the notebooks are committed without outputs.

The executed copies record no execution times; the notebooks print no temporary paths and the
library's tables carry no random element ids, so the same data gives the same files.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from survey.errors import SurveyError
from survey.io.files import output_lock, staged_outputs

#: Where ``make notebooks`` writes the executed copies (relative to the working folder).
OUTPUT_DIR = Path("reports/notebooks")


def execute(path: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel, in its own folder; return it with outputs.

    Raises ``nbclient.exceptions.CellExecutionError`` (naming the cell) on the first error.
    """
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=timeout,
        record_timing=False,  # no execution timestamps in the cells' metadata
        resources={"metadata": {"path": str(Path(path).resolve().parent)}},
    )
    client.execute()
    return notebook


def strip(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove what a run adds (in place): outputs, execution counts and times, the Python version.

    A stripped executed copy is byte for byte the notebook it was run from.
    """
    if "language_info" in notebook.metadata:  # a run adds the kernel's version and lexers
        notebook.metadata["language_info"] = {
            "name": notebook.metadata.language_info.get("name", "python")
        }
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    return notebook


class NotebookFailed(Exception):
    """A notebook stopped at a cell: the notebook's path and nbclient's report of the cell."""

    def __init__(self, path: Path, error: CellExecutionError) -> None:
        super().__init__(f"{path} failed at a cell:\n{error}")
        self.path = path


def write_executed(paths: Sequence[Path], out_dir: Path, timeout: int = 600) -> list[Path]:
    """Execute every notebook, then write the executed copies into ``out_dir`` together.

    Nothing is written unless every notebook ran (:class:`NotebookFailed` names the one that
    did not); the copies replace the previous ones at once. Returns the paths written.
    """
    out_dir = Path(out_dir)
    with output_lock([out_dir], "make notebooks"):
        executed = []
        for path in map(Path, paths):
            try:
                executed.append((path.name, execute(path, timeout)))
            except CellExecutionError as error:
                raise NotebookFailed(path, error) from error
        with staged_outputs(out_dir) as staging:
            for name, notebook in executed:
                nbformat.write(notebook, staging.path(out_dir / name))
    return [out_dir / name for name, _ in executed]


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: ``run [--out DIR] [--timeout S] NOTEBOOK...`` or ``strip NOTEBOOK...``."""
    parser = argparse.ArgumentParser(
        prog="scripts/notebooks.py", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="execute the notebooks and write executed copies")
    run.add_argument("--out", type=Path, default=OUTPUT_DIR, help=f"default {OUTPUT_DIR}")
    run.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    run.add_argument("notebooks", nargs="+", type=Path)
    stripping = commands.add_parser("strip", help="remove outputs and execution counts")
    stripping.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    missing = [str(path) for path in args.notebooks if not path.is_file()]
    if missing:
        print(f"error: no notebook {', '.join(missing)}", file=sys.stderr)
        return 3
    if args.command == "strip":
        for path in args.notebooks:
            nbformat.write(strip(nbformat.read(path, as_version=4)), path)
        return 0
    try:
        written = write_executed(args.notebooks, args.out, args.timeout)
    except NotebookFailed as error:
        print(f"error: {error}\nthe previous copies in {args.out}/ are kept", file=sys.stderr)
        return 1
    except SurveyError as error:  # the output folder is being written by another run
        print(f"error: {error}", file=sys.stderr)
        return 3
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
