"""The ``survey`` command: a thin front door onto the library.

Each sub-command parses its arguments, calls one library function and prints the result.
Expected failures (:class:`~survey.errors.SurveyError`) are printed as one readable message on
stderr with their exit code (2 usage, 3 input, 4 statistical) and no traceback.

Labels, names and values come from data files, so everything printed passes through
:func:`~survey.safe_text.terminal_text` (no escape sequences, control or bidi characters), every
CSV cell through :func:`~survey.safe_text.csv_cell` (no spreadsheet formulas), and JSON writes
what a terminal must not see as ``\\uXXXX`` escapes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey import __version__
from survey.analysis.design import SurveyDesign
from survey.analysis.names import (
    GENERATED_REPLICATES,
    QRULE_NAMES,
    QUANTILE_INTERVALS,
    SUPPLIED_REPLICATES,
)
from survey.codebook import describe_file, load_codebook, match_file_names, skeleton, validate
from survey.config import load_study
from survey.errors import InputError, StatisticalError, SurveyError, UsageError
from survey.io import atomic_output, read_data
from survey.safe_text import csv_frame, json_escape_unsafe, terminal_text

__all__ = ["main"]


def _say(text: str) -> None:
    print(terminal_text(text), file=sys.stderr, flush=True)


#: Whether the pipeline's step-by-step progress is shown (``--progress``; auto: on a terminal).
_SHOW_PROGRESS = {"value": True}


def _progress(text: str) -> None:
    """A progress line of a long run: shown on a terminal, quiet when stderr is piped."""
    if _SHOW_PROGRESS["value"]:
        _say(text)


def _write_text(text: str, out: str | None) -> None:
    if out is None:
        sys.stdout.write(terminal_text(text if text.endswith("\n") else text + "\n"))
        return
    with atomic_output(out) as tmp:
        tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    _say(f"wrote {out}")


def _csv_text(frame: pd.DataFrame) -> str:
    """The frame as CSV text, every text cell that a spreadsheet would run neutralised."""
    return csv_frame(frame).to_csv(index=False, lineterminator="\n")


def _json_text(payload: object) -> str:
    return json_escape_unsafe(json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False))


def _same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file: the same inode (symlink, hard link) or resolved path."""
    try:
        return os.path.samefile(first, second)
    except OSError:  # one does not exist (yet): then only the paths can be compared
        return first.resolve() == second.resolve()


def _refuse_overwriting(data: str, option: str, out: str | None) -> None:
    if out is not None and _same_file(Path(data), Path(out)):
        other = Path(out).with_stem(f"{Path(out).stem}_out")
        raise InputError(
            f"{option} {out} is the input file {data} itself; it would be overwritten",
            hint=f"write to another file, e.g. {option} {other}",
        )


def _cmd_synth(args: argparse.Namespace) -> int:
    study = load_study(args.config)
    start = time.perf_counter()
    from survey.pipeline import run_synth

    result = run_synth(study, Path(args.out) if args.out else None)
    for name, path in result.files.items():
        rows = f", {result.rows[name]} cases" if name in result.rows else ""
        _say(f"wrote {study.relative(path)} ({path.stat().st_size:,} bytes{rows})")
    _say(
        f"synthetic exports written in {time.perf_counter() - start:.1f} s (SYNTHETIC data, not real respondents)"
    )
    return 0


def _parse_encodings(values: Sequence[str] | None) -> dict[str, str]:
    out = {}
    for item in values or ():
        wave, sep, encoding = item.partition("=")
        if not sep or not wave or not encoding:
            raise UsageError(f"--encoding expects WAVE=CODEPAGE (e.g. wave1=cp1252), got {item!r}")
        out[wave] = encoding
    return out


def _cmd_ingest(args: argparse.Namespace) -> int:
    study = load_study(args.config)
    overrides = _parse_encodings(args.encoding)
    if overrides:
        from dataclasses import replace

        unknown = sorted(set(overrides) - set(study.waves))
        if unknown:
            raise UsageError(
                f"--encoding names unknown wave(s) {', '.join(unknown)}; known: {', '.join(study.waves)}"
            )
        waves = {
            n: replace(w, encoding=overrides.get(n, w.encoding)) for n, w in study.waves.items()
        }
        study = replace(study, waves=waves)
    if args.synth_if_missing:
        from survey.pipeline import ensure_synthetic

        ensure_synthetic(study, _progress)
    start = time.perf_counter()
    from survey.pipeline import run_ingest

    result = run_ingest(study, args.wave or None, _progress)
    _say(f"ingested {len(result.waves)} wave(s) in {time.perf_counter() - start:.1f} s")
    return 0


def _cmd_codebook(args: argparse.Namespace) -> int:
    _refuse_overwriting(args.data, "--out", args.out)
    frame, meta = read_data(args.data, encoding=args.encoding)
    if meta.encoding_note:
        _say(meta.encoding_note)
    if args.format == "yaml":
        _write_text(skeleton(meta, args.wave, frame), args.out)
        return 0
    table = describe_file(frame, meta)
    if args.format == "csv":
        _write_text(_csv_text(table), args.out)
    elif args.format == "json":
        payload = {"file": str(args.data), "file_label": meta.file_label, "encoding": meta.encoding,
                   "rows": meta.n_rows, "codes": json.loads(table.to_json(orient="records"))}  # fmt: skip
        _write_text(_json_text(payload), args.out)
    else:
        _write_text(_codebook_table(table, meta.file_label, meta.n_rows, str(args.data)), args.out)
    return 0


