"""Write a new study folder for any SPSS files: ``survey init DIR --wave NAME=FILE.sav``.

:func:`init_study` reads each wave's file, writes its codebook skeleton
(:func:`survey.codebook.skeleton`) and a first report as data: ``config/study.yaml`` (the waves,
referring to the files where they are), ``config/analyses.yaml`` (per wave a section with one
shares table per labelled variable, by group too with ``by``, one table of means of the numeric
variables, and the codebooks as an appendix), ``config/texts.yaml`` (titles and captions in
Dutch and English, from the wave names and the variable labels) and a README for the folder.
``survey report`` then runs on it as on any study. Equal inputs give byte-identical files.

It deliberately does not copy, change or clean the data files, guess a sampling design or
weights (the README of the new folder says how to add them), or compute anything.
"""

from __future__ import annotations

import difflib
import json
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from survey.codebook import Codebook, load_codebook, skeleton, validate
from survey.config import STUDY_FILE
from survey.errors import InputError, UsageError
from survey.io import SPSS_SUFFIXES, atomic_output, read_spss

__all__ = ["init_study"]

#: A wave name (and every section, analysis and table id written): a letter, then letters,
#: digits, ``_`` or ``-``.
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
#: Section ids the report uses itself.
_RESERVED = ("summary", "data_methods", "codebook")
#: Bars of a share chart: the height in cm is the chart's base plus this per level.
_BAR_CM = (2.4, 0.65)


@dataclass(frozen=True)
class _Wave:
    """One wave as read: its file, data, codebook skeleton and what the report shows of it."""

    name: str
    file: Path
    rows: int
    columns: int
    file_label: str
    codebook_text: str
    book: Codebook
    problems: tuple[str, ...]
    categorical: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    by: str | None = None
    levels: Mapping[str, int] = field(default_factory=dict)


def _check_file(name: str, file: str | Path) -> Path:
    path = Path(file).expanduser().resolve()
    if not path.exists():
        raise InputError(
            f"wave '{name}': {file}: file not found", "give the path of an existing .sav file"
        )
    if path.is_dir() or path.suffix.lower() not in SPSS_SUFFIXES:
        raise InputError(
            f"wave '{name}': {file}: not an SPSS file (a .sav or .zsav)",
            "export the data from SPSS (or PSPP) as .sav and give that file",
        )
    return path


def _read_wave(name: str, file: str | Path) -> tuple[_Wave, pd.DataFrame]:
    path = _check_file(name, file)
    frame, meta = read_spss(path)
    text = skeleton(meta, name, frame)
    with tempfile.TemporaryDirectory() as tmp:
        written = Path(tmp) / f"{name}.yaml"
        written.write_text(text, encoding="utf-8")
        book = load_codebook(written)
    report = validate(frame, meta, book)
    wave = _Wave(
        name=name,
        file=path,
        rows=len(frame),
        columns=len(frame.columns),
        file_label=meta.file_label or "",
        codebook_text=text,
        book=book,
        problems=tuple(p.message for p in report.errors),
    )
    return wave, frame


def _classify(wave: _Wave, frame: pd.DataFrame) -> _Wave:
    """Which variables get a shares table, which a mean, and which are left out (and why not)."""
    categorical, numeric, skipped, levels = [], [], [], {}
    for name, var in wave.book.variables.items():
        series = frame[var.raw] if var.raw in frame.columns else pd.Series(dtype=float)
        valid = series.loc[~series.isin(list(var.missing))].dropna()
        if var.type == "string":
            valid = valid.loc[valid.astype(str).str.strip() != ""]
        id_like = var.role == "id" or (series.notna().all() and series.is_unique)
        if valid.empty or id_like:
            skipped.append(name)
        elif var.is_categorical:
            categorical.append(name)
            levels[name] = len(var.canonical_labels)
        elif var.type == "numeric":
            numeric.append(name)
        else:
            skipped.append(name)
    return replace(
        wave,
        categorical=tuple(categorical),
        numeric=tuple(numeric),
        skipped=tuple(skipped),
        levels=levels,
    )


