"""The stages of the configured study, in order: data, ingest, weight, analyse + report.

Each stage takes the :class:`~survey.config.StudyConfig` and returns a small typed result; the
next stage takes what the previous one produced in memory, so a run weights each wave once and
analyses exactly those weights. :data:`STAGES` lists the stages and :func:`run_all` runs them;
the CLI, the Makefile and the notebooks call these functions and hold no stage logic.
"""

from __future__ import annotations

import json
import shutil
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from survey import __version__
from survey.clean import clean, processed_meta
from survey.codebook import (
    Codebook,
    ValidationReport,
    load_codebook,
    match_file_names,
    validate,
)
from survey.config import StudyConfig, config_root
from survey.errors import InputError
from survey.io import (
    FileMeta,
    atomic_output,
    output_lock,
    read_spss,
    sha256_file,
    staged_outputs,
    write_parquet,
    write_sav,
)
from survey.study.designs import StudyData
from survey.study.kinds import kind_name
from survey.study.run import StudyResults
from survey.synth import SynthResult, generate, is_synthetic_label
from survey.weighting import WeightingResult

__all__ = [
    "STAGES",
    "IngestResult",
    "PipelineWarning",
    "ReportResult",
    "RunResult",
    "WaveResult",
    "ensure_synthetic",
    "load_codebooks",
    "run_all",
    "run_ingest",
    "run_report",
    "run_synth",
    "run_weight",
]


Progress = Callable[[str], None]