def _field(value: object) -> str:
    """A value from the data file as one line of text: a label cannot start a line of its own."""
    return terminal_text(str(value), single_line=True)


def _codebook_table(table: pd.DataFrame, file_label: str | None, rows: int, name: str) -> str:
    lines = [f"{name}: {rows} cases, {table['variable'].nunique() if len(table) else 0} variables"]
    if file_label:
        lines.append(f"file label: {_field(file_label)}")
    for variable, part in table.groupby("variable", sort=False):
        first = part.iloc[0]
        missing = f"; missing: {_field(first['missing'])}" if first["missing"] else ""
        lines.append("")
        kind = f"{first['type']}, {_field(first['format'])}, {first['measure']}{missing}"
        lines.append(f"{_field(variable)}  [{kind}]")
        if first["label"]:
            lines.append(f"  {_field(first['label'])}")
        for _, row in part.iterrows():
            if row["code"] == "":
                lines.append(f"  {'(values)':>10}  {row['count']:>8} non-empty")
                continue
            flag = " (missing)" if row["is_missing"] else ""
            code, label = _field(row["code"]), _field(row["value_label"])
            lines.append(f"  {code:>10}  {row['count']:>8}  {label}{flag}")
    return "\n".join(lines)


def _cmd_validate(args: argparse.Namespace) -> int:
    frame, meta = read_data(args.data, encoding=args.encoding)
    if meta.encoding_note:
        _say(meta.encoding_note)
    book = match_file_names(load_codebook(args.codebook), frame.columns, str(args.data))
    report = validate(frame, meta, book)
    if args.format == "csv":
        _write_text(_csv_text(report.to_frame()), None)
    else:
        _write_text(report.format(), None)
    return 0 if report.ok else InputError.exit_code


def _design_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that describe a data file's sampling design (``estimate``, ``model``)."""
    parser.add_argument("--weight", help="weight variable (default: every row weight 1)")
    parser.add_argument("--strata", help="stratum variable")
    parser.add_argument("--cluster", type=_names, help="PSU[,SSU] variables")
    parser.add_argument("--fpc", type=_names, help="finite population correction per stage")
    parser.add_argument(
        "--fpc-kind", choices=["population", "fraction"], help="what --fpc holds (required with it)"
    )
    parser.add_argument(
        "--lonely-psu",
        choices=["fail", "remove", "adjust", "average", "certainty"],
        default="fail",
        help="strata with a single PSU (default: fail)",
    )
    parser.add_argument("--encoding", help="code page override (e.g. cp1252)")
    calibration = parser.add_mutually_exclusive_group()
    calibration.add_argument(
        "--poststratify", metavar="MARGINS.csv", help="post-stratify inside the design"
    )
    calibration.add_argument("--rake", metavar="MARGINS.csv", help="rake inside the design")
    replicates = parser.add_argument_group(
        "replicate weights", "variances from replicate weights instead of Taylor linearisation"
    )
    source = replicates.add_mutually_exclusive_group()
    source.add_argument(
        "--repweights",
        metavar="PATTERN",
        help="the file's replicate-weight columns: a glob ('repw*') or a regular expression "
        "(R svrepdesign); --weight is the full-sample weight",
    )
    source.add_argument(
        "--replicates",
        choices=list(GENERATED_REPLICATES),
        help="make replicate weights from --strata/--cluster (R as.svrepdesign)",
    )
    replicates.add_argument(
        "--rep-type",
        choices=list(SUPPLIED_REPLICATES),
        help="kind of the --repweights (required with it)",
    )
    replicates.add_argument("--rep-scale", type=float, help="R's scale (default: by --rep-type)")
    replicates.add_argument(
        "--rep-rscales",
        metavar="R1,R2,...|FILE.csv",
        help="R's rscales: comma-separated, or a CSV file with one column of them",
    )
    replicates.add_argument(
        "--fay-rho", type=float, help="Fay's rho (--rep-type Fay, --replicates Fay)"
    )
    replicates.add_argument(
        "--mse", action="store_true", help="centre the replicates at the full-sample estimate"
    )
    replicates.add_argument(
        "--replicate-count",
        type=_positive_int,
        default=50,
        metavar="N",
        help="bootstrap replicates for --replicates bootstrap|subbootstrap (default 50)",
    )
    replicates.add_argument(
        "--seed", type=int, default=None, help="seed of the bootstrap draws (numpy's generator)"
    )