def _apply_by(waves: list[_Wave], by: str | None) -> list[_Wave]:
    if by is None:
        return waves
    having = [w for w in waves if by in w.book.variables]
    if not having:
        lines = []
        for wave in waves:
            names = list(wave.book.variables)
            close = [n for n in names if n.lower() == by.lower()]
            close += [
                n for n in difflib.get_close_matches(by, names, n=3, cutoff=0.6) if n not in close
            ]
            hint = f" (close: {', '.join(close)})" if close else ""
            lines.append(f"wave '{wave.name}' ({wave.file.name}) has no variable '{by}'{hint}")
        raise InputError(
            "--by: " + "; ".join(lines),
            "name a labelled variable of the file (`survey codebook FILE` lists them)",
        )
    for wave in having:
        if by not in wave.categorical:
            raise InputError(
                f"--by: variable '{by}' of wave '{wave.name}' ({wave.file.name}) is not a "
                "labelled (categorical) variable with answers, so it cannot form groups",
                "choose a variable with value labels (`survey codebook FILE` lists them)",
            )
    return [replace(w, by=by) if w in having else w for w in waves]


def _ids(wave: _Wave, taken: set[str]) -> dict[str, str]:
    """Analysis id per role (``shares:<var>``, ``by:<var>``, ``means``, ``means_by``), unique."""

    def make(*parts: str) -> str:
        text = "_".join(re.sub(r"[^A-Za-z0-9_-]", "_", p) for p in parts)
        base = text if _NAME.match(text) else f"t_{text}"
        out, n = base, 1
        while out in taken:
            n += 1
            out = f"{base}_{n}"
        taken.add(out)
        return out

    ids = {}
    for name in wave.categorical:
        ids[f"shares:{name}"] = make(wave.name, name)
    if wave.numeric:
        ids["means"] = make(wave.name, "means")
    if wave.by is not None:
        for name in wave.categorical:
            if name != wave.by:
                ids[f"by:{name}"] = make(wave.name, name, "by", wave.by)
        if wave.numeric:
            ids["means_by"] = make(wave.name, "means", "by", wave.by)
    return ids


def _label(book: Codebook, name: str) -> str:
    return book.variables[name].label or name


