"""Project paths and the study configuration (``config/study.yaml``).

All paths are built here from the project root. The study config says which raw file, codebook
and population table make up each wave, where processed data and reports go, and the report
settings; :func:`load_study` parses it into a frozen :class:`StudyConfig` and checks it. Nothing
here reads data files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from survey.errors import InputError

__all__ = [
    "DEFAULT_STUDY",
    "PROJECT_ROOT",
    "StudyConfig",
    "WaveConfig",
    "WeightingConfig",
    "config_root",
    "load_study",
]

#: The repository root (``src/survey/config.py`` -> two levels up from the package).
PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: The study config used when none is named (``SURVEY_STUDY`` overrides it).
DEFAULT_STUDY = PROJECT_ROOT / "config" / "study.yaml"

_DATA_SOURCES = ("synthetic", "real")
_LANGUAGES = ("nl", "en")


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
        Most raking sweeps.
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
    max_iter: int = 100
    tolerance: float = 1e-8
    collapse: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class WaveConfig:
    """One wave of the study.

    Attributes
    ----------
    name
        Wave name, e.g. ``"wea2010"``.
    file
        The raw SPSS export.
    codebook
        Its codebook YAML.
    population
        Population table (establishment counts) for weighting, if any.
    encoding
        Code page override for files that declare none or the wrong one.
    weighting
        How the wave is weighted, or None for an unweighted survey.
    strata
        Variables whose combination forms the sampling strata of the design (empty: none).
    """

    name: str
    file: Path
    codebook: Path
    population: Path | None = None
    encoding: str | None = None
    weighting: WeightingConfig | None = None
    strata: tuple[str, ...] = ()


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
    published_figures
        The published figures YAML.
    figure_map
        How each published figure is computed from the processed data (``config/figures.yaml``).
    synth_config
        The synth config.
    synth_dir
        Where synthetic exports are written.
    reports_dir
        Where reports go.
    language
        Report language, ``"nl"`` or ``"en"``.
    min_cell_count
        Cells with fewer respondents are suppressed in reports.
    """

    path: Path
    root: Path
    title: str
    data_source: str
    waves: Mapping[str, WaveConfig]
    processed_dir: Path
    published_figures: Path
    figure_map: Path
    synth_config: Path
    synth_dir: Path
    reports_dir: Path
    language: str = "nl"
    min_cell_count: int = 10
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        """True when the study runs on the embedded synthetic files."""
        return self.data_source == "synthetic"

    def relative(self, path: Path) -> str:
        """Return ``path`` relative to the project root where possible, for messages and records.

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
        max_iter=int(spec.get("max_iter", 100)),
        tolerance=float(spec.get("tolerance", 1e-8)),
        collapse={
            str(variable): tuple(tuple(str(level) for level in group) for group in groups)
            for variable, groups in (spec.get("collapse") or {}).items()
        },
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


def load_study(path: str | Path | None = None) -> StudyConfig:
    """Load and check the study configuration.

    Parameters
    ----------
    path
        The config file; default ``$SURVEY_STUDY`` or ``config/study.yaml`` in the project root.

    Returns
    -------
    StudyConfig
        The configuration, with every path made absolute.

    Raises
    ------
    InputError
        The file is missing, not YAML, or misses required settings (all listed at once).

    Examples
    --------
    >>> study = load_study()  # doctest: +SKIP
    >>> list(study.waves)  # doctest: +SKIP
    ['wea2008', 'wea2010', 'beso2011']
    """
    config_path = Path(path or os.environ.get("SURVEY_STUDY") or DEFAULT_STUDY)
    if not config_path.exists():
        raise InputError(
            f"{config_path}: study config not found",
            "pass --config PATH or create config/study.yaml",
        )
    try:
        data = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{config_path}: not valid YAML ({exc})", "fix the YAML syntax") from None
    root = config_root(config_path)
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
            strata=tuple(spec.get("strata") or ()),
        )
    if not waves:
        problems.append("no waves are configured (section 'waves')")
    source = data.get("data_source", "synthetic")
    if source not in _DATA_SOURCES:
        problems.append(f"data_source must be one of {', '.join(_DATA_SOURCES)}, not {source!r}")
    report = data.get("report") or {}
    language = report.get("language", "nl")
    if language not in _LANGUAGES:
        problems.append(f"report.language must be one of {', '.join(_LANGUAGES)}, not {language!r}")
    min_count = report.get("min_cell_count", 10)
    if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
        problems.append(
            f"report.min_cell_count must be a whole number of at least 1, not {min_count!r}"
        )
    synth = data.get("synth") or {}

    def setting(value: Any, default: str) -> Path:
        candidate = Path(str(value or default))
        return candidate if candidate.is_absolute() else root / candidate

    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise InputError(
            f"{config_path}: the study config has {len(problems)} problem(s):\n{listing}",
            "compare with config/study.yaml in the repository",
        )
    return StudyConfig(
        path=config_path,
        root=root,
        title=str(data.get("title", "")),
        data_source=source,
        waves=waves,
        processed_dir=setting(data.get("processed_dir"), "data/processed"),
        published_figures=setting(
            data.get("published_figures"), "config/published/beso_2012_figures.yaml"
        ),
        figure_map=setting(data.get("figure_map"), "config/figures.yaml"),
        synth_config=setting(synth.get("config"), "config/synth.yaml"),
        synth_dir=setting(synth.get("output_dir"), "data/raw/synthetic"),
        reports_dir=setting(report.get("output_dir"), "reports"),
        language=language,
        min_cell_count=int(min_count),
    )