class PipelineWarning(UserWarning):
    """Something a stage did that the user should know (shown even when progress is quiet)."""


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
    data
        The processed data, as written.
    meta
        Its metadata.
    """

    wave: str
    rows: int
    columns: int
    outputs: dict[str, Path]
    report: ValidationReport
    provenance: dict[str, Any]
    data: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    meta: FileMeta | None = field(repr=False, default=None)


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
    if study.synth_config is None:
        raise InputError(
            f"{study.path}: the study has no synthetic stand-in files (no `synth.config`)",
            "use the study's own data (data_source: real), or add a synth config",
        )
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
        if study.data_source == "real" and is_synthetic_label(meta.file_label):
            failures.append(
                f"{study.relative(config.file)}: its file label says it is SYNTHETIC "
                f"({meta.file_label!r}), but data_source is real: point waves.{name}.file at the "
                "real export, or set data_source: synthetic"
            )
            continue
        books[name] = match_file_names(books[name], frame.columns, study.relative(config.file))
        report = validate(frame, meta.replace(source=study.relative(config.file)), books[name])
        if report.errors:
            failures.append(report.format())
            continue
        for warning in report.warnings:
            warnings.warn(PipelineWarning(warning.message), stacklevel=2)
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
    out = study.processed_dir
    # Every file of every wave is written into a staging folder, and all are published together
    # (the provenance records last), so a failure leaves the previous complete set.
    with output_lock([out], "survey ingest"), staged_outputs(out) as staging:
        records = {}
        for name in names:
            tidy, meta, report = prepared[name]
            book = books[name]
            outputs = {
                "parquet": out / f"{name}.parquet",
                "sav": out / f"{name}.sav",
                "provenance": out / f"{name}.provenance.json",
            }
            record = _provenance(study, name, book, meta, tidy, report)
            label = (meta.file_label or book.title)[:64]
            tidy_meta = processed_meta(tidy, book, label)
            written = {kind: staging.path(outputs[kind]) for kind in ("parquet", "sav")}
            write_parquet(tidy, tidy_meta, written["parquet"])
            write_sav(tidy, tidy_meta, written["sav"])
            record["outputs"] = {
                kind: {"path": study.relative(outputs[kind]), "sha256": sha256_file(path)}
                for kind, path in written.items()
            }
            records[name] = (record, outputs["provenance"])
            result.waves[name] = WaveResult(
                name, len(tidy), len(tidy.columns), outputs, report, record, tidy, tidy_meta
            )
        for record, path in records.values():
            staging.path(path).write_text(
                json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
    for wave in result.waves.values():
        progress(
            f"wrote {study.relative(wave.outputs['parquet'])} ({wave.rows} rows, "
            f"{wave.columns} columns)"
        )
    return result


def run_weight(
    study: StudyConfig,
    waves: Iterable[str] | None = None,
    progress: Progress = _quiet,
    ingested: IngestResult | None = None,
) -> dict[str, WeightingResult]:
    """Weight every wave that the study config gives a weighting.

    For each such wave the stage weights the processed data (from ``ingested``, else read from
    ``<wave>.parquet``) as configured and writes ``<wave>.weighted.parquet`` and
    ``<wave>.weighted.sav`` (every column plus ``weight``), ``<wave>.calibration.parquet`` (what
    the calibration did, for calibration-aware standard errors without weighting again) and
    ``<wave>.weighting.json`` (diagnostics, and the hashes of the data and margins used). Every
    wave is weighted before anything is written.

    Parameters
    ----------
    study
        The study config.
    waves
        Wave names; default all weighted waves.
    progress
        Receives one line of progress text per step.
    ingested
        The ingest stage's result of this run, if any.

    Returns
    -------
    dict
        Wave -> :class:`survey.weighting.WeightingResult`.

    Raises
    ------
    StatisticalError
        Margins that cannot be met (with the margin and level named).
    """
    from survey.io import VariableMeta, read_parquet
    from survey.study.designs import weigh_wave, write_calibration

    names = [n for n in (waves if waves is not None else study.waves) if study.waves[n].weighting]
    results: dict[str, WeightingResult] = {}
    prepared = {}
    for name in names:
        config = study.waves[name]
        spec = config.weighting
        assert spec is not None  # filtered above
        source = study.processed_dir / f"{name}.parquet"
        if ingested is not None and name in ingested.waves and ingested.waves[name].meta:
            frame, meta = ingested.waves[name].data, ingested.waves[name].meta
        elif not source.exists():
            raise InputError(f"{study.relative(source)}: not found", "run `survey ingest` first")
        else:
            frame, meta = read_parquet(source)
        assert meta is not None
        result = weigh_wave(config, frame, meta, load_codebook(config.codebook))
        for line in result.diagnostics.collapses:
            warnings.warn(PipelineWarning(f"{name}: margin levels collapsed: {line}"), stacklevel=2)
        summary = result.diagnostics.summary
        progress(
            f"{name}: {spec.method} to {study.relative(spec.margins)}, "
            f"{result.diagnostics.iterations} iteration(s), "
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
            "calibration": study.processed_dir / f"{name}.calibration.parquet",
        }
        path = study.processed_dir / f"{name}.weighting.json"
        # the wave's files are published together, the record (with their hashes) last
        with (
            output_lock([study.processed_dir], "survey weight"),
            staged_outputs(study.processed_dir) as staging,
        ):
            written = {kind: staging.path(final) for kind, final in outputs.items()}
            write_parquet(weighted, weighted_meta, written["parquet"])
            write_sav(weighted, weighted_meta, written["sav"])
            write_calibration(result.calibration, written["calibration"])
            record = {
                "wave": name,
                "method": spec.method,
                "margins": {
                    "path": study.relative(spec.margins),
                    "sha256": sha256_file(spec.margins),
                },
                "input": {"path": study.relative(source), "sha256": sha256_file(source)},
                "package": {"name": "survey", "version": __version__},
                "outputs": {
                    k: {"path": study.relative(outputs[k]), "sha256": sha256_file(v)}
                    for k, v in written.items()
                },
                "diagnostics": result.diagnostics.to_dict(),
            }
            staging.path(path).write_text(
                json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
        progress(f"wrote {study.relative(outputs['parquet'])} and {study.relative(path)}")
        results[name] = result
    return results


@dataclass(frozen=True)
class ReportResult:
    """Result of :func:`run_report`.

    Attributes
    ----------
    results
        The study's tables and what came with them, as computed (for analysts).
    published
        The same after disclosure control: what the report, CSV files and figures show.
    paths
        Kind (``html``, ``pdf``, ``xlsx``, ``tables``, ...) -> written path, of the first
        language written.
    languages
        Language -> its written paths (the same kinds).
    """

    results: StudyResults
    published: StudyResults
    paths: dict[str, Path]
    languages: dict[str, dict[str, Path]] = field(default_factory=dict)

    @property
    def reproduction(self) -> pd.DataFrame | None:
        """The published reproduction table, where the study declares one."""
        for analysis in self.published.analyses.all():
            if kind_name(analysis) == "reproduction":
                return self.published.tables[analysis.id]
        return None


def _variable_label(book: Any, name: str) -> str:
    """A variable's codebook label, or its name."""
    if book is not None and name in book.variables and book.variables[name].label:
        return str(book.variables[name].label)
    return name