def _analyses(waves: list[_Wave], ids: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    sections = []
    for wave in waves:
        own = ids[wave.name]
        analyses: list[dict[str, Any]] = []
        for name in wave.categorical:
            height = round(_BAR_CM[0] + _BAR_CM[1] * wave.levels[name], 1)
            analyses.append(
                {
                    "id": own[f"shares:{name}"],
                    "kind": "shares",
                    "wave": wave.name,
                    "items": _Flow([name]),
                    "figure": _FlowMap(chart="share_bars", height_cm=height),
                }
            )
            if f"by:{name}" in own:
                analyses.append(
                    {
                        "id": own[f"by:{name}"],
                        "kind": "shares",
                        "wave": wave.name,
                        "items": _Flow([name]),
                        "by": wave.by,
                    }
                )
        if "means" in own:
            analyses.append(
                {
                    "id": own["means"],
                    "kind": "means",
                    "wave": wave.name,
                    "items": _Flow(wave.numeric),
                }
            )
        if "means_by" in own:
            analyses.append(
                {
                    "id": own["means_by"],
                    "kind": "means",
                    "wave": wave.name,
                    "items": _Flow(wave.numeric),
                    "by": wave.by,
                }
            )
        sections.append({"id": wave.name, "analyses": analyses})
    appendix = {"id": "codebook", "analyses": [{"id": "codebook", "kind": "codebooks"}]}
    return {"sections": sections, "appendices": [appendix]}


_WORDS = {
    "nl": {"by": "naar", "means": "Gemiddelden", "variables": "Variabelen van {wave}",
           "codebook": "Codeboek", "report": "Rapport", "and": "en"},
    "en": {"by": "by", "means": "Means", "variables": "Variables of {wave}",
           "codebook": "Codebook", "report": "Report", "and": "and"},
}  # fmt: skip


def _texts(
    waves: list[_Wave], ids: Mapping[str, Mapping[str, str]], titles: Mapping[str, str]
) -> dict[str, Any]:
    several = len(waves) > 1
    out: dict[str, Any] = {}
    for lang, words in _WORDS.items():
        sections: dict[str, str] = {}
        tables: dict[str, str] = {}
        figures: dict[str, str] = {}
        for wave in waves:
            own, book = ids[wave.name], wave.book
            sections[wave.name] = wave.name
            tail = f" ({wave.name})" if several else ""
            grouped = f", {words['by']} {_label(book, wave.by)}" if wave.by else ""
            for name in wave.categorical:
                label = book.variables[name].label
                caption = f"{name}: {label}" if label else name
                tables[own[f"shares:{name}"]] = caption + tail
                figures[own[f"shares:{name}"]] = caption + tail
                if f"by:{name}" in own:
                    tables[own[f"by:{name}"]] = caption + grouped + tail
            if "means" in own:
                tables[own["means"]] = words["means"] + tail
            if "means_by" in own:
                tables[own["means_by"]] = words["means"] + grouped + tail
        sections["codebook"] = words["codebook"]
        tables["codebook"] = words["variables"]
        out[lang] = {
            "title": titles[lang],
            "sections": sections,
            "tables": tables,
            "figures": figures,
        }
    return out


def _default_titles(waves: list[_Wave], title: str | None) -> dict[str, str]:
    if title:
        return {lang: title for lang in _WORDS}
    labels = {w.file_label for w in waves}
    if len(labels) == 1 and next(iter(labels)):
        return {lang: next(iter(labels)) for lang in _WORDS}
    names = [w.name for w in waves]
    out = {}
    for lang, words in _WORDS.items():
        joined = (
            ", ".join(names[:-1]) + f" {words['and']} " + names[-1] if len(names) > 1 else names[0]
        )
        out[lang] = f"{words['report']}: {joined}"
    return out


def _shown(path: Path) -> str:
    """A path for messages: relative to the working directory where it lies below it."""
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _q(value: Any) -> str:
    """A YAML scalar (JSON's double-quoted strings are YAML too)."""
    return json.dumps(value, ensure_ascii=False)


def _file_ref(path: Path, folder: Path) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.as_posix()


def _study_yaml(waves: list[_Wave], folder: Path, title: str, lang: str) -> str:
    lines = [
        "# The study: its waves (each an SPSS file with its codebook) and the report settings.",
        "# Written by `survey init`; edit it freely (README.md of this folder says how). Relative",
        "# paths are relative to this study folder (the folder that holds config/). An unknown",
        "# key is an error.",
        f"title: {_q(title)}",
        "",
        "# real: your own files (the package's synthetic example data would be `synthetic`)",
        "data_source: real",
        "",
        "waves:",
    ]
    for wave in waves:
        lines += [
            f"  {wave.name}:",
            f"    file: {_q(_file_ref(wave.file, folder))}   # read only: never copied or changed",
            f"    codebook: config/codebooks/{wave.name}.yaml",
            "    # weight: VAR            # design (sampling) weights, if the file has them",
            "    # strata: [VAR]          # the sampling strata of the design, if any",
            "    # cluster: [PSU]         # sampling units of a one- or two-stage cluster design",
            "    # fpc: [VAR]             # finite population corrections, one per stage, and",
            "    # fpc_kind: population   #   whether they hold population sizes or fractions",
            "    # weighting:             # weight to population margins (variable,level,target)",
            "    #   method: rake         # rake, poststratify or linear",
            "    #   margins: config/margins.csv",
            "    # encoding: cp1252       # when the file declares no or the wrong code page",
        ]
    lines += [
        "",
        "processed_dir: data/processed        # cleaned data (generated; may be deleted)",
        "analyses: config/analyses.yaml       # the report's sections, tables and figures, as data",
        "texts: config/texts.yaml             # the report's titles and captions (nl, en)",
        "",
        "report:",
        "  output_dir: reports",
        f"  language: {lang}            # the report's language, nl or en",
        "  # languages: [nl, en]   # write the report in both (report.nl.html, report.en.html, ...)",
        f"  data_language: {lang}       # the language of your files' labels; a report in the other",
        "                          # language shows them through `labels:` in config/texts.yaml",
        "  disclosure:             # disclosure control of every output (agree it with the data owner)",
        "    min_cell_count: 10    # no shown cell, or its base, rests on fewer respondents",
        "    protect_zeros: false  # true: a count of 0 is a small cell too",
        "    # dominance: {rule: nk, n: 2, k: 85}   # or {rule: p, p: 10}: for means and totals",
        "  confidence_level: 0.95  # of every interval in the report",
        "  ci_method: logit        # for proportions: logit, wilson, beta, wald or asin",
    ]
    return "\n".join(lines) + "\n"


class _Flow(list):  # type: ignore[type-arg]
    """A list written on one line (``items: [q1, q2]``)."""


class _FlowMap(dict):  # type: ignore[type-arg]
    """A mapping written on one line (``figure: {chart: share_bars, height_cm: 4.3}``)."""


class _Dumper(yaml.SafeDumper):
    """Block style, but :class:`_Flow` and :class:`_FlowMap` on one line."""


_Dumper.add_representer(
    _Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)
_Dumper.add_representer(
    _FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True)
)


