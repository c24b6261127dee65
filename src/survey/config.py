"""Where the study lives, and its configuration (``config/study.yaml``), parsed strictly.

A study is a folder: ``config/study.yaml`` (waves, files, codebooks, weighting, report settings),
``config/analyses.yaml`` (the report, as data), ``config/texts.yaml`` (its titles and sentences),
codebooks, and the data and report folders. :func:`find_study` finds the study config (an explicit
path, else ``$SURVEY_STUDY``, else the nearest ``config/study.yaml`` from the working directory
upward); every relative path in it is relative to the study folder. :func:`load_study` parses it
into a frozen :class:`StudyConfig`; an unknown key is an error. Nothing here reads data files,
and no path is built from the package's own location (which is wrong once it is installed).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import yaml

from survey import strict
from survey.disclosure.policy import DisclosurePolicy, policy_from_config
from survey.errors import InputError

__all__ = [
    "STUDY_ENV",
    "StudyConfig",
    "WaveConfig",
    "WeightingConfig",
    "config_root",
    "find_study",
    "load_study",
]

#: The environment variable that names the study config when no ``--config`` is given.
STUDY_ENV = "SURVEY_STUDY"
#: Where a study folder keeps its config.
STUDY_FILE = Path("config") / "study.yaml"

_DATA_SOURCES = ("synthetic", "real")
_LANGUAGES = ("nl", "en")
_CI_METHODS = ("logit", "wilson", "beta", "wald", "asin")
_FPC_KINDS = ("population", "fraction")
_HINT = "compare with the example study's config/study.yaml (README, 'The study folder')"


#: The schema of ``study.yaml`` (msgspec): keys and types; values are checked after it.
_Names = str | list[str] | None


class _WeightingFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    method: str | None = None
    margins: str | None = None
    base_weight: str | None = None
    trim: list[float] | None = None
    max_iter: int | None = None
    tolerance: float | None = None
    collapse: dict[str, list[list[str | int | float]]] | None = None


class _WaveFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    file: str | None = None
    codebook: str | None = None
    population: str | None = None
    encoding: str | None = None
    weighting: _WeightingFile | None = None
    strata: _Names = None
    weight: str | None = None
    cluster: _Names = None
    fpc: _Names = None
    fpc_kind: str | None = None


class _ReportFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    output_dir: str | None = None
    language: str | None = None
    languages: list[str] | None = None
    data_language: str | None = None
    contact: str | None = None
    date: str | None = None
    disclosure: dict[str, Any] | None = None
    confidence_level: float | None = None
    ci_method: str | None = None
    min_cell_count: Any = None  # moved: reported with its new place


class _SynthFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    config: str | None = None
    output_dir: str | None = None


class _StudyFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    title: str | None = None
    data_source: str | None = None
    waves: dict[str, _WaveFile] | None = None
    processed_dir: str | None = None
    analyses: str | None = None
    texts: str | None = None
    synth: _SynthFile | None = None
    report: _ReportFile | None = None


@dataclass(frozen=True)
class WeightingConfig:
    """How one wave is weighted.

    Attributes
    ----------
    method
        ``"rake"``, ``"poststratify"`` or ``"linear"`` (see :data:`survey.weighting.METHODS`).
    margins
        The margins CSV (``variable,level,target``).
    base_weight
        Column of starting weights, or None for equal starting weights.
    trim
        Optional (low, high) bounds on the final weights.
    max_iter
        Most raking sweeps (None: the method's documented default).
    tolerance
        Relative tolerance on every margin.
    collapse
        Variable -> ordered groups of levels that may be merged when a margin level has no
        sample cases (see :func:`survey.weighting.collapse_sparse`).
    """

    method: str
    margins: Path
    base_weight: str | None = None
    trim: tuple[float, float] | None = None
    max_iter: int | None = None
    tolerance: float = 1e-8
    collapse: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class WaveConfig:
    """One wave of the study.

    Attributes
    ----------
    name
        Wave name, e.g. ``"wave2010"``.
    file
        The raw SPSS export.
    codebook
        Its codebook YAML.
    population
        Population table (counts by frame variables) for weighting, if any.
    encoding
        Code page override for files that declare none or the wrong one.
    weighting
        How the wave is weighted, or None for an unweighted survey.
    strata
        Variables whose combination forms the sampling strata of the design (empty: none).
    weight
        Column of design (sampling) weights, or None: every row weight 1. A wave that is also
        calibrated (``weighting``) starts from these weights unless ``base_weight`` says otherwise.
    cluster
        Primary (and secondary) sampling unit columns of a one- or two-stage cluster design.
    fpc
        Finite population correction columns, one per stage.
    fpc_kind
        ``"population"`` (the ``fpc`` columns hold population sizes) or ``"fraction"``.
    """

    name: str
    file: Path
    codebook: Path
    population: Path | None = None
    encoding: str | None = None
    weighting: WeightingConfig | None = None
    strata: tuple[str, ...] = ()
    weight: str | None = None
    cluster: tuple[str, ...] = ()
    fpc: tuple[str, ...] = ()
    fpc_kind: str | None = None


@dataclass(frozen=True)
class StudyConfig:
    """The parsed study configuration.

    Attributes
    ----------
    path
        The config file.
    root
        Folder that relative paths are resolved against.
    title
        Title of the study.
    data_source
        ``"synthetic"`` or ``"real"``.
    waves
        Wave name -> :class:`WaveConfig`, in config order.
    processed_dir
        Where cleaned data goes.
    analyses
        The report's analyses (``config/analyses.yaml``, see :mod:`survey.study.spec`).
    texts
        The study's titles and sentences per language (``config/texts.yaml``).
    synth_config
        The synth config (None for a study without synthetic stand-in files).
    synth_dir
        Where synthetic exports are written.
    reports_dir
        Where reports go.
    language
        The primary report language, ``"nl"`` or ``"en"`` (its table book is also
        ``tables.xlsx``).
    languages
        Every language the report is written in (``report.languages``; default the primary).
    data_language
        The language of the labels in the data, codebooks and analyses file; a report in
        another language shows them through the texts' ``labels`` translations.
    contact
        Who answers questions about the figures (the table book's cover), or None.
    date
        The publication date shown on the table book's cover (text, e.g. ``"2026-12-04"``), or
        None; taken from the config so that the outputs are reproducible.
    disclosure
        The disclosure policy of every published output (``report.disclosure``).
    confidence_level
        Confidence level of every interval in the report.
    ci_method
        CI method for proportions (``logit``, ``wilson``, ``beta``, ``wald``).
    """

    path: Path
    root: Path
    title: str
    data_source: str
    waves: Mapping[str, WaveConfig]
    processed_dir: Path
    analyses: Path
    texts: Path
    synth_config: Path | None
    synth_dir: Path
    reports_dir: Path
    language: str = "nl"
    languages: tuple[str, ...] = ("nl",)
    data_language: str = "nl"
    contact: str | None = None
    date: str | None = None
    disclosure: DisclosurePolicy = field(default_factory=DisclosurePolicy)
    confidence_level: float = 0.95
    ci_method: str = "logit"

    @property
    def min_cell_count(self) -> int:
        """The smallest number of respondents a published cell rests on."""
        return self.disclosure.min_cell_count

    @property
    def synthetic(self) -> bool:
        """True when the study runs on the embedded synthetic files."""
        return self.data_source == "synthetic"

    def relative(self, path: Path) -> str:
        """Return ``path`` relative to the study folder where possible, for messages and records.

        Parameters
        ----------
        path
            Any path.

        Returns
        -------
        str
            The relative path, or the absolute one for files outside the root.
        """
        try:
            return str(Path(path).resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def _weighting(spec: Any, wave: str, resolve: Any, problems: list[str]) -> WeightingConfig | None:
    if spec in (None, {}):
        return None
    if not isinstance(spec, Mapping):
        problems.append(f"waves.{wave}.weighting: expected method, margins, ...; got {spec!r}")
        return None
    method = spec.get("method", "rake")
    if method not in ("rake", "poststratify", "linear"):
        problems.append(
            f"waves.{wave}.weighting.method must be rake, poststratify or linear, not {method!r}"
        )
    margins = resolve(spec.get("margins"), f"waves.{wave}.weighting.margins")
    trim = spec.get("trim")
    if trim is not None and (not isinstance(trim, list | tuple) or len(trim) != 2):
        problems.append(f"waves.{wave}.weighting.trim must be [low, high], not {trim!r}")
        trim = None
    if margins is None:
        return None
    return WeightingConfig(
        method=str(method),
        margins=margins,
        base_weight=spec.get("base_weight"),
        trim=(float(trim[0]), float(trim[1])) if trim else None,
        max_iter=int(spec["max_iter"]) if spec.get("max_iter") is not None else None,
        tolerance=float(spec.get("tolerance", 1e-8)),
        collapse={
            str(variable): tuple(tuple(str(level) for level in group) for group in groups)
            for variable, groups in (spec.get("collapse") or {}).items()
        },
    )


#: The first line of a stand-in table (population, margins) made by ``survey synth``.
SYNTHETIC_TABLE_MARK = "# SYNTHETIC"


def _check_files(
    waves: Mapping[str, WaveConfig], source: str, synth_dir: Path, root: Path, problems: list[str]
) -> None:
    """Check that every configured file exists and that a real study uses none marked synthetic.

    Synthetic stand-ins that ``survey synth`` can still generate may be missing.
    """

    def shown(path: Path) -> str:
        return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)

    for name, wave in waves.items():
        files = {"codebook": wave.codebook, "file": wave.file, "population": wave.population}
        if wave.weighting is not None:
            files["weighting.margins"] = wave.weighting.margins
        for key, path in files.items():
            if path is None:
                continue
            generated = source == "synthetic" and path.is_relative_to(synth_dir)
            if not path.exists():
                if not generated:
                    problems.append(f"waves.{name}.{key}: {shown(path)} is not found")
                continue
            if path.is_dir():
                problems.append(f"waves.{name}.{key}: {shown(path)} is a folder, not a file")
                continue
            if source == "real" and path.suffix.lower() == ".csv" and _marked_synthetic(path):
                problems.append(
                    f"waves.{name}.{key}: {shown(path)} says it is SYNTHETIC (its first line), "
                    "but data_source is real: point it at the real table"
                )


def _marked_synthetic(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.readline().upper().startswith(SYNTHETIC_TABLE_MARK)
    except OSError:
        return False


def _names(value: Any, key: str, problems: list[str]) -> tuple[str, ...]:
    """A column name or a list of them."""
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    problems.append(f"{key} must be a column name or a list of them, not {value!r}")
    return ()


def _fpc_kind(spec: Mapping[str, Any], key: str, problems: list[str]) -> str | None:
    kind = spec.get("fpc_kind")
    if spec.get("fpc") and kind not in _FPC_KINDS:
        problems.append(
            f"{key}.fpc_kind must be population or fraction when fpc is given, not {kind!r}"
        )
    elif kind is not None and kind not in _FPC_KINDS:
        problems.append(f"{key}.fpc_kind must be population or fraction, not {kind!r}")
    return None if kind is None else str(kind)


def find_study(path: str | Path | None = None, start: str | Path | None = None) -> Path:
    """Find the study config: ``path``, else ``$SURVEY_STUDY``, else the nearest study folder.

    Parameters
    ----------
    path
        An explicit config file (``--config``), or a study folder holding ``config/study.yaml``.
    start
        Where the upward search begins (default: the working directory).

    Returns
    -------
    pathlib.Path
        The study config file.

    Raises
    ------
    InputError
        No study config is found.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "config").mkdir()
    >>> _ = (folder / "config" / "study.yaml").write_text("waves: {}")
    >>> (folder / "reports").mkdir()
    >>> find_study(start=folder / "reports") == (folder / "config" / "study.yaml").resolve()
    True
    """
    named = path or os.environ.get(STUDY_ENV)
    if named:
        candidate = Path(named)
        if candidate.is_dir():
            candidate = candidate / STUDY_FILE
        if not candidate.exists():
            source = "--config" if path else f"${STUDY_ENV}"
            raise InputError(
                f"{candidate}: study config not found (named by {source})",
                "name an existing study.yaml or study folder, or create one with `survey init DIR`",
            )
        return candidate
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / STUDY_FILE
        if candidate.is_file():
            return candidate
    raise InputError(
        f"no study config found: no {STUDY_FILE} in {here} or any folder above it",
        f"run in a study folder, pass --config PATH, set ${STUDY_ENV}, or create a study with "
        "`survey init DIR --wave NAME=FILE.sav`",
    )


def config_root(config_path: str | Path) -> Path:
    """Return the folder that relative paths in a config file resolve against.

    Parameters
    ----------
    config_path
        A YAML config file (study or synth config).

    Returns
    -------
    pathlib.Path
        The parent of the ``config/`` folder holding the file, or the file's own folder otherwise.
    """
    parent = Path(config_path).resolve().parent
    return parent.parent if parent.name == "config" else parent


def load_study(path: str | Path | None = None, start: str | Path | None = None) -> StudyConfig:
    """Load and check the study configuration.

    Parameters
    ----------
    path
        The config file or study folder; default as :func:`find_study` finds it.
    start
        Where the search for the nearest study folder begins (default: the working directory).

    Returns
    -------
    StudyConfig
        The configuration, with every path made absolute.

    Raises
    ------
    InputError
        The file is missing, not YAML, has unknown keys or misses required settings (all listed
        at once).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "config").mkdir()
    >>> (folder / "data" / "raw").mkdir(parents=True)
    >>> for name in ("data/raw/w1.sav", "config/w1.yaml"):  # every configured file must exist
    ...     (folder / name).touch()
    >>> _ = (folder / "config" / "study.yaml").write_text(
    ...     "data_source: real\\nwaves: {w1: {file: data/raw/w1.sav, codebook: config/w1.yaml}}")
    >>> study = load_study(folder)
    >>> list(study.waves), study.waves["w1"].file == folder.resolve() / "data/raw/w1.sav"
    (['w1'], True)
    """
    config_path = find_study(path, start).resolve()
    try:
        data = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{config_path}: not valid YAML ({exc})", "fix the YAML syntax") from None
    if not isinstance(data, Mapping):
        raise InputError(f"{config_path}: expected a mapping of settings", "see config/study.yaml")
    root = config_root(config_path)
    strict.convert(data, _StudyFile, config_path, _HINT)
    problems: list[str] = []

    def resolve(value: Any, key: str, required: bool = True) -> Path | None:
        if value in (None, ""):
            if required:
                problems.append(f"'{key}' is not set")
            return None
        candidate = Path(str(value))
        return candidate if candidate.is_absolute() else root / candidate

    waves: dict[str, WaveConfig] = {}
    for name, spec in (data.get("waves") or {}).items():
        if not isinstance(spec, Mapping):
            problems.append(f"wave '{name}': expected file, codebook, ...; got {spec!r}")
            continue
        file = resolve(spec.get("file"), f"waves.{name}.file")
        codebook = resolve(spec.get("codebook"), f"waves.{name}.codebook")
        if file is None or codebook is None:
            continue
        waves[str(name)] = WaveConfig(
            name=str(name),
            file=file,
            codebook=codebook,
            population=resolve(spec.get("population"), f"waves.{name}.population", required=False),
            encoding=spec.get("encoding"),
            weighting=_weighting(spec.get("weighting"), str(name), resolve, problems),
            strata=_names(spec.get("strata"), f"waves.{name}.strata", problems),
            weight=spec.get("weight"),
            cluster=_names(spec.get("cluster"), f"waves.{name}.cluster", problems),
            fpc=_names(spec.get("fpc"), f"waves.{name}.fpc", problems),
            fpc_kind=_fpc_kind(spec, f"waves.{name}", problems),
        )
    if not waves:
        problems.append("no waves are configured (section 'waves')")
    source = data.get("data_source", "synthetic")
    if source not in _DATA_SOURCES:
        problems.append(f"data_source must be one of {', '.join(_DATA_SOURCES)}, not {source!r}")
    report = data.get("report") or {}
    if "min_cell_count" in report:
        problems.append(
            "report.min_cell_count has moved: write it under report.disclosure "
            f"(disclosure: {{min_cell_count: {report['min_cell_count']!r}}})"
        )
        report = {k: v for k, v in report.items() if k != "min_cell_count"}
    level = report.get("confidence_level", 0.95)
    if not isinstance(level, float) or not 0.5 <= level < 1:
        problems.append(f"report.confidence_level must be a number from 0.5 to 1, not {level!r}")
    ci_method = report.get("ci_method", "logit")
    if ci_method not in _CI_METHODS:
        problems.append(
            f"report.ci_method must be one of {', '.join(_CI_METHODS)}, not {ci_method!r}"
        )
    language = report.get("language", "nl")
    if language not in _LANGUAGES:
        problems.append(f"report.language must be one of {', '.join(_LANGUAGES)}, not {language!r}")
    languages = tuple(report.get("languages") or [language])
    for key, chosen in [("languages", lang) for lang in languages] + [
        ("data_language", report.get("data_language", language))
    ]:
        if chosen not in _LANGUAGES:
            problems.append(f"report.{key}: {chosen!r} is not one of {', '.join(_LANGUAGES)}")
    if language not in languages:
        problems.append(
            f"report.language {language!r} must be one of report.languages ({', '.join(languages)})"
        )
    disclosure = DisclosurePolicy()
    try:
        disclosure = policy_from_config(report.get("disclosure"))
    except InputError as exc:
        problems.append(str(exc).replace("\n  what to do: ", "; "))
    synth = data.get("synth") or {}
    if source == "synthetic" and not synth.get("config"):
        problems.append("data_source is synthetic but 'synth.config' is not set")

    def setting(value: Any, default: str) -> Path:
        candidate = Path(str(value or default))
        return candidate if candidate.is_absolute() else root / candidate

    synth_dir = setting(synth.get("output_dir"), "data/raw/synthetic")
    _check_files(waves, source, synth_dir, root, problems)
    for key in ("analyses", "texts"):
        if data.get(key) and not setting(data[key], "").exists():
            problems.append(f"{key}: {data[key]} is not found")
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise InputError(
            f"{config_path}: the study config has {len(problems)} problem(s):\n{listing}",
            _HINT,
        )
    return StudyConfig(
        path=config_path,
        root=root,
        title=str(data.get("title", "")),
        data_source=source,
        waves=waves,
        processed_dir=setting(data.get("processed_dir"), "data/processed"),
        analyses=setting(data.get("analyses"), "config/analyses.yaml"),
        texts=setting(data.get("texts"), "config/texts.yaml"),
        synth_config=setting(synth["config"], "") if synth.get("config") else None,
        synth_dir=synth_dir,
        reports_dir=setting(report.get("output_dir"), "reports"),
        language=language,
        languages=languages,
        data_language=str(report.get("data_language", language)),
        contact=report.get("contact"),
        date=report.get("date"),
        disclosure=disclosure,
        confidence_level=float(level),
        ci_method=str(ci_method),
    )