def _rscales(text: str | None) -> list[float] | None:
    """``--rep-rscales``: numbers separated by commas, or a CSV file with one column of them."""
    if text is None:
        return None
    if Path(text).suffix.lower() == ".json":  # the diagnostics of survey weight --replicates
        try:
            record = json.loads(Path(text).read_text(encoding="utf-8"))
            return [float(v) for v in record["replicates"]["rscales"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(
                f"{text}: no replicate rscales in this file ({type(exc).__name__})",
                "give the --diagnostics file of `survey weight --replicates`, or a CSV of rscales",
            ) from None
    if Path(text).suffix.lower() == ".csv" or Path(text).exists():
        from survey.io.tables import read_table

        table = read_table(Path(text), "rscales file", "write one rscale per line under a header")
        if table.shape[1] != 1:
            raise InputError(
                f"{text}: expected one column of rscales, found {table.shape[1]}",
                "write one rscale per line under a header such as 'rscale'",
            )
        column = pd.to_numeric(table.iloc[:, 0], errors="coerce")
        if column.isna().any():
            line = int(column.isna().to_numpy().argmax()) + 2
            raise InputError(f"{text}, line {line}: an rscale is not a number", "fix that line")
        return column.tolist()
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise UsageError(
            f"--rep-rscales expects numbers separated by commas or a CSV file, got {text!r}"
        ) from None


def _with_replicates(design: SurveyDesign, args: argparse.Namespace) -> SurveyDesign:
    """The design with the replicate weights ``--repweights`` or ``--replicates`` ask for."""
    repweights = getattr(args, "repweights", None)
    if repweights is None and args.replicates is None:
        extra = [flag for flag, value in (("--rep-type", args.rep_type), ("--rep-scale", args.rep_scale),
                 ("--rep-rscales", args.rep_rscales), ("--mse", args.mse or None)) if value is not None]  # fmt: skip
        if extra:
            raise UsageError(f"{extra[0]} needs --repweights PATTERN or --replicates TYPE")
        return design
    if repweights is not None:
        if args.rep_type is None:
            raise UsageError("--repweights needs --rep-type (e.g. JK1, JKn, BRR, Fay, bootstrap)")
        return design.with_replicate_weights(
            repweights,
            args.rep_type,
            scale=args.rep_scale,
            rscales=_rscales(args.rep_rscales),
            rho=args.fay_rho,
            mse=args.mse,
        )
    if args.rep_type or args.rep_scale is not None or args.rep_rscales:
        raise UsageError("--rep-type, --rep-scale and --rep-rscales describe --repweights")
    return design.with_replicates(
        args.replicates,
        count=args.replicate_count,
        seed=args.seed,
        rho=0.5 if args.fay_rho is None else args.fay_rho,
        mse=args.mse,
    )


def _recalibrated(
    reps: Any, weights: np.ndarray, args: argparse.Namespace, frame: pd.DataFrame, meta: Any
) -> Any:
    """Replicate weights calibrated to the margins of ``args``, replicate by replicate (as R)."""
    column = "__replicate_weight__"
    replica = argparse.Namespace(**{**vars(args), "base_weight": column})

    def calibrate(start: np.ndarray) -> np.ndarray:
        # rows a replicate leaves out (weight 0, e.g. a jackknife's dropped PSU) stay out
        kept = start > 0
        subset = frame.loc[kept].assign(**{column: start[kept]})
        again = _weighting_from_args(replica, subset, meta)
        out = np.zeros(len(start))
        weights: Any = again.weights  # type: ignore[attr-defined]
        out[kept] = np.asarray(weights, dtype=float)
        return out

    return reps.recalibrated(calibrate, weights)


def _calibrated_replicates(
    design: SurveyDesign, args: argparse.Namespace, frame: pd.DataFrame
) -> SurveyDesign:
    """The design with its replicates calibrated to the same margins as its weights."""
    reps = _recalibrated(design.replicates, design.weights, args, frame, design.meta)
    return design.update(replicates=reps, calibration=())


def _design_from_args(args: argparse.Namespace) -> tuple[SurveyDesign, dict[str, Any] | None]:
    """The design the flags of :func:`_design_arguments` describe, and what calibration it had."""
    if args.fpc and not args.fpc_kind:
        raise UsageError(
            "--fpc needs --fpc-kind population (population sizes) or fraction (sampling fractions)"
        )
    design = SurveyDesign.from_file(
        args.data,
        encoding=args.encoding,
        weight=args.weight,
        strata=args.strata,
        cluster=args.cluster or (),
        fpc=args.fpc or (),
        fpc_kind=args.fpc_kind,
        lonely_psu=args.lonely_psu,
    )
    calibration_note = None
    design = _with_replicates(design, args)
    if args.poststratify or args.rake:
        frame = design.data
        if design.weights_from == "fpc":  # calibrate from the weights the fpc implies, as R
            frame = frame.assign(**{_FPC_WEIGHT: design.weights})
            args.base_weight = _FPC_WEIGHT
        result = _weighting_from_args(args, frame, design.meta)
        design = design.calibrate(result, name=f"{args.weight or 'weight'}_calibrated")
        if design.replicates is not None:  # calibrate every replicate too, as R's calibrate()
            design = _calibrated_replicates(design, args, frame)
        calibration_note = {
            "method": result.diagnostics.method,  # type: ignore[attr-defined]
            "margins": args.poststratify or args.rake,
            "iterations": result.diagnostics.iterations,  # type: ignore[attr-defined]
        }
    return design, calibration_note


def _cmd_estimate(args: argparse.Namespace) -> int:
    from survey.analysis.output import estimate_payload, estimate_table

    design, calibration_note = _design_from_args(args)
    if args.by and len(args.by) > 1:
        design, args.by = design.crossed(args.by)
    else:
        args.by = args.by[0] if args.by else None
    if args.test == "rao-scott" and not args.by:
        raise UsageError("--test needs --by: it tests independence between --var and --by")
    if args.test and not args.var:
        raise UsageError("--test tests the variables of --var; give at least one")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = _estimates(design, args)
        tests = _tests(design, args) if args.test else []
    for warning in caught:
        _say(f"warning: {warning.message}")
    if args.min_count is not None:
        from survey.disclosure import DisclosurePolicy, protect_estimates

        policy = DisclosurePolicy(min_cell_count=args.min_count)
        table = protect_estimates(table, policy, source=Path(args.data).stem)
        hidden = int((table["status"] == "[c]").sum())
        _say(f"disclosure control (--min-count {args.min_count}): {hidden} cell(s) suppressed [c]")
    if args.format == "json":
        payload = estimate_payload(str(args.data), design, table, tests)
        payload["design"]["weight"] = args.weight
        payload["design"]["calibration"] = calibration_note
        _write_text(_json_text(payload), None)
    elif args.format == "csv":
        _write_text(_csv_text(table), None)
    else:
        _write_text(estimate_table(table, design, tests), None)
    return 0


def _ratio(text: str) -> tuple[str, str]:
    """``NUM/DEN``: the two variables of a ratio."""
    numerator, sep, denominator = text.partition("/")
    if not sep or not numerator.strip() or not denominator.strip() or "/" in denominator:
        raise argparse.ArgumentTypeError(f"expected NUM/DEN, e.g. api00/enroll, not {text!r}")
    return numerator.strip(), denominator.strip()


def _estimates(design: SurveyDesign, args: argparse.Namespace) -> pd.DataFrame:
    """The table of ``survey estimate``: the statistics of ``--var``, then the ``--ratio`` rows."""
    from survey.analysis.estimate import estimate, ratios

    if not args.var and not args.ratio:
        raise UsageError("give --var NAME (repeatable) or --ratio NUM/DEN, or both")
    frames = []
    if args.var:
        frames.append(
            estimate(
                design,
                args.var,
                stat=args.stat,
                by=args.by,
                ci=args.ci,
                level=args.level,
                probs=args.quantiles,
                qrule=args.quantile_rule,
                quantile_interval=args.quantile_interval,
                deff=args.deff,
            )
        )
    for numerator, denominator in args.ratio or []:
        frames.append(ratios(design, numerator, denominator, by=args.by, level=args.level))
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    table.attrs["level"] = args.level
    return table


def _tests(design: SurveyDesign, args: argparse.Namespace) -> list[dict[str, object]]:
    from survey.analysis.inference import rao_scott, ttest

    if args.test == "ttest":
        return [ttest(design, variable, args.by, args.level) for variable in args.var]
    statistic = args.chisq_statistic
    return [
        rao_scott(design, variable, args.by, statistic).iloc[0].to_dict() for variable in args.var
    ]


def _cmd_model(args: argparse.Namespace) -> int:
    from survey.analysis.glm import glm, glm_payload, glm_text, predicted_margins, term_test

    design, calibration_note = _design_from_args(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = glm(design, args.formula, args.family, offset=args.offset, level=args.level)
        tests = [term_test(result, terms, args.test_method) for terms in args.test or []]
        margins = predicted_margins(result, args.margins) if args.margins else None
    for warning in caught:
        _say(f"warning: {warning.message}")
    if args.format == "json":
        payload = glm_payload(str(args.data), result, tests, margins)
        payload["design"]["weight"] = args.weight
        payload["design"]["calibration"] = calibration_note
        _write_text(_json_text(payload), None)
    elif args.format == "csv":
        _write_text(_csv_text(result.coefficients), None)
    else:
        _write_text(glm_text(result, tests, margins), None)
    return 0


def _parse_trim(text: str | None) -> tuple[tuple[float, float] | None, bool]:
    """``LOW:HIGH`` (absolute) or ``0.3x:3x`` (multiples of the median weight)."""
    if text is None:
        return None, False
    low, sep, high = text.partition(":")
    relative = low.strip().endswith("x") and high.strip().endswith("x")
    try:
        bounds = (float(low.strip().rstrip("x")), float(high.strip().rstrip("x")))
    except ValueError:
        raise UsageError(
            f"--trim expects LOW:HIGH or LOWx:HIGHx (relative to the median), got {text!r}"
        ) from None
    if not sep:
        raise UsageError(f"--trim expects LOW:HIGH, got {text!r}")
    return bounds, relative


def _read_hierarchy(path: str | None) -> dict[str, list[list[str]]] | None:
    """A collapse hierarchy: YAML mapping variable -> list of groups of levels."""
    if path is None:
        return None
    import yaml

    source = Path(path)
    if not source.exists():
        raise InputError(f"{source}: collapse hierarchy not found", "check the --collapse path")
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise InputError(
            f"{source}: expected a mapping of variable -> list of groups of levels",
            "e.g. size_class: [['50 tot 100 werkzame personen', '100 of meer werkzame personen']]",
        )
    return {str(k): [[str(level) for level in group] for group in v] for k, v in data.items()}


#: The column that carries the fpc-implied weights into calibration (`survey estimate --rake`).
_FPC_WEIGHT = "__fpc_weight__"


def _weighting_from_args(args: argparse.Namespace, frame: pd.DataFrame, meta: object) -> object:
    from survey.weighting import read_margins, read_totals, weigh

    calibrate = getattr(args, "calibrate", None)  # only `survey weight` has --calibrate
    options = (("poststratify", args.poststratify), ("rake", args.rake), ("calibrate", calibrate))
    chosen = [(m, p) for m, p in options if p]
    if len(chosen) != 1:
        if hasattr(args, "calibrate"):
            raise UsageError(
                "give exactly one of --poststratify MARGINS.csv, --rake MARGINS.csv and "
                "--calibrate TOTALS.csv"
            )
        raise UsageError("give exactly one of --poststratify MARGINS.csv and --rake MARGINS.csv")
    method, path = chosen[0]
    trim, relative = _parse_trim(getattr(args, "trim", None))
    calfun, bounds_text = getattr(args, "calfun", None), getattr(args, "bounds", None)
    if method != "calibrate" and (calfun is not None or bounds_text is not None):
        raise UsageError("--calfun and --bounds go with --calibrate TOTALS.csv")
    bounds = None
    if bounds_text is not None:
        low, sep, high = bounds_text.partition(":")
        try:
            bounds = (float(low), float(high)) if sep else None
        except ValueError:
            bounds = None
        if bounds is None:
            raise UsageError(
                f"--bounds expects L:U, bounds on the g-weights (e.g. 0.5:2), got {bounds_text!r}"
            )
    return weigh(
        frame,
        read_totals(path) if method == "calibrate" else read_margins(path),
        method=method,
        calfun=calfun,
        bounds=bounds,
        base_weight=getattr(args, "base_weight", None) or getattr(args, "weight", None),
        trim=trim,
        relative_trim=relative,
        meta=meta,  # type: ignore[arg-type]
        tolerance=getattr(args, "tol", 1e-8),
        max_iter=getattr(args, "max_iter", None),
        id_column=getattr(args, "id", None),
        hierarchy=_read_hierarchy(getattr(args, "collapse", None)),
    )


def _cmd_weight(args: argparse.Namespace) -> int:
    from survey.io import VariableMeta, write_data

    out = Path(args.out)
    if out.suffix.lower() not in (".sav", ".zsav", ".parquet"):
        raise UsageError(f"--out must end in .sav, .zsav or .parquet, not {out.suffix!r}")
    _refuse_overwriting(args.data, "--out", args.out)
    _refuse_overwriting(args.data, "--diagnostics", args.diagnostics)
    frame, meta = read_data(args.data, encoding=args.encoding)
    if args.name in frame.columns and args.name != args.base_weight:
        raise UsageError(f"the data already has a column '{args.name}'; choose another --name")
    if args.replicates and not args.diagnostics:
        raise UsageError(
            "--replicates needs --diagnostics D.json: the replicates' scale and rscales go there"
        )
    result = _weighting_from_args(args, frame, meta)
    diagnostics = result.diagnostics  # type: ignore[attr-defined]
    weighted = frame.assign(**{args.name: result.weights.to_numpy()})  # type: ignore[attr-defined]
    label = f"Gewicht ({diagnostics.method})"
    variables = {
        **meta.variables,
        args.name: VariableMeta(args.name, label, "numeric", "F12.4", "scale"),
    }
    record = diagnostics.to_dict()
    if args.replicates:
        weighted, variables, record["replicates"] = _weight_replicates(
            args, frame, meta, weighted, variables
        )
    write_data(weighted, meta.replace(variables=variables), out)
    if args.diagnostics:
        with atomic_output(args.diagnostics) as tmp:
            tmp.write_text(
                json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
    summary = diagnostics.summary
    _say(
        f"{diagnostics.method}: {diagnostics.iterations} iteration(s), converged; weights {summary['min']:,.3f} "
        f"to {summary['max']:,.3f} (median {summary['median']:,.3f}), Kish deff {summary['kish_deff']:.3f}, "
        f"effective n {summary['effective_n']:,.1f}"
    )
    for line in diagnostics.collapses:
        _say(f"collapsed: {line}")
    _say(f"wrote {out}" + (f" and {args.diagnostics}" if args.diagnostics else ""))
    return 0


def _weight_replicates(
    args: argparse.Namespace,
    frame: pd.DataFrame,
    meta: Any,
    weighted: pd.DataFrame,
    variables: dict[str, Any],
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]]:
    """Replicate weights made from the design, each calibrated as the weight was (NAME_rep001 ...)."""
    from survey.io import VariableMeta

    if args.fpc and not args.fpc_kind:
        raise UsageError("--fpc needs --fpc-kind population or fraction")
    design = SurveyDesign(
        frame, weight=args.base_weight, strata=args.strata, cluster=args.cluster or (),
        fpc=args.fpc or (), fpc_kind=args.fpc_kind, lonely_psu=args.lonely_psu,
        source=str(args.data), meta=meta,
    )  # fmt: skip
    reps = design.with_replicates(
        args.replicates, count=args.replicate_count, seed=args.seed,
        rho=0.5 if args.fay_rho is None else args.fay_rho,
    ).replicates  # fmt: skip
    calibrated = _recalibrated(reps, design.weights, args, frame, meta)
    names = [f"{args.name}_rep{r + 1:03d}" for r in range(calibrated.count)]
    taken = [name for name in names if name in frame.columns]
    if taken:
        raise UsageError(f"the data already has a column '{taken[0]}'; choose another --name")
    columns = pd.DataFrame(calibrated.factors, columns=names, index=weighted.index)
    label = f"Replicaatgewicht ({reps.type.value}, gekalibreerd)"
    for name in names:
        variables[name] = VariableMeta(name, label, "numeric", "F12.4", "scale")
    record = {
        "type": reps.type.value,
        "count": calibrated.count,
        "columns": f"{args.name}_rep*",
        "scale": calibrated.scale,
        "rscales": calibrated.rscales.tolist(),
        "rho": reps.rho,
        "seed": args.seed,
    }
    return pd.concat([weighted, columns], axis=1), variables, record


def _cmd_report(args: argparse.Namespace) -> int:
    from survey.study.reproduce import failed_figures

    study = load_study(args.config)
    if study.synthetic:
        _say("data source: SYNTHETIC (generated stand-in files, not real respondents)")
    total = time.perf_counter()
    from survey.pipeline import run_all

    run = run_all(study, args.lang, not args.no_pdf, _progress)
    assert run.report is not None
    table = run.report.reproduction
    if table is not None:
        failed = failed_figures(table)
        hidden = int((table["verdict"] == "not_assessable").sum())
        reproduced = len(table) - len(failed) - hidden
        _say(
            f"reproduction: {reproduced} of {len(table)} published figures match or are supported"
            + (f"; {hidden} not assessable (suppressed by disclosure control)" if hidden else "")
        )
    _say(
        f"report written in {time.perf_counter() - total:.1f} s: {study.relative(study.reports_dir)}/"
    )
    if args.check and table is not None and len(failed):
        listing = "\n".join(
            f"  - {r['id']}: published {r['published']}, reproduced {r['reproduced']} ({r['verdict']})"
            for _, r in failed.iterrows()
        )
        raise StatisticalError(
            f"{len(failed)} published figure(s) are not reproduced:\n{listing}",
            "see the reproduction table in the report (reports/tables/<lang>/reproduction.csv)",
        )
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from survey.init import init_study

    waves: dict[str, str] = {}
    for item in args.wave:
        name, sep, file = item.partition("=")
        if not sep or not name or not file:
            raise UsageError(
                f"--wave expects NAME=FILE.sav (e.g. w2020=data/w2020.sav), got {item!r}"
            )
        if name in waves:
            raise UsageError(f"--wave: wave '{name}' is given twice")
        waves[name] = file
    config = init_study(
        args.dir,
        waves,
        by=args.by,
        lang=args.lang,
        title=args.title,
        force=args.force,
        progress=_say,
    )
    _say(f"next: survey --config {config} report   (or, in {config.parent.parent}: survey report)")
    return 0


def _probabilities(value: str) -> tuple[float, ...]:
    try:
        probs = tuple(float(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of probabilities: {value!r}") from None
    if not probs or not all(0 <= p <= 1 for p in probs):
        raise argparse.ArgumentTypeError(f"probabilities must lie between 0 and 1: {value!r}")
    return probs


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value!r}")
    return number


def _names(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``survey`` command.

    Returns
    -------
    argparse.ArgumentParser
        The parser with one sub-command per task.
    """
    parser = argparse.ArgumentParser(
        prog="survey",
        description="Design-based survey analysis and reports for surveys delivered as SPSS exports.",
    )
    parser.add_argument("--version", action="version", version=f"survey {__version__}")
    config_help = (
        "study config or study folder (default: $SURVEY_STUDY, else the nearest config/study.yaml "
        "from the working folder upward)"
    )
    parser.add_argument("--config", help=config_help)
    parser.add_argument(
        "--progress",
        choices=["auto", "always", "never"],
        default="auto",
        help="show each step of a long run (auto: when stderr is a terminal)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    synth = sub.add_parser(
        "synth", help="write the synthetic SPSS exports (the embedded default data)"
    )
    synth.add_argument(
        "--out", help="output folder (default: synth.output_dir of the study config)"
    )
    synth.set_defaults(func=_cmd_synth)

    ingest = sub.add_parser(
        "ingest", help="validate the study's raw files and write data/processed/"
    )
    ingest.add_argument("--wave", action="append", help="only this wave (repeatable)")
    ingest.add_argument(
        "--encoding", action="append", metavar="WAVE=CODEPAGE", help="code page override"
    )
    ingest.add_argument(
        "--synth-if-missing",
        action="store_true",
        help="generate the synthetic files first if they are missing",
    )
    ingest.set_defaults(func=_cmd_ingest)

    codebook = sub.add_parser(
        "codebook", help="describe any SPSS file, or write a codebook skeleton"
    )
    codebook.add_argument("data", help=".sav, .zsav or .parquet file")
    codebook.add_argument("--format", choices=["table", "csv", "json", "yaml"], default="table")
    codebook.add_argument("--out", help="write to this file instead of standard output")
    codebook.add_argument("--encoding", help="code page override (e.g. cp1252)")
    codebook.add_argument("--wave", help="wave name to put in a YAML skeleton")
    codebook.set_defaults(func=_cmd_codebook)

    check = sub.add_parser(
        "validate", help="check a raw file against a codebook and list every problem"
    )
    check.add_argument("data", help=".sav, .zsav or .parquet file")
    check.add_argument("--codebook", required=True, help="codebook YAML")
    check.add_argument("--encoding", help="code page override (e.g. cp1252)")
    check.add_argument("--format", choices=["text", "csv"], default="text")
    check.set_defaults(func=_cmd_validate)

    est = sub.add_parser(
        "estimate", help="design-based estimates (proportions, means, totals) of any data file"
    )
    est.add_argument("data", help=".sav, .zsav or .parquet file")
    est.add_argument("--var", action="append", help="variable (repeatable)")
    est.add_argument(
        "--ratio",
        action="append",
        type=_ratio,
        metavar="NUM/DEN",
        help="ratio of two totals, e.g. api00/enroll (R svyratio; repeatable)",
    )
    est.add_argument(
        "--stat",
        choices=["proportion", "mean", "total", "variance", "quantile"],
        help="default: by type (variance: R's svyvar)",
    )
    est.add_argument(
        "--quantiles",
        type=_probabilities,
        default=(0.5,),
        metavar="P[,P...]",
        help="probabilities for --stat quantile (default 0.5, the median)",
    )
    est.add_argument(
        "--quantile-rule",
        choices=list(QRULE_NAMES),
        default="math",
        help="R's qrule for --stat quantile: math (default), school, shahvaish, hf1 ... hf9",
    )
    est.add_argument(
        "--quantile-interval",
        choices=list(QUANTILE_INTERVALS),
        default="mean",
        help="R's interval.type for --stat quantile: mean (Woodruff, default), beta, xlogit, "
        "asin, score (Francisco-Fuller) or quantile (re-estimated per replicate; replicate designs)",
    )
    est.add_argument(
        "--by",
        action="append",
        help="domain variable; twice or more for their cross (R svyby(~y, ~a + b))",
    )
    _design_arguments(est)
    est.add_argument(
        "--ci", choices=["logit", "wilson", "beta", "wald", "asin", "likelihood"], default="logit"
    )
    est.add_argument(
        "--deff",
        choices=["replace", "srswor"],
        default="replace",
        help="design effect against sampling with replacement (R deff='replace', default) or "
        "without (R deff=TRUE)",
    )
    est.add_argument("--level", type=float, default=0.95)
    est.add_argument(
        "--test",
        nargs="?",
        const="rao-scott",
        choices=["rao-scott", "ttest"],
        help="rao-scott (default): independence of --var and --by; ttest: the mean of --var in "
        "the two groups of --by (R svyttest), or against 0 without --by",
    )
    est.add_argument(
        "--chisq-statistic",
        choices=["F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint"],
        default="F",
        help="statistic of --test rao-scott, as R svychisq(statistic=): F (default), Chisq, "
        "Wald, adjWald, lincom or saddlepoint",
    )
    est.add_argument(
        "--min-count",
        type=_positive_int,
        metavar="N",
        help="apply the report's disclosure control: suppress cells of fewer than N respondents "
        "and any cell they could be derived from (default: off, for analysts with data access)",
    )
    est.add_argument("--format", choices=["json", "csv", "table"], default="table")
    est.set_defaults(func=_cmd_estimate)

    mod = sub.add_parser(
        "model", help="design-based generalised linear model of any data file (R svyglm)"
    )
    mod.add_argument("data", help=".sav, .zsav or .parquet file")
    mod.add_argument(
        "--formula",
        required=True,
        help="R-style formula, e.g. 'y ~ x1 + C(group) + x2 * x3 + offset(log(z))'",
    )
    mod.add_argument(
        "--family",
        choices=["gaussian", "binomial", "quasibinomial", "poisson", "quasipoisson"],
        default="gaussian",
        help="gaussian (identity link, default), (quasi)binomial (logit), (quasi)poisson (log)",
    )
    mod.add_argument("--offset", metavar="COL", help="offset column or expression, e.g. log(z)")
    mod.add_argument(
        "--test",
        action="append",
        metavar="TERMS",
        help="test that these terms are zero, e.g. 'x2 + x3' (R regTermTest; repeatable)",
    )
    mod.add_argument(
        "--test-method",
        choices=["Wald", "LRT"],
        default="Wald",
        help="Wald F (default) or the Rao-Scott working likelihood ratio",
    )
    mod.add_argument(
        "--margins",
        metavar="GROUPVAR",
        help="predicted mean response per level of this variable (R svypredmeans)",
    )
    _design_arguments(mod)
    mod.add_argument("--level", type=float, default=0.95)
    mod.add_argument("--format", choices=["json", "csv", "table"], default="table")
    mod.set_defaults(func=_cmd_model)

    wgt = sub.add_parser(
        "weight",
        help="post-stratify, rake or calibrate a data file to population margins or totals",
    )
    wgt.add_argument("data", help=".sav, .zsav or .parquet file")
    wgt.add_argument(
        "--out", required=True, help="output .sav, .zsav or .parquet (every column + the weight)"
    )
    wgt.add_argument("--base-weight", help="starting weights (default: equal)")
    method = wgt.add_mutually_exclusive_group(required=True)
    method.add_argument(
        "--poststratify", metavar="M.csv", help="margins file (variable,level,target)"
    )
    method.add_argument("--rake", metavar="M.csv", help="margins file (variable,level,target)")
    method.add_argument(
        "--calibrate",
        metavar="T.csv",
        help="calibrate (R's calibrate) to a totals file (variable,level,target; a numeric "
        "variable's total has an empty level, the population size is the row (Intercept),,N)",
    )
    wgt.add_argument(
        "--calfun",
        choices=["linear", "raking", "logit"],
        help="calibration function of --calibrate (default linear; logit needs --bounds)",
    )
    wgt.add_argument(
        "--bounds", metavar="L:U", help="bounds on the g-weights of --calibrate (e.g. 0.5:2)"
    )
    wgt.add_argument(
        "--trim", metavar="LOW:HIGH", help="weight bounds (LOWx:HIGHx: times the median)"
    )
    wgt.add_argument("--name", default="weight", help="name of the new weight column")
    wgt.add_argument(
        "--max-iter",
        type=int,
        help="most raking sweeps (default 100; 1000 with --trim); Newton steps of --calibrate "
        "(default 50)",
    )
    wgt.add_argument("--tol", type=float, default=1e-8)
    wgt.add_argument("--diagnostics", metavar="D.json", help="write the diagnostics as JSON")
    wgt.add_argument("--id", help="identifier shown with the largest weights")
    wgt.add_argument(
        "--collapse", metavar="H.yaml", help="merge empty margin levels along this hierarchy"
    )
    wgt.add_argument("--encoding", help="code page override (e.g. cp1252)")
    reps = wgt.add_argument_group(
        "replicate weights",
        "also write replicate weights made from the design, each calibrated like the weight "
        "(R's calibrate/rake on as.svrepdesign); their scale and rscales go to --diagnostics",
    )
    reps.add_argument("--replicates", choices=list(GENERATED_REPLICATES), help="kind of replicates")
    reps.add_argument("--strata", help="stratum variable of the design")
    reps.add_argument("--cluster", type=_names, help="PSU[,SSU] variables of the design")
    reps.add_argument("--fpc", type=_names, help="finite population correction per stage")
    reps.add_argument("--fpc-kind", choices=["population", "fraction"], help="what --fpc holds")
    reps.add_argument(
        "--lonely-psu",
        choices=["fail", "remove", "adjust", "average", "certainty"],
        default="fail",
        help="strata with a single PSU (default: fail)",
    )
    reps.add_argument("--replicate-count", type=_positive_int, default=50, metavar="N")
    reps.add_argument("--seed", type=int, default=None, help="seed of the bootstrap draws")
    reps.add_argument("--fay-rho", type=float, help="Fay's rho (--replicates Fay)")
    wgt.set_defaults(func=_cmd_weight)

    report = sub.add_parser(
        "report", help="run the whole pipeline and write the HTML and PDF report"
    )
    report.add_argument(
        "--lang",
        choices=["nl", "en"],
        help="write the report in this language only (default: every language of report.languages)",
    )
    report.add_argument(
        "--check", action="store_true", help="exit 4 when a published figure is not reproduced"
    )
    report.add_argument("--no-pdf", action="store_true", help="write only the HTML (faster)")
    report.set_defaults(func=_cmd_report)

    init = sub.add_parser("init", help="write a new study folder for your own SPSS files")
    init.add_argument("dir", help="the study folder to write")
    init.add_argument(
        "--wave", action="append", required=True, metavar="NAME=FILE", help="a wave (repeatable)"
    )
    init.add_argument("--by", help="also show every labelled variable by this one")
    init.add_argument("--title", help="the report's title (default: the file label)")
    init.add_argument("--lang", choices=["nl", "en"], default="nl", help="report language")
    init.add_argument("--force", action="store_true", help="overwrite an existing study")
    init.set_defaults(func=_cmd_init)
    for (
        command
    ) in sub.choices.values():  # `survey report --config X` as well as `survey --config X report`
        command.add_argument("--config", default=argparse.SUPPRESS, help=config_help)
    return parser


def _os_error(exc: OSError) -> str:
    """An operating-system error as one line naming the path and what to do."""
    import errno

    paths = [
        str(p)
        for p in (exc.filename, exc.filename2)
        if p is not None and not (Path(str(p)).name.startswith(".") and str(p).endswith(".tmp"))
    ]
    where = " -> ".join(paths) if paths else "a file"
    reason = exc.strerror or str(exc)
    hints = {
        errno.EACCES: "check the permissions of the file and its folder",
        errno.EPERM: "check the permissions of the file and its folder",
        errno.EROFS: "the folder is read-only: choose another output folder",
        errno.ENOSPC: "the disk is full: free some space and run again",
        errno.EISDIR: "a folder is where a file is expected: give a file name",
        errno.ENOTDIR: "a file is where a folder is expected: correct the path",
        errno.ENAMETOOLONG: "the path is too long: use a shorter one",
        errno.ENOENT: "check that the path exists",
    }
    hint = hints.get(exc.errno or 0, "check the path and run again")
    return f"{where}: {reason}\n  what to do: {hint}"


def _show_warning(message: Warning | str, *_: object, **__: object) -> None:
    """Print a warning as ``warning: ...`` on stderr (no file name, line or source line)."""
    _say(f"warning: {message}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``survey`` command.

    Parameters
    ----------
    argv
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit code: 0 success, 2 usage error, 3 input error, 4 statistical failure.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 on --help
        return int(exc.code or 0)
    mode = getattr(args, "progress", "auto")
    _SHOW_PROGRESS["value"] = mode == "always" or (mode == "auto" and sys.stderr.isatty())
    try:
        with warnings.catch_warnings():  # a warning is one plain line, as errors are
            warnings.showwarning = _show_warning
            return int(args.func(args))
    except SurveyError as exc:
        _say(f"error: {exc}")
        return exc.exit_code
    except OSError as exc:  # permission, read-only folder, disk full, a folder for a file, ...
        _say(f"error: {_os_error(exc)}")
        return InputError.exit_code
    except KeyboardInterrupt:
        _say("interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
