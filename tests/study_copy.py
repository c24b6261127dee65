"""A copy of the study config whose data paths lie in a test folder (shared by several tests)."""

from __future__ import annotations

from pathlib import Path

import yaml

from repo import REPO
from survey.config import StudyConfig, load_study
from survey.pipeline import run_ingest, run_synth, run_weight

CONFIG = REPO / "config"


def write_study(root: Path, **changes: object) -> Path:
    """Write a copy of config/study.yaml whose data paths all lie under ``root``.

    Codebooks, the synth config, the texts, the published figures and the figure map stay the
    repository's;
    ``changes`` set wave fields, e.g. ``beso2011__encoding="cp1252"``.
    """
    data = yaml.safe_load((CONFIG / "study.yaml").read_text(encoding="utf-8"))
    raw = root / "raw"
    for name, wave in data["waves"].items():
        wave["file"] = str(raw / f"{name}.sav")
        wave["codebook"] = str(REPO / wave["codebook"])
        if "population" in wave:
            wave["population"] = str(raw / Path(wave["population"]).name)
        if "weighting" in wave:
            wave["weighting"]["margins"] = str(raw / Path(wave["weighting"]["margins"]).name)
    data["processed_dir"] = str(root / "processed")
    data["analyses"] = str(copy_analyses(root))
    data["texts"] = str(REPO / data["texts"])
    data["synth"] = {"config": str(CONFIG / "synth.yaml"), "output_dir": str(raw)}
    data["report"]["output_dir"] = str(root / "reports")
    for key, value in changes.items():
        wave, _, field = key.partition("__")
        data["waves"][wave][field] = value
    path = root / "study.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def copy_analyses(root: Path) -> Path:
    """A copy of config/analyses.yaml whose paths (published figures, figure map) are absolute."""
    data = yaml.safe_load((CONFIG / "analyses.yaml").read_text(encoding="utf-8"))
    for section in data["sections"]:
        for analysis in section["analyses"]:
            for key in ("published", "figure_map"):
                if key in analysis:
                    analysis[key] = str(REPO / analysis[key])
    path = root / "analyses.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def prepared_study(root: Path) -> StudyConfig:
    """A study in ``root`` with the synthetic data generated, ingested and weighted."""
    config = load_study(write_study(root))
    run_synth(config)
    run_ingest(config)
    run_weight(config)
    return config
