"""Run the ``survey`` command in a fresh process, as a user would (shared by the e2e tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

#: ``survey`` from the package on the path: ``python -m survey.cli``.
MODULE = (sys.executable, "-m", "survey.cli")


def run_survey(
    args: Sequence[str],
    cwd: Path,
    command: Sequence[str] = MODULE,
    pythonpath: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``survey ARGS`` in ``cwd`` without ``$SURVEY_STUDY``, capturing its output.

    ``command`` is how ``survey`` is started (the module, or the installed console script);
    ``pythonpath`` puts an installed copy of the package first on the path.
    """
    env = {k: v for k, v in os.environ.items() if k != "SURVEY_STUDY"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [*command, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