def _yaml(header: str, document: Mapping[str, Any]) -> str:
    body = yaml.dump(
        dict(document),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )
    return header + body


_ANALYSES_HEADER = """\
# The report of this study, as data: its sections in order and the analyses in each (written by
# `survey init`: per wave one shares table per labelled variable, by group where `by` is set, and
# one table of the means of the numeric variables; the codebooks as an appendix). Remove, reorder
# or add analyses freely; the kinds and their keys are in the package README ("The study folder").
# Every table and figure id needs a caption in config/texts.yaml, in each language. An unknown key
# is an error.
"""

_TEXTS_HEADER = """\
# The study's own words in the report, per language: the title, the section titles and the
# captions of the tables and figures (by the ids of config/analyses.yaml). Written by `survey
# init` from the wave names and the variable labels; edit them freely. Optional: `summary:` and
# `methods:` (lists of paragraphs) replace the package's generic ones.
"""


def _readme(waves: list[_Wave], title: str) -> str:
    labelled = [*waves[0].categorical, "q1", "region"]
    item = labelled[0]
    group = next(n for n in labelled[1:] if n != item)
    example_id = re.sub(r"[^A-Za-z0-9_-]", "_", f"{waves[0].name}_{item}_by_{group}")
    pad, pad_by = " " * max(1, 15 - len(item)), " " * max(1, 20 - len(group))
    rows = "\n".join(
        f"| `{w.name}` | `{w.file}` | `config/codebooks/{w.name}.yaml` | {w.rows} | "
        f"{len(w.categorical)} | {len(w.numeric)} | {w.by or '–'} |"
        for w in waves
    )
    return f"""# {title}

A study folder written by `survey init`. The data files stay where they are; this folder holds
the study's configuration, its processed data and its report.

| wave | file | codebook | cases | shares tables | numeric variables | by group |
|---|---|---|---|---|---|---|
{rows}

## What is here

- `config/study.yaml`: the waves (file and codebook of each), where the processed data and the
  report go, and the report settings (language, minimum cell count, confidence level, CI method).
  An unknown key is an error. Add `weight:`, `strata:`, `cluster:` and `fpc:` to a wave for its
  sampling design, or `weighting:` for weights to population margins (see the commented lines).
- `config/codebooks/<wave>.yaml`: what each file holds: per variable its name in the file, type,
  label, codes and missing codes. Written from the file's own labels: labelled variables are
  categorical, others numeric. Check the missing codes. The keys are the names the analyses
  use: rename a variable there and in `config/analyses.yaml` together.
- `config/analyses.yaml`: the report, as data. Per wave a section with, for every labelled
  variable, a table of shares (with a bar chart), the same by group when `survey init` was given
  `--by`, and the means of the numeric variables; the codebooks as an appendix.
- `config/texts.yaml`: the report's title, section titles and the captions of the tables and
  figures, in Dutch (`nl`) and English (`en`).
- `data/processed/`: the cleaned data, written by `survey report` (or `survey ingest`).
- `reports/`: the report (HTML, PDF and the XLSX table book, per language), every table as CSV,
  and the figures (generated).

## Making the report

From this folder:

    survey report              # report.<lang>.html/.pdf, tables.<lang>.xlsx in reports/
    survey report --lang en    # in English (the labels of your files need English forms under
                               # `en: labels:` in config/texts.yaml, unless data_language is en)
    survey report --no-pdf     # HTML only (faster)

From anywhere else: `survey --config path/to/this/folder/config/study.yaml report`.

## Changing the report

Edit `config/analyses.yaml`: remove the tables you do not need, reorder them, move them between
sections, or add analyses. An analysis has an `id` (letters, digits, `_` or `-`, starting with a
letter), a `kind` and the kind's keys, for example:

    - id: {example_id}
      kind: shares            # shares, means, compare, trend, model, reliability, codebooks, ...
      wave: {waves[0].name}
      items: [{item}]{pad}# variables of the codebook
      by: {group}{pad_by}# optional: by group
      figure: {{chart: share_bars, height_cm: 6}}   # optional

Give every new table (and figure) a caption in `config/texts.yaml`, under `tables:` (and
`figures:`) in both `nl:` and `en:`. Run `survey report` again: it says which key is missing or
unknown, if any.
"""