def analyse(study: StudyConfig, data: StudyData | None = None) -> StudyResults:
    """Run the study's declared analyses (``analyses.yaml``) on its designs.

    Parameters
    ----------
    study
        The study config.
    data
        The designs of this run; default rebuilt from the processed files
        (:func:`survey.study.designs.load_study_data`).

    Returns
    -------
    StudyResults
        Every table of the report.
    """
    from survey.study.designs import load_study_data
    from survey.study.run import run_study
    from survey.study.spec import load_analyses

    data = data if data is not None else load_study_data(study)
    strata = {
        name: [_variable_label(data.books.get(name), v) for v in wave.strata]
        for name, wave in study.waves.items()
        if wave.strata
    }
    return run_study(
        data,
        load_analyses(study.analyses),
        study.root,
        {
            "strata": strata,
            "confidence_level": study.confidence_level,
            "ci_method": study.ci_method,
            "min_cell_count": study.min_cell_count,
            "language": study.language,
            "data_language": study.data_language,
            "config": study.relative(study.path),
            "synthetic": study.synthetic,
        },
        policy=study.disclosure,
    )


def run_report(
    study: StudyConfig,
    lang: str | None = None,
    pdf: bool = True,
    progress: Progress = _quiet,
    data: StudyData | None = None,
) -> ReportResult:
    """Analyse once, then draw the figures and write the report in every language.

    Each language gets its own files (``report.<lang>.html``/``.pdf``, ``tables.<lang>.xlsx``,
    ``tables/<lang>/``, ``figures/<lang>/``); the primary language's table book is also
    ``tables.xlsx``.

    Parameters
    ----------
    study
        The study config.
    lang
        ``"nl"`` or ``"en"``: write this language only; default every language of
        ``report.languages``.
    pdf
        Also write the PDF.
    progress
        Receives one line per step, with its time.
    data
        The designs of this run (from the ingest and weight stages); default rebuilt from the
        processed files.

    Returns
    -------
    ReportResult
        The results and the written files.
    """
    import time

    from survey.study.run import publish

    languages = [lang] if lang else list(study.languages)
    out = study.reports_dir
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, dict[str, Path]] = {}
    with output_lock([out], "survey report"):
        start = time.perf_counter()
        results = analyse(study, data)
        published = publish(results, study.disclosure)
        hidden = len(published.decision.reasons) if published.decision else 0
        progress(f"analyses done in {time.perf_counter() - start:.1f} s; {hidden} cells suppressed")
        for language in languages:
            written[language] = _write_language(study, published, language, pdf, progress)
        if study.language in written and "xlsx" in written[study.language]:
            with atomic_output(out / "tables.xlsx") as tmp:
                shutil.copyfile(written[study.language]["xlsx"], tmp)
    first = written[languages[0]]
    return ReportResult(results, published, first, written)


