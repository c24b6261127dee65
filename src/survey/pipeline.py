"""The stages of the configured study, in order: synth, ingest, weight, analyse + report.

Each stage takes the :class:`~survey.config.StudyConfig` and returns a small result object; the
CLI, the Makefile and the notebooks call these functions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from survey import __version__
from survey.clean import clean, processed_meta
from survey.codebook import Codebook, ValidationReport, load_codebook, validate
from survey.config import StudyConfig, config_root
from survey.errors import InputError
from survey.ingest import FileMeta, atomic_output, read_spss, sha256_file, write_parquet, write_sav
from survey.synth import SynthResult, generate, is_synthetic_label

__all__ = [
    "IngestResult",
    "WaveResult",
    "ensure_synthetic",
    "load_codebooks",
    "run_ingest",
    "run_report",
    "run_synth",
    "run_weight",
]


Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class WaveResult:
    """What ingesting one wave produced.

    Attributes
    ----------
    wave
        Wave name.
    rows
        Cases.
    columns
        Variables in the processed data.
    outputs
        Kind (``parquet``, ``sav``, ``provenance``) -> path.
    report
        The validation report (warnings only, since errors stop the run).
    provenance
        The provenance record written beside the data.
    """

    wave: str
    rows: int
    columns: int
    outputs: dict[str, Path]
    report: ValidationReport
    provenance: dict[str, Any]


@dataclass(frozen=True)
class IngestResult:
    """Result of :func:`run_ingest`.

    Attributes
    ----------
    waves
        Wave name -> :class:`WaveResult`.
    """

    waves: dict[str, WaveResult] = field(default_factory=dict)


def load_codebooks(study: StudyConfig, waves: Iterable[str] | None = None) -> dict[str, Codebook]:
    """Load the codebook of every (or every named) wave.

    Parameters
    ----------
    study
        The study config.
    waves
        Wave names; default all.

    Returns
    -------
    dict
        Wave -> codebook.
    """
    names = list(waves) if waves is not None else list(study.waves)
    return {name: load_codebook(study.waves[name].codebook) for name in names}


def run_synth(study: StudyConfig, out_dir: Path | None = None) -> SynthResult:
    """Write the synthetic exports for the study's codebooks.

    Parameters
    ----------
    study
        The study config.
    out_dir
        Destination; default the config's ``synth.output_dir``.

    Returns
    -------
    SynthResult
        The files written.

    Notes
    -----
    Relative paths inside the synth config (its ``published_figures``) resolve against that
    config's own project root (the parent of the ``config/`` folder holding it), not against the
    study's root: a study config elsewhere may point at the repository's ``config/synth.yaml``.
    """
    return generate(
        study.synth_config,
        load_codebooks(study),
        out_dir or study.synth_dir,
        config_root(study.synth_config),
    )


def ensure_synthetic(study: StudyConfig, progress: Progress = _quiet) -> SynthResult | None:
    """Generate the synthetic exports when the study uses them and any file is missing.

    Parameters
    ----------
    study
        The study config.
    progress
        Receives one line of progress text.

    Returns
    -------
    SynthResult or None
        The files written, or None when nothing had to be generated.
    """
    if not study.synthetic:
        return None
    missing = [w.file for w in study.waves.values() if not w.file.exists()]
    missing += [
        w.population for w in study.waves.values() if w.population and not w.population.exists()
    ]
    if not missing:
        return None
    progress(
        f"synthetic files missing ({', '.join(study.relative(p) for p in missing)}); generating them"
    )
    return run_synth(study)


def _check_link(
    book: Codebook, tidy: pd.DataFrame, linked: dict[str, pd.DataFrame], file: str
) -> None:
    if not book.link or book.link.get("wave") not in linked:
        return
    key = book.link.get("key", book.id)
    known = set(linked[book.link["wave"]][key].dropna())
    unknown = sorted(set(tidy[key].dropna()) - known)
    if unknown:
        shown = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in unknown[:10])
        raise InputError(
            f"{file}: {len(unknown)} value(s) of '{key}' do not occur in {book.link['wave']} (e.g. {shown})",
            f"check that the file belongs to the configured {book.link['wave']} wave, or remove the link "
            "from the codebook",
        )


def _provenance(
    study: StudyConfig,
    wave: str,
    book: Codebook,
    meta: FileMeta,
    tidy: pd.DataFrame,
    report: ValidationReport,
) -> dict[str, Any]:
    config = study.waves[wave]
    return {
        "wave": wave,
        "survey": book.survey,
        "title": book.title,
        "synthetic": is_synthetic_label(meta.file_label),
        "data_source": study.data_source,
        "input": {
            "path": study.relative(config.file),
            "sha256": sha256_file(config.file),
            "bytes": config.file.stat().st_size,
            "file_label": meta.file_label,
            "encoding": meta.encoding,
            "encoding_note": meta.encoding_note,
            "rows": meta.n_rows,
            "variables": len(meta.variables),
        },
        "codebook": {
            "path": study.relative(config.codebook),
            "sha256": sha256_file(config.codebook),
        },
        "package": {"name": "survey", "version": __version__},
        "output": {"rows": len(tidy), "columns": len(tidy.columns)},
        "warnings": [p.message for p in report.warnings],
    }


def run_ingest(
    study: StudyConfig, waves: Iterable[str] | None = None, progress: Progress = _quiet
) -> IngestResult:
    """Read, validate and clean every configured wave, then write the processed files.

    Every wave is read and validated before anything is written, so a problem in any file leaves
    ``data/processed`` as it was. For each wave the stage writes ``<wave>.parquet`` (labelled
    categoricals, metadata kept), ``<wave>.sav`` (canonical codes and labels) and
    ``<wave>.provenance.json`` (hashes of input and codebook, package version). Raw files are only
    read.

    Parameters
    ----------
    study
        The study config.
    waves
        Wave names; default all.
    progress
        Receives one line of progress text per step.

    Returns
    -------
    IngestResult
        Per wave: outputs, counts, warnings and provenance.

    Raises
    ------
    InputError
        A file is missing or unreadable, or does not fit its codebook (every problem listed).
    """
    names = list(waves) if waves is not None else list(study.waves)
    for name in names:
        if name not in study.waves:
            raise InputError(
                f"{study.path}: no wave '{name}'", f"configured waves: {', '.join(study.waves)}"
            )
    books = load_codebooks(study, names)
    prepared: dict[str, tuple[pd.DataFrame, FileMeta, ValidationReport]] = {}
    failures: list[str] = []
    for name in names:
        config = study.waves[name]
        progress(f"reading {study.relative(config.file)}")
        frame, meta = read_spss(config.file, encoding=config.encoding, progress=True)
        if meta.encoding_note:
            progress(meta.encoding_note)
        report = validate(frame, meta, books[name])
        if report.errors:
            failures.append(report.format())
            continue
        for warning in report.warnings:
            progress(f"warning: {warning.message}")
        prepared[name] = (clean(frame, books[name]), meta, report)
    if failures:
        raise InputError(
            "\n".join(failures),
            "correct the codebook (config/codebooks/) where the file is right, or the export where the "
            "file is wrong; `survey codebook FILE` shows what a file holds",
        )
    tidies = {name: item[0] for name, item in prepared.items()}
    for name in names:
        _check_link(books[name], tidies[name], tidies, study.relative(study.waves[name].file))
    result = IngestResult()
    for name in names:
        tidy, meta, report = prepared[name]
        book = books[name]
        out = study.processed_dir
        outputs = {
            "parquet": out / f"{name}.parquet",
            "sav": out / f"{name}.sav",
            "provenance": out / f"{name}.provenance.json",
        }
        record = _provenance(study, name, book, meta, tidy, report)
        label = (meta.file_label or book.title)[:64]
        tidy_meta = processed_meta(tidy, book, label)
        write_parquet(tidy, tidy_meta, outputs["parquet"])
        write_sav(tidy, tidy_meta, outputs["sav"])
        record["outputs"] = {
            kind: {"path": study.relative(path), "sha256": sha256_file(path)}
            for kind, path in outputs.items()
            if kind != "provenance"
        }
        with atomic_output(outputs["provenance"]) as tmp:
            tmp.write_text(
                json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
        progress(
            f"wrote {study.relative(outputs['parquet'])} ({len(tidy)} rows, {len(tidy.columns)} columns)"
        )
        result.waves[name] = WaveResult(name, len(tidy), len(tidy.columns), outputs, report, record)
    return result


def run_weight(
    study: StudyConfig, waves: Iterable[str] | None = None, progress: Progress = _quiet
) -> dict[str, Any]:
    """Weight every wave that the study config gives a weighting, from its processed data.

    For each such wave the stage reads ``<wave>.parquet`` (written by :func:`run_ingest`), weights
    it as configured (raking to the margins by default) and writes ``<wave>.weighted.parquet``
    and ``<wave>.weighted.sav`` (every column plus ``weight``) and ``<wave>.weighting.json``
    (diagnostics, and the hashes of the data and margins used). Every wave is weighted before
    anything is written.

    Parameters
    ----------
    study
        The study config.
    waves
        Wave names; default all weighted waves.
    progress
        Receives one line of progress text per step.

    Returns
    -------
    dict
        Wave -> :class:`survey.weighting.WeightingResult`.

    Raises
    ------
    StatisticalError
        Margins that cannot be met (with the margin and level named).
    """
    from survey.ingest import VariableMeta, read_parquet
    from survey.weighting import read_margins, weigh

    names = [n for n in (waves if waves is not None else study.waves) if study.waves[n].weighting]
    results: dict[str, Any] = {}
    prepared = {}
    for name in names:
        config = study.waves[name]
        spec = config.weighting
        assert spec is not None  # filtered above
        source = study.processed_dir / f"{name}.parquet"
        if not source.exists():
            raise InputError(f"{study.relative(source)}: not found", "run `make ingest` first")
        frame, meta = read_parquet(source)
        margins = read_margins(spec.margins)
        book = load_codebook(config.codebook)
        result = weigh(
            frame, margins, spec.method, spec.base_weight, spec.trim, False, meta,
            spec.tolerance, spec.max_iter, book.id, spec.collapse,
        )  # fmt: skip
        for line in result.diagnostics.collapses:
            progress(f"{name}: collapsed {line}")
        summary = result.diagnostics.summary
        progress(
            f"{name}: {spec.method} to {len(margins)} margin(s), {result.diagnostics.iterations} iteration(s), "
            f"weights {summary['min']:,.1f} to {summary['max']:,.1f}, Kish deff {summary['kish_deff']:.2f}"
        )
        prepared[name] = (frame, meta, result, source, spec)
    for name, (frame, meta, result, source, spec) in prepared.items():
        weighted = frame.assign(weight=result.weights.to_numpy())
        label = f"Gewicht ({spec.method} naar {study.relative(spec.margins)})"[:255]
        variables = {
            **meta.variables,
            "weight": VariableMeta("weight", label, "numeric", "F12.4", "scale"),
        }
        weighted_meta = meta.replace(variables=variables)
        outputs = {
            "parquet": study.processed_dir / f"{name}.weighted.parquet",
            "sav": study.processed_dir / f"{name}.weighted.sav",
        }
        write_parquet(weighted, weighted_meta, outputs["parquet"])
        write_sav(weighted, weighted_meta, outputs["sav"])
        record = {
            "wave": name,
            "method": spec.method,
            "margins": {"path": study.relative(spec.margins), "sha256": sha256_file(spec.margins)},
            "input": {"path": study.relative(source), "sha256": sha256_file(source)},
            "package": {"name": "survey", "version": __version__},
            "outputs": {
                k: {"path": study.relative(v), "sha256": sha256_file(v)} for k, v in outputs.items()
            },
            "diagnostics": result.diagnostics.to_dict(),
        }
        path = study.processed_dir / f"{name}.weighting.json"
        with atomic_output(path) as tmp:
            tmp.write_text(
                json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
        progress(f"wrote {study.relative(outputs['parquet'])} and {study.relative(path)}")
        results[name] = result
    return results


def run_report(
    study: StudyConfig, lang: str | None = None, pdf: bool = True, progress: Progress = _quiet
) -> dict[str, Any]:
    """Analyse the processed data, draw the figures and write the HTML and PDF report.

    Parameters
    ----------
    study
        The study config (ingest and weight must have run).
    lang
        ``"nl"`` or ``"en"``; default the config's ``report.language``.
    pdf
        Also write the PDF.
    progress
        Receives one line per step, with its time.

    Returns
    -------
    dict
        ``results`` (:class:`~survey.analysis.study.StudyResults`), ``paths`` (written files) and
        ``reproduction`` (the reproduction table).
    """
    import time

    from survey.analysis.study import run_study
    from survey.report import write_report
    from survey.report.build import build_content, build_figures

    language = lang or study.language
    start = time.perf_counter()
    results = run_study(study)
    progress(f"analyses done in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    figures = build_figures(results, study.reports_dir / "figures", language)
    progress(f"{len(figures)} figures drawn in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    paths = write_report(build_content(results, figures, language), study.reports_dir, pdf=pdf)
    progress(
        f"wrote {study.relative(paths['html'])}"
        + (f" and {study.relative(paths['pdf'])}" if "pdf" in paths else "")
        + f" in {time.perf_counter() - start:.1f} s"
    )
    return {"results": results, "paths": paths, "reproduction": results.tables["reproduction"]}