def init_study(
    folder: str | Path,
    waves: Mapping[str, str | Path],
    by: str | None = None,
    lang: str = "nl",
    title: str | None = None,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write a ready study folder for any SPSS files: config, codebooks, analyses, texts, README.

    Every wave's file is read (never copied or changed) and gets a codebook skeleton
    (``config/codebooks/<wave>.yaml``; labelled variables are categorical). The analyses give each
    wave a section: a shares table (and bar chart) per labelled variable, with ``by`` also a
    shares table by that variable's groups in every wave that has it, and one table of means of
    the numeric variables; variables whose values are all different (identifiers), unlabelled
    text variables and variables without any valid value are left out. The codebooks follow as an
    appendix. Nothing is written until every file has been read and checked.

    Parameters
    ----------
    folder
        The study folder to write (created if needed).
    waves
        Wave name -> its ``.sav`` or ``.zsav`` file, in report order. Names start with a letter
        and hold letters, digits, ``_`` and ``-``.
    by
        A labelled variable to show every labelled variable by, in the waves that have it.
    lang
        The report's language in ``study.yaml`` (``nl`` or ``en``; the texts have both).
    title
        The report's title; default the files' common file label, else the wave names.
    force
        Overwrite an existing study in ``folder``.
    progress
        Receives one line per step (default: silent).

    Returns
    -------
    pathlib.Path
        The study config, ``folder/config/study.yaml``.

    Raises
    ------
    UsageError
        No waves, a bad wave name, or an unknown language.
    InputError
        ``folder`` already holds a study (without ``force``), a file is missing or not SPSS, or
        ``by`` is in no wave or is not a labelled variable of a wave that has it.

    Examples
    --------
    >>> import tempfile, pandas as pd, pyreadstat
    >>> tmp = Path(tempfile.mkdtemp())
    >>> frame = pd.DataFrame({"resp": [1.0, 2, 3, 4, 5, 6], "q1": [1.0, 2, 1, 1, 2, 1],
    ...                       "region": [1.0, 1, 2, 2, 1, 2], "age": [30.0, 41, 30, 52, 41, 30]})
    >>> pyreadstat.write_sav(frame, str(tmp / "w1.sav"),
    ...     column_labels={"q1": "Works", "region": "Region", "age": "Age"},
    ...     variable_value_labels={"q1": {1: "Yes", 2: "No"}, "region": {1: "North", 2: "South"}})
    >>> config = init_study(tmp / "study", {"w1": tmp / "w1.sav"}, by="region")
    >>> config.relative_to(tmp).as_posix()
    'study/config/study.yaml'
    >>> sorted(p.name for p in (tmp / "study" / "config").rglob("*.yaml"))
    ['analyses.yaml', 'study.yaml', 'texts.yaml', 'w1.yaml']
    >>> import yaml
    >>> spec = yaml.safe_load((tmp / "study" / "config" / "analyses.yaml").read_text())
    >>> [a["id"] for a in spec["sections"][0]["analyses"]]
    ['w1_q1', 'w1_q1_by_region', 'w1_region', 'w1_means', 'w1_means_by_region']
    >>> yaml.safe_load((tmp / "study" / "config" / "texts.yaml").read_text())["en"]["tables"][
    ...     "w1_q1_by_region"]
    'q1: Works, by Region'
    """
    say = progress or (lambda _: None)
    if lang not in _WORDS:
        raise UsageError(f"--lang must be one of {', '.join(_WORDS)}, not {lang!r}")
    if not waves:
        raise UsageError("give at least one wave: --wave NAME=FILE.sav")
    for name in waves:
        if not _NAME.match(name):
            raise UsageError(
                f"wave name {name!r}: use a letter, then letters, digits, '_' or '-' (e.g. w2020)"
            )
        if name in _RESERVED:
            raise UsageError(f"wave name {name!r} is used by the report itself; choose another")
    root = Path(folder).expanduser().resolve()
    config = root / STUDY_FILE
    if config.exists() and not force:
        raise InputError(
            f"{config}: a study already exists here",
            "choose another folder, or pass --force to overwrite its config, codebooks and README",
        )
    read = []
    for name, file in waves.items():
        wave, frame = _read_wave(name, file)
        say(f"read {wave.file}: {wave.rows} cases, {wave.columns} variables")
        read.append(_classify(wave, frame))
    read = _apply_by(read, by)
    taken: set[str] = {"codebook"}
    ids = {wave.name: _ids(wave, taken) for wave in read}
    titles = _default_titles(read, title)
    files = {
        config: _study_yaml(read, root, titles[lang], lang),
        root / "config" / "analyses.yaml": _yaml(_ANALYSES_HEADER, _analyses(read, ids)),
        root / "config" / "texts.yaml": _yaml(_TEXTS_HEADER, _texts(read, ids, titles)),
        root / "README.md": _readme(read, titles[lang]),
    }
    for wave in read:
        files[root / "config" / "codebooks" / f"{wave.name}.yaml"] = wave.codebook_text
    for path, text in files.items():
        with atomic_output(path) as tmp:
            tmp.write_bytes(text.encode("utf-8"))
    for sub in ("data/processed", "reports"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for wave in read:
        grouped = f", by {wave.by}" if wave.by else ""
        say(
            f"{wave.name}: {len(wave.categorical)} labelled variable(s) as shares tables{grouped}, "
            f"{len(wave.numeric)} numeric as means; left out (identifier, text or empty): "
            f"{', '.join(wave.skipped) or 'none'}"
        )
        for problem in wave.problems[:5]:
            say(f"warning: {problem}")
        if wave.problems:
            say(
                f"warning: {len(wave.problems)} problem(s): edit config/codebooks/{wave.name}.yaml "
                "before `survey report`"
            )
    if by is not None:
        lacking = [w.name for w in read if w.by is None]
        if lacking:
            say(f"note: --by {by} is not in wave(s) {', '.join(lacking)}; no by-group tables there")
    for path in files:
        say(f"wrote {_shown(path)}")
    return config