def _write_language(
    study: StudyConfig, published: StudyResults, lang: str, pdf: bool, progress: Progress
) -> dict[str, Path]:
    """Draw the figures and write the report files of one language."""
    import tempfile
    import time

    from survey.report import write_report
    from survey.report.build import build_content, build_figures
    from survey.report.texts import load_text

    text = load_text(lang, study.texts)
    out = study.reports_dir
    with tempfile.TemporaryDirectory(prefix=".staging-", dir=out) as staging:
        start = time.perf_counter()
        figures_dir = Path(staging) / "figures"
        figures = build_figures(published, figures_dir, text)
        progress(f"[{lang}] {len(figures)} figures drawn in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        content = build_content(published, figures, text)
        paths = write_report(
            content, out, pdf=pdf, figures=figures_dir, cover=_cover(study, published, text)
        )
    progress(
        f"[{lang}] wrote {study.relative(paths['html'])}"
        + (f", {study.relative(paths['pdf'])}" if "pdf" in paths else "")
        + (f", {study.relative(paths['xlsx'])}" if "xlsx" in paths else "")
        + f" in {time.perf_counter() - start:.1f} s"
    )
    return paths


def _cover(
    study: StudyConfig, published: StudyResults, text: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """The lines of the table book's cover: source, kind of data, date, contact."""
    words = text["cover"]
    waves = ", ".join(
        f"{name} ({Path(str(record['input']['path'])).name})"
        for name, record in published.provenance.items()
    )
    return [
        (words["source"], waves),
        (words["data"], words["synthetic"] if published.synthetic else words["real"]),
        (words["date"], study.date or words["no_date"]),
        (words["contact"], study.contact or words["no_contact"]),
    ]


@dataclass
class RunResult:
    """What :func:`run_all` produced, stage by stage (None for a stage that had nothing to do)."""

    synth: SynthResult | None = None
    ingest: IngestResult | None = None
    weight: dict[str, WeightingResult] = field(default_factory=dict)
    report: ReportResult | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def _stage_data(study: StudyConfig, run: RunResult, progress: Progress) -> None:
    run.synth = ensure_synthetic(study, progress)


def _stage_ingest(study: StudyConfig, run: RunResult, progress: Progress) -> None:
    run.ingest = run_ingest(study, progress=progress)


def _stage_weight(study: StudyConfig, run: RunResult, progress: Progress) -> None:
    run.weight = run_weight(study, progress=progress, ingested=run.ingest)


#: The stages of a full run, in order: (name, function of (study, run so far, progress)).
STAGES: tuple[tuple[str, Callable[[StudyConfig, RunResult, Progress], None]], ...] = (
    ("data", _stage_data),
    ("ingest", _stage_ingest),
    ("weight", _stage_weight),
)


def run_all(
    study: StudyConfig, lang: str | None = None, pdf: bool = True, progress: Progress = _quiet
) -> RunResult:
    """Run every stage: data, ingest, weight, then analyse and report on this run's weights.

    Parameters
    ----------
    study
        The study config.
    lang
        Write the report in this language only; default every language of the config.
    pdf
        Also write the PDF.
    progress
        Receives one line per step, with its time.

    Returns
    -------
    RunResult
        Each stage's result and its time in seconds.
    """
    import time

    from survey.study.designs import study_data

    run = RunResult()
    with output_lock([study.processed_dir, study.reports_dir], "survey report (every stage)"):
        for name, stage in STAGES:
            start = time.perf_counter()
            progress(f"[{name}] ...")
            stage(study, run, progress)
            run.seconds[name] = time.perf_counter() - start
            progress(f"[{name}] done in {run.seconds[name]:.1f} s")
        assert run.ingest is not None
        frames = {n: (w.data, w.meta) for n, w in run.ingest.waves.items() if w.meta is not None}
        provenance = {n: w.provenance for n, w in run.ingest.waves.items()}
        data = study_data(study, frames, run.weight, provenance)
        start = time.perf_counter()
        progress("[analyse, figures, report] ...")
        run.report = run_report(study, lang, pdf, progress, data)
        run.seconds["report"] = time.perf_counter() - start
    progress(f"[analyse, figures, report] done in {run.seconds['report']:.1f} s")
    return run
