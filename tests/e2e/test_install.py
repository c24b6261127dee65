"""A normal (non-editable) install runs from any folder: templates, texts and defaults ship with it.

The package is built and installed into a private folder (``pip install --target``), and a study
made by ``survey init`` in another folder gets its report from that installed copy alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from commands import run_survey
from fixtures.make_apistrat_sav import write_apistrat_sav
from repo import REPO


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         str(REPO)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return target


def _survey(installed: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_survey(args, cwd, pythonpath=installed)


def test_the_installed_package_is_the_one_used(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(installed)}
    code = "import survey.report.texts as t; print(t.__file__)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert Path(out.stdout.strip()).is_relative_to(installed)


def test_an_installed_package_reports_on_a_new_study_from_another_folder(
    installed: Path, tmp_path: Path
) -> None:
    data = write_apistrat_sav(tmp_path / "files" / "apistrat.sav")
    study = tmp_path / "study"
    made = _survey(
        installed, ["init", str(study), "--wave", f"api={data}", "--by", "stype"], tmp_path
    )
    assert made.returncode == 0, made.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    config = study / "config" / "study.yaml"
    result = _survey(installed, ["report", "--config", str(config), "--no-pdf"], elsewhere)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    html = (study / "reports" / "report.nl.html").read_text(encoding="utf-8")
    assert "<table" in html and 'lang="nl"' in html
    assert not list(elsewhere.iterdir())  # nothing written where the command was run


def test_inside_a_study_folder_no_config_is_needed(installed: Path, tmp_path: Path) -> None:
    data = write_apistrat_sav(tmp_path / "apistrat.sav")
    study = tmp_path / "study"
    assert (
        _survey(installed, ["init", str(study), "--wave", f"api={data}"], tmp_path).returncode == 0
    )
    (study / "reports" / "sub").mkdir(parents=True, exist_ok=True)
    result = _survey(installed, ["report", "--no-pdf"], study / "reports" / "sub")
    assert result.returncode == 0, result.stderr
    assert (study / "reports" / "report.nl.html").exists()
