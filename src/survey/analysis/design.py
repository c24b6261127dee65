"""The survey design: weights, strata, clusters, finite population corrections, and variances.

A :class:`SurveyDesign` is a frozen description of how a sample was drawn, made from column names
of a data frame: weights; strata; one or two stages of clusters; a finite population correction
per stage, given explicitly as population sizes or as sampling fractions; and a policy for
strata with a single PSU. From it follow the design degrees of freedom and, through
:meth:`SurveyDesign.vcov`, the Taylor-linearisation (co)variance of any estimator whose
influence values (linearised scores) are given, computed as R's ``survey`` package does
(``svyrecvar`` / ``multistage`` / ``onestrat``).

It does not estimate anything by itself (``estimate.py`` does) and does not calibrate weights
(``weighting.py``).

References
----------
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2 and appendix.
Wolter, K. (2007). *Introduction to Variance Estimation*, 2nd ed. Springer, ch. 6.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from survey.errors import InputError, StatisticalError
from survey.io import FileMeta, read_data

__all__ = ["FpcKind", "LonelyPSU", "SurveyDesign", "user_missing_as_nan"]


class LonelyPSU(enum.Enum):
    """What to do with a stratum that has a single PSU (R: ``options(survey.lonely.psu)``).

    ``FAIL`` stops with an error; ``REMOVE`` and ``CERTAINTY`` let the stratum contribute nothing
    to the variance; ``ADJUST`` centres its PSU at the grand mean instead of the stratum mean;
    ``AVERAGE`` gives it the average variance of the other strata.
    """

    FAIL = "fail"
    REMOVE = "remove"
    ADJUST = "adjust"
    AVERAGE = "average"
    CERTAINTY = "certainty"


class FpcKind(enum.Enum):
    """How finite population corrections are given: population sizes or sampling fractions.

    Mistaking one for the other silently gives absurd standard errors, so it is always said.
    """

    POPULATION = "population"
    FRACTION = "fraction"


def user_missing_as_nan(frame: pd.DataFrame, meta: FileMeta | None) -> pd.DataFrame:
    """Replace user-missing codes declared in the file by NaN (estimates treat them as missing).

    Parameters
    ----------
    frame
        Raw codes as read from an SPSS file.
    meta
        Its metadata; None leaves the frame as it is.

    Returns
    -------
    pandas.DataFrame
        A copy with declared missing values and ranges set to NaN.
    """
    if meta is None:
        return frame
    out = frame.copy()
    for name, var in meta.variables.items():
        if name in out.columns and (var.missing_values or var.missing_ranges):
            if var.type == "string":
                out[name] = out[name].where(~out[name].isin(list(var.missing_values)), None)
            else:
                out[name] = out[name].where(~var.is_user_missing(out[name]))
    return out


def _codes(values: pd.Series) -> np.ndarray:
    return pd.factorize(values, sort=True)[0]


@dataclass(frozen=True)
class _Stage:
    """Index arrays of one sampling stage."""

    cluster: np.ndarray  # row -> cluster number (unique within the whole sample)
    stratum: np.ndarray  # cluster number -> stratum number
    n_clusters: np.ndarray  # stratum number -> clusters sampled in it
    popsize: np.ndarray  # stratum number -> clusters in the population (inf: with replacement)


def _code_text(code: Any) -> str:
    """A code as a label: whole numbers without ``.0``."""
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


@dataclass(frozen=True)
class SurveyDesign:
    """A complex survey design over a data frame.

    Parameters
    ----------
    data
        One row per respondent.
    weight
        Column of sampling weights. None: with ``fpc`` the weights the fpc implies, 1/pi per
        stage (:meth:`fpc_weights`, as R's ``svydesign`` without ``weights``); without it 1.
    strata
        Column of first-stage strata; None for an unstratified design.
    cluster
        First-stage cluster (PSU) column, or two columns (PSU, SSU) for a two-stage design;
        empty for an element sample.
    fpc
        One column per stage with the finite population correction, as population sizes
        (number of PSUs in the stratum, number of SSUs in the PSU) or sampling fractions,
        according to ``fpc_kind``; empty for sampling with replacement.
    fpc_kind
        :class:`FpcKind`: how ``fpc`` is given. Required whenever ``fpc`` is.
    lonely_psu
        :class:`LonelyPSU` policy for strata with one PSU.
    source
        Where the data came from, for messages.
    meta
        The file's metadata (value labels), if the data came from a file.
    calibration
        Calibrations the weights went through (:class:`survey.weighting.Calibration`), so that
        variances account for them; empty treats the weights as fixed.
    replicates
        Replicate weights (:class:`survey.analysis.replicates.ReplicateWeights`): variances are
        then the spread of replicate re-estimates (R's ``svrepdesign``) instead of Taylor
        linearisation, and the degrees of freedom the rank of the replicate weights minus 1.
        See :meth:`with_replicates`.

    Notes
    -----
    Cluster identifiers are nested in strata (and SSUs in PSUs): the same id in two strata
    names two clusters, as R's ``svydesign(nest = TRUE)``.

    Examples
    --------
    >>> frame = pd.DataFrame({"w": [2.0, 2, 4, 4], "s": [1, 1, 2, 2], "y": [1.0, 0, 1, 1]})
    >>> design = SurveyDesign(frame, weight="w", strata="s")
    >>> design.df
    2
    """

    data: pd.DataFrame
    weight: str | None = None
    strata: str | None = None
    cluster: tuple[str, ...] = ()
    fpc: tuple[str, ...] = ()
    fpc_kind: FpcKind | None = None
    lonely_psu: LonelyPSU = LonelyPSU.FAIL
    source: str | None = None
    meta: FileMeta | None = field(default=None, repr=False, compare=False)
    calibration: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    replicates: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cluster", _as_tuple(self.cluster))
        object.__setattr__(self, "fpc", _as_tuple(self.fpc))
        if isinstance(self.lonely_psu, str):
            object.__setattr__(self, "lonely_psu", _enum(LonelyPSU, self.lonely_psu, "lonely_psu"))
        if isinstance(self.fpc_kind, str):
            object.__setattr__(self, "fpc_kind", _enum(FpcKind, self.fpc_kind, "fpc_kind"))
        self._check()

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_file(
        cls, path: str | Path, encoding: str | None = None, **design: Any
    ) -> SurveyDesign:
        """Build a design straight from a ``.sav``, ``.zsav`` or ``.parquet`` file.

        User-missing codes declared in an SPSS file become missing values.

        Parameters
        ----------
        path
            The data file.
        encoding
            Code page override for SPSS files.
        **design
            Column names and options, as for :class:`SurveyDesign`.

        Returns
        -------
        SurveyDesign
            The design.
        """
        frame, meta = read_data(path, encoding=encoding)
        return cls(user_missing_as_nan(frame, meta), source=str(path), meta=meta, **design)

    def update(self, **changes: Any) -> SurveyDesign:
        """Return a copy with some settings changed; this design is left as it is.

        Parameters
        ----------
        **changes
            Attributes to change, e.g. ``lonely_psu=LonelyPSU.ADJUST``.

        Returns
        -------
        SurveyDesign
            The new design.
        """
        return dataclasses.replace(self, **changes)

    def with_domain(self, mask: pd.Series | np.ndarray, name: str, label: str) -> SurveyDesign:
        """Return a design with a one-level domain column, for estimates in a derived base.

        Parameters
        ----------
        mask
            True for the rows in the domain.
        name
            Name of the new column.
        label
            Its one category (rows outside the domain are missing).

        Returns
        -------
        SurveyDesign
            The same design with the column added; estimates ``by=name`` use the full design.
        """
        inside = pd.Series(np.asarray(mask, dtype=bool), index=self.data.index)
        values = pd.Series(label, index=self.data.index, dtype=object).where(inside)
        column = pd.Categorical(values, categories=[label])
        return dataclasses.replace(self, data=self.data.assign(**{name: column}))

    def crossed(self, names: Sequence[str]) -> tuple[SurveyDesign, str]:
        """A design with one domain variable that crosses several (R's ``svyby(~y, ~a + b)``).

        Parameters
        ----------
        names
            The domain variables, at least two.

        Returns
        -------
        tuple
            The design with the new column, and its name (``"a+b"``). Its categories are
            ``"label a, label b"``, the first variable's levels the outer order; a row missing
            any of the variables is in no domain.

        Examples
        --------
        >>> frame = pd.DataFrame({"a": ["x", "x", "y"], "b": ["p", "q", "p"]})
        >>> design, name = SurveyDesign(frame).crossed(["a", "b"])
        >>> name, list(design.data[name].cat.categories)
        ('a+b', ['x, p', 'x, q', 'y, p', 'y, q'])
        """
        from survey.analysis._domain import _variable

        if len(names) < 2:
            raise InputError("a cross of domains needs at least two variables", "give --by twice")
        labels, rows = [], []
        for name in names:
            var = _variable(self, name, categorical=True)
            shown = [str(var.labels.get(code, _code_text(code))) for code in var.levels]
            labels.append(shown)
            index = np.asarray(var.index)
            rows.append([shown[i] if i >= 0 else None for i in index])
        categories = [", ".join(combo) for combo in itertools.product(*labels)]
        values = [
            None if any(v is None for v in row) else ", ".join(row)  # type: ignore[arg-type]
            for row in zip(*rows, strict=True)
        ]
        name = "+".join(names)
        column = pd.Categorical(values, categories=categories)
        return dataclasses.replace(self, data=self.data.assign(**{name: column})), name

    def calibrate(self, result: Any, name: str = "weight") -> SurveyDesign:
        """Return a design that uses calibrated weights and remembers the calibration.

        Standard errors then account for the calibration, as R's survey package does after
        ``postStratify``, ``rake`` and ``calibrate``. To treat the new weights as fixed instead,
        use ``design.calibrate(result).update(calibration=())``.

        Parameters
        ----------
        result
            A :class:`survey.weighting.WeightingResult` computed on this design's data.
        name
            Column name for the new weights.

        Returns
        -------
        SurveyDesign
            The calibrated design.
        """
        weights = np.asarray(result.weights, dtype=float)
        if len(weights) != self.n:
            raise InputError(
                f"{self.where()}the weights have {len(weights)} rows, the design {self.n}",
                "calibrate on the design's own data",
            )
        data = self.data.assign(**{name: weights})
        steps = self.calibration + ((result.calibration,) if result.calibration is not None else ())
        return dataclasses.replace(self, data=data, weight=name, calibration=steps)

    def with_replicates(
        self,
        type: str = "JKn",
        *,
        count: int = 50,
        seed: int | None = None,
        rho: float = 0.5,
        mse: bool = False,
    ) -> SurveyDesign:
        """Return this design with replicate weights made from its strata and PSUs.

        As R's ``as.svrepdesign``; see :func:`survey.analysis.replicates.make_replicates`.

        Parameters
        ----------
        type
            ``JK1``, ``JKn``, ``BRR``, ``Fay``, ``bootstrap`` or ``subbootstrap``.
        count
            Bootstrap replicates.
        seed
            Bootstrap seed.
        rho
            Fay's coefficient.
        mse
            Centre the replicates at the full-sample estimate.

        Returns
        -------
        SurveyDesign
            The replicate design.

        Examples
        --------
        >>> frame = pd.DataFrame({"s": [1, 1, 2, 2], "y": [1.0, 2, 3, 5]})
        >>> design = SurveyDesign(frame, strata="s").with_replicates("JKn")
        >>> design.replicates.count, design.df
        (4, 2)
        """
        from survey.analysis.replicates import make_replicates

        reps = make_replicates(self, type, count=count, seed=seed, rho=rho, mse=mse)
        return dataclasses.replace(self, replicates=reps)

    def with_replicate_weights(
        self,
        columns: str | Sequence[str],
        type: str,
        *,
        scale: float | None = None,
        rscales: Sequence[float] | None = None,
        rho: float | None = None,
        mse: bool = False,
        combined: bool = True,
    ) -> SurveyDesign:
        """Return this design with the replicate weights its data holds, as R's ``svrepdesign``.

        The design's own weight stays the full-sample weight; strata and clusters no longer
        enter the variance. See :func:`survey.analysis.replicates.supplied_replicates`.

        Parameters
        ----------
        columns
            Replicate-weight columns: names, a glob (``repw*``) or a regular expression.
        type
            ``BRR``, ``Fay``, ``JK1``, ``JKn``, ``bootstrap``, ``ACS`` or
            ``successive-difference``.
        scale, rscales, rho, mse, combined
            As R's ``svrepdesign``.

        Returns
        -------
        SurveyDesign
            The replicate design.

        Examples
        --------
        >>> frame = pd.DataFrame({"w": [2.0, 2], "r1": [4.0, 0], "r2": [0.0, 4], "y": [1.0, 3]})
        >>> design = SurveyDesign(frame, weight="w").with_replicate_weights("r*", "JK1", scale=0.5)
        >>> design.replicates.count
        2
        """
        from survey.analysis.replicates import supplied_replicates

        reps = supplied_replicates(
            self.data, columns, type, self.weights, scale=scale, rscales=rscales, rho=rho,
            mse=mse, combined=combined, source=self.where(),
        )  # fmt: skip
        return dataclasses.replace(self, replicates=reps)

    def replicate_vcov(
        self,
        columns: np.ndarray | sp.spmatrix,
        statistic: Callable[[np.ndarray], np.ndarray],
        diagonal: bool = True,
    ) -> np.ndarray:
        """Replicate variance of a statistic of weighted totals (replicate designs only).

        Parameters
        ----------
        columns
            (rows, m) values; the statistic sees their weighted totals.
        statistic
            Maps totals of shape (r, m) to estimates (r, k).
        diagonal
            Variances only (k,), else the covariance.

        Returns
        -------
        numpy.ndarray
            The variances or covariance matrix (R's ``svrVar`` of the re-estimates).
        """
        from survey.analysis.replicates import replicate_statistic_variance

        return replicate_statistic_variance(self, columns, statistic, diagonal)

    def where(self) -> str:
        """Prefix for messages about this design's data: its source file and a colon, or nothing."""
        return f"{self.source}: " if self.source else ""

    def column(self, name: str) -> pd.Series:
        """Return a column of the data, or say which names come close.

        Parameters
        ----------
        name
            Column name.

        Returns
        -------
        pandas.Series
            The column.

        Raises
        ------
        InputError
            No such column.
        """
        if name in self.data.columns:
            return self.data[name]
        close = difflib.get_close_matches(name, [str(c) for c in self.data.columns], n=3)
        hint = (
            f"did you mean {', '.join(close)}?"
            if close
            else "list the variables with `survey codebook`"
        )
        raise InputError(f"{self.where()}no variable '{name}' in the data", hint)

    def _check(self) -> None:
        for name in [self.weight, self.strata, *self.cluster, *self.fpc]:
            if name is not None:
                self.column(name)
        if len(self.cluster) > 2:
            raise InputError(
                f"{self.where()}at most two stages of clusters are supported",
                "give one or two cluster columns",
            )
        if self.fpc and self.fpc_kind is None:
            raise InputError(
                f"{self.where()}fpc columns {', '.join(self.fpc)} are given without saying whether they are "
                "population sizes or sampling fractions",
                "set fpc_kind to 'population' or 'fraction'",
            )
        if len(self.fpc) > max(1, len(self.cluster)):
            raise InputError(
                f"{self.where()}{len(self.fpc)} fpc columns for {max(1, len(self.cluster))} stage(s)",
                "give one fpc column per stage",
            )
        if len(self.data) == 0:
            raise StatisticalError(
                f"{self.where()}the data has no rows", "check the file and any filters"
            )
        weights = self.weights
        bad = ~np.isfinite(weights) | (weights <= 0)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            value = weights[first]
            kind = "missing" if np.isnan(value) else ("zero" if value == 0 else "negative")
            raise InputError(
                f"{self.where()}weight '{self.weight}' is {kind} ({value:g}) in {int(bad.sum())} row(s), "
                f"first in row {first + 1}",
                "weights must be positive; drop those rows or fix the weights",
            )
        for name in [self.strata, *self.cluster]:
            if name is not None and self.data[name].isna().any():
                raise InputError(
                    f"{self.where()}design variable '{name}' is missing in {int(self.data[name].isna().sum())} row(s)",
                    "every respondent needs a stratum and cluster",
                )
        if self.lonely_psu is LonelyPSU.FAIL:
            for depth, stage in enumerate(self._stages):
                if depth == 1 and not np.isfinite(self._stages[0].popsize).any():
                    continue  # without a first-stage fpc the second stage adds no variance
                lonely = np.flatnonzero((stage.n_clusters == 1) & ~self._fpc_is_zero(stage))
                if lonely.size:
                    raise StatisticalError(
                        f"{self.where()}{lonely.size} stratum/strata have only one PSU at stage {depth + 1} "
                        f"(first: {self._stratum_label(depth, int(lonely[0]))})",
                        "choose a lonely-PSU policy (remove, adjust, average, certainty) or collapse strata",
                    )

    @staticmethod
    def _fpc_is_zero(stage: _Stage) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.isfinite(stage.popsize) & (
                (stage.popsize - stage.n_clusters) / stage.popsize < 1e-7
            )

    def _stratum_label(self, depth: int, number: int) -> str:
        if depth == 0 and self.strata is not None:
            values = np.sort(self.data[self.strata].unique())
            return f"{self.strata} = {values[number]}"
        return f"number {number + 1}"

    # ------------------------------------------------------------------ derived quantities

    @cached_property
    def weights(self) -> np.ndarray:
        """The sampling weights as floats.

        The weight column when there is one; without it, but with an fpc for every stage, the
        inverse inclusion probabilities that the fpc implies (:meth:`fpc_weights`, as R's
        ``svydesign`` computes them); otherwise 1.
        """
        if self.weight is not None:
            return pd.to_numeric(self.data[self.weight], errors="coerce").to_numpy(dtype=float)
        if self.fpc:
            return self.fpc_weights()
        return np.ones(len(self.data))

    @property
    def weights_from(self) -> str:
        """Where the weights come from: ``"column"``, ``"fpc"`` or ``"equal"`` (all 1)."""
        if self.weight is not None:
            return "column"
        return "fpc" if self.fpc else "equal"

    def fpc_weights(self) -> np.ndarray:
        """The weights the finite population corrections imply: 1/pi, the product over stages.

        At every stage a unit's inclusion probability is the number of units sampled in its
        stratum (for stage 2: in its PSU) over the number in the population,
        :math:`\\pi_{hi} = n_h / N_h`, so the weight is :math:`\\prod_s N_{s} / n_{s}`. This is
        what R's ``svydesign(id = ~id1 + id2, fpc = ~f1 + f2)`` uses when it gets neither
        ``weights`` nor ``probs`` (``weights.survey_fpc(final = FALSE)``); fpc given as
        sampling fractions f give :math:`N = n / f`, as R's ``as.fpc`` has it.

        Returns
        -------
        numpy.ndarray
            One weight per row.

        Raises
        ------
        InputError
            The design has fewer fpc columns than stages: a stage's probabilities are unknown.

        Examples
        --------
        >>> frame = pd.DataFrame({"s": [1, 1, 2, 2, 2], "N": [10, 10, 30, 30, 30]})
        >>> design = SurveyDesign(frame, strata="s", fpc="N", fpc_kind="population")
        >>> design.fpc_weights().tolist()
        [5.0, 5.0, 10.0, 10.0, 10.0]
        """
        stages = self._stages
        if len(self.fpc) < len(stages):
            raise InputError(
                f"{self.where()}no weight is given and fpc {', '.join(self.fpc)} covers "
                f"{len(self.fpc)} of the {len(stages)} stages, so the sampling probabilities of "
                f"stage {len(self.fpc) + 1} are unknown",
                "give the weight column, or an fpc for every stage",
            )
        weights = np.ones(len(self.data))
        for stage in stages:
            stratum = stage.stratum[stage.cluster]  # per row
            weights = weights * (stage.popsize[stratum] / stage.n_clusters[stratum])
        return weights

    @property
    def n(self) -> int:
        """Number of rows."""
        return len(self.data)

    @cached_property
    def _stages(self) -> tuple[_Stage, ...]:
        n = len(self.data)
        strata = _codes(self.data[self.strata]) if self.strata else np.zeros(n, dtype=np.int64)
        ids = [self.data[c] for c in self.cluster]
        if not ids:
            psu_keys = pd.Series(np.arange(n))
        else:
            psu_keys = ids[0]
        psu = _nested_codes(strata, psu_keys.to_numpy())
        stages = [self._stage(psu, strata, 0)]
        if len(ids) == 2:
            ssu = _nested_codes(psu, ids[1].to_numpy())
            # at stage 2 the PSUs play the part of strata
            stages.append(self._stage(ssu, psu, 1))
        return tuple(stages)

    def _stage(self, cluster: np.ndarray, stratum_of_row: np.ndarray, depth: int) -> _Stage:
        n_cl = int(cluster.max()) + 1
        stratum = np.zeros(n_cl, dtype=np.int64)
        stratum[cluster] = stratum_of_row
        n_strata = int(stratum.max()) + 1
        n_clusters = np.bincount(stratum, minlength=n_strata).astype(float)
        popsize = np.full(n_strata, np.inf)
        if depth < len(self.fpc):
            raw = pd.to_numeric(self.data[self.fpc[depth]], errors="coerce").to_numpy(dtype=float)
            per_stratum = np.full(n_strata, np.nan)
            per_stratum[stratum_of_row] = raw
            check = pd.Series(raw).groupby(stratum_of_row).nunique()
            if (check > 1).any() or np.isnan(per_stratum).any():
                raise InputError(
                    f"{self.where()}fpc '{self.fpc[depth]}' is missing or varies within a stratum "
                    f"at stage {depth + 1}",
                    "the fpc must be constant within each stratum",
                )
            if self.fpc_kind is FpcKind.FRACTION:
                if ((per_stratum <= 0) | (per_stratum > 1)).any():
                    raise InputError(
                        f"{self.where()}fpc '{self.fpc[depth]}' is given as sampling fractions but has values "
                        "outside (0, 1]",
                        "use fpc_kind='population' if these are population sizes",
                    )
                popsize = n_clusters / per_stratum
            else:
                if (per_stratum < n_clusters - 1e-9).any():
                    worst = int(np.argmax(n_clusters - per_stratum))
                    raise InputError(
                        f"{self.where()}fpc '{self.fpc[depth]}' says {per_stratum[worst]:g} units in the population "
                        f"but {int(n_clusters[worst])} were sampled (stage {depth + 1})",
                        "use fpc_kind='fraction' if these are sampling fractions, or correct the population sizes",
                    )
                popsize = per_stratum
        return _Stage(cluster=cluster, stratum=stratum, n_clusters=n_clusters, popsize=popsize)

    @cached_property
    def n_psu(self) -> int:
        """Number of first-stage clusters."""
        return int(self._stages[0].cluster.max()) + 1

    @cached_property
    def n_strata(self) -> int:
        """Number of first-stage strata."""
        return int(self._stages[0].stratum.max()) + 1

    @cached_property
    def df(self) -> int:
        """Design degrees of freedom: PSUs minus strata (Lumley 2010, sec. 2.3).

        For a replicate design, the rank of the replicate weights minus 1 (R's ``degf``).
        """
        if self.replicates is not None:
            return int(self.replicates.rank(self.weights)) - 1
        return self.n_psu - self.n_strata

    def _replicate_df(self, used: np.ndarray) -> np.ndarray:
        """Per column of ``used`` (n, k): rank of those rows' replicate weights minus 1."""
        return np.array(
            [
                max(self.replicates.rank(self.weights, used[:, j]) - 1, 0)
                for j in range(used.shape[1])
            ]
        )

    def df_by_domain(self, domain: np.ndarray, n_domains: int) -> np.ndarray:
        """Degrees of freedom of each domain: its PSUs minus its strata (R's ``degf`` of the subset).

        Parameters
        ----------
        domain
            Domain number per row (0 .. n_domains - 1), -1 for rows in no domain.
        n_domains
            Number of domains.

        Returns
        -------
        numpy.ndarray
            Integer degrees of freedom per domain (0 for an empty domain).
        """
        if self.replicates is not None:
            return self._replicate_df(domain[:, None] == np.arange(n_domains)[None, :])
        stage = self._stages[0]
        inside = domain >= 0
        pairs = stage.cluster[inside] * n_domains + domain[inside]
        used = (
            np.bincount(pairs, minlength=self.n_psu * n_domains).reshape(self.n_psu, n_domains) > 0
        )
        strata = np.bincount(
            (stage.stratum[:, None] * n_domains + np.arange(n_domains)[None, :]).ravel(),
            weights=used.ravel(),
            minlength=self.n_strata * n_domains,
        ).reshape(self.n_strata, n_domains)
        return (used.sum(axis=0) - (strata > 0).sum(axis=0)).astype(int)

    def df_for(self, rows: np.ndarray) -> np.ndarray:
        """Degrees of freedom of estimates that use only some rows, one per column of ``rows``.

        As R's ``degf`` on a subset: PSUs with at least one used row minus strata with at least
        one used row.

        Parameters
        ----------
        rows
            Boolean array (n,) or (n, k): which rows each estimate uses.

        Returns
        -------
        numpy.ndarray
            Integer degrees of freedom, shape (k,) (or a 0-d array for one column).
        """
        used = np.asarray(rows, dtype=bool)
        single = used.ndim == 1
        used = used.reshape(len(self.data), -1)
        if self.replicates is not None:
            df_rep = self._replicate_df(used)
            return df_rep[0] if single else df_rep
        stage = self._stages[0]
        psu_used = sp.csr_matrix(
            (np.ones(len(stage.cluster)), (stage.cluster, np.arange(len(stage.cluster)))),
            shape=(self.n_psu, len(stage.cluster)),
        ) @ used.astype(float)
        psu_used = np.asarray(psu_used) > 0
        strata_used = (
            sp.csr_matrix(
                (np.ones(self.n_psu), (stage.stratum, np.arange(self.n_psu))),
                shape=(self.n_strata, self.n_psu),
            )
            @ psu_used.astype(float)
        ) > 0
        df = psu_used.sum(axis=0) - np.asarray(strata_used).sum(axis=0)
        return df[0] if single else df

    def summary(self) -> dict[str, Any]:
        """Describe the design in a few numbers.

        Returns
        -------
        dict
            Weight column and where the weights come from (``weights_from``: ``column``,
            ``fpc`` or ``equal``), strata, cluster and fpc columns, rows, PSUs, strata, degrees
            of freedom.
        """
        return {
            "weight": self.weight,
            "weights_from": self.weights_from,
            "strata": self.strata,
            "cluster": ",".join(self.cluster) if self.cluster else None,
            "fpc": ",".join(self.fpc) if self.fpc else None,
            "fpc_kind": self.fpc_kind.value if self.fpc_kind else None,
            "lonely_psu": self.lonely_psu.value,
            "n": self.n,
            "psu": self.n_psu,
            "strata_count": self.n_strata,
            "df": self.df,
            "replicates": None
            if self.replicates is None
            else {
                "type": self.replicates.type.value,
                "count": self.replicates.count,
                "scale": self.replicates.scale,
                "mse": self.replicates.mse,
            },
        }

    def __repr__(self) -> str:
        """A one-screen summary (:func:`survey.notebook.describe_design`), never the data."""
        from survey.notebook import describe_design, summary_text

        return summary_text("SurveyDesign", describe_design(self))

    def _repr_html_(self) -> str:
        """The same summary as a small HTML table, for Jupyter."""
        from survey.notebook import describe_design, summary_html

        return summary_html("SurveyDesign", describe_design(self))

    # ------------------------------------------------------------------ variance

    def vcov(
        self,
        scores: np.ndarray | sp.spmatrix,
        diagonal: bool = False,
        used: np.ndarray | sp.spmatrix | None = None,
    ) -> np.ndarray:
        """Taylor-linearisation (co)variance of estimators with the given influence values.

        ``scores`` holds, for each estimator (column), the weighted influence value of each row
        (R: ``x * pweights`` passed to ``svyrecvar``). The variance is that of R's ``multistage``:
        per first-stage stratum, ``(1 - f_h) n_h / (n_h - 1)`` times the sum of squared
        deviations of the PSU totals from their stratum mean, plus, for two-stage designs with a
        first-stage fpc, the second-stage term within each PSU weighted by the first-stage
        sampling fraction.

        Under :attr:`LonelyPSU.AVERAGE` a stratum with one PSU gets the average variance of the
        other strata: the first-stage sum is multiplied by the number of strata over the number
        of strata that are not lonely (R's ``onestage``: ``nstrat / nokstrat``). R counts the
        strata of the design the estimate is computed on: for a domain (``svyby``) or with
        missing values left out (``na.rm = TRUE``) that is a subset, so only strata holding rows
        of the estimate count. ``used`` says which rows those are; without it every stratum
        counts (R's ``svyby(..., covmat = TRUE)`` and ``svycontrast`` on it). When every stratum
        an estimate uses is lonely there is nothing to average and the variance is NaN, as in R.

        Parameters
        ----------
        scores
            Array or sparse matrix of shape (n, k).
        diagonal
            Return only the variances (k,) instead of the (k, k) covariance matrix.
        used
            Which rows each estimator uses, boolean of shape (n, k), or (n,) for all of them;
            only the lonely-PSU policy ``average`` looks at it. A covariance of two estimators
            with different ``used`` rows is scaled by the geometric mean of their factors.

        Returns
        -------
        numpy.ndarray
            The covariance matrix, or its diagonal.

        References
        ----------
        Lumley (2010), appendix C; R survey's ``svyrecvar``, ``onestage``, ``onestrat``.

        Examples
        --------
        >>> frame = pd.DataFrame({"s": [1, 1, 2, 2, 3], "y": [1.0, 3.0, 2.0, 6.0, 5.0]})
        >>> design = SurveyDesign(frame, strata="s", lonely_psu="average")
        >>> scores = frame["y"].to_numpy()[:, None] - 3.0  # any influence values
        >>> # strata 1 and 2 give 2 * 2 and 2 * 8 (n_h / (n_h - 1) = 2); 3 strata, 2 not lonely
        >>> float(design.vcov(scores, diagonal=True)[0])
        30.0
        >>> inside = (frame["s"] != 2).to_numpy()  # a domain in strata 1 and 3: 4 * 2 / 1
        >>> float(design.vcov(np.where(inside, scores[:, 0], 0.0), True, used=inside)[0])
        8.0
        """
        if self.replicates is not None:
            raise InputError(
                f"{self.where()}this statistic has no replicate-weight variance yet",
                "estimate it on the Taylor design (drop --repweights/--replicates), or use "
                "means, proportions, totals, ratios, variances or quantiles",
            )
        matrix = sp.csr_matrix(scores) if sp.issparse(scores) else np.asarray(scores, dtype=float)
        if matrix.ndim == 1:
            matrix = matrix.reshape(-1, 1)
        if self.calibration:
            matrix = self._calibration_residuals(matrix)
        stages = self._stages
        result = _stage_variance(matrix, stages[0], self.lonely_psu, diagonal)
        if self.lonely_psu is LonelyPSU.AVERAGE:
            factor = _average_factor(stages[0], used, matrix.shape[1])
            result = result * (factor if diagonal else np.sqrt(np.outer(factor, factor)))
        if len(stages) == 2 and np.isfinite(stages[0].popsize).any():
            fraction_1 = stages[0].n_clusters / stages[0].popsize  # 0 where with replacement
            weight_psu = fraction_1[stages[0].stratum]  # per PSU
            # the second stage: SSU totals centred within each PSU, weighted by n1/N1; under
            # average a PSU with one SSU adds 0 here (R's onestage gives NaN for the whole
            # variance: nothing to average over within that PSU)
            second = _stage_variance(
                matrix, stages[1], self.lonely_psu, diagonal, stratum_weight=weight_psu
            )
            result = result + second
        return result

    def _calibration_residuals(self, matrix: Any) -> np.ndarray:
        """Influence values replaced by their residuals on every calibration, in order."""
        out = []
        for block in _dense_blocks(matrix):
            for step in self.calibration:
                block = step.residuals(block)
            out.append(block)
        return np.hstack(out)


def _nested_codes(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """Numbers of the (outer, inner) pairs, in their sorted order (a cluster nested in a stratum).

    The same numbers as factorising the pairs with ``sort=True``, from two integer codes instead
    of a MultiIndex of tuples (which costs a second per million rows).
    """
    inner_codes, inner_levels = pd.factorize(inner, sort=True)
    key = np.asarray(outer, dtype=np.int64) * (len(inner_levels) + 1) + inner_codes
    return np.unique(key, return_inverse=True)[1].reshape(-1)


def _dense_blocks(matrix: Any, size: int = 64) -> list[np.ndarray]:
    columns = matrix.shape[1]
    blocks = []
    for start in range(0, columns, size):
        part = matrix[:, start : start + size]
        blocks.append(part.toarray() if sp.issparse(part) else np.asarray(part, dtype=float))
    return blocks


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(value)


def _enum(kind: type[enum.Enum], value: str, name: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(m.value for m in kind)  # type: ignore[attr-defined]
        raise InputError(
            f"{name} must be one of {choices}, not {value!r}", f"choose one of {choices}"
        ) from None


def _aggregate(matrix: Any, groups: np.ndarray, n_groups: int) -> Any:
    """Sum rows by group (a sparse indicator product: one pass, no Python loop)."""
    indicator = sp.csr_matrix(
        (np.ones(len(groups)), (groups, np.arange(len(groups)))), shape=(n_groups, len(groups))
    )
    result = indicator @ matrix
    return result


def _finite_fraction_factor(stage: _Stage) -> np.ndarray:
    """Per stratum ``1 - n/N`` (1 with replacement), 0 below 1e-7 (R's ``onestrat``: certainty)."""
    n_h = stage.n_clusters
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(np.isfinite(stage.popsize), (stage.popsize - n_h) / stage.popsize, 1.0)
    return np.where(f < 1e-7, 0.0, f)


def _average_factor(stage: _Stage, used: Any, k: int) -> np.ndarray:
    """Per estimator, strata with rows over those of them that are not lonely (R's onestage).

    A single PSU sampled with certainty (fpc: f = 0) contributes a known zero and counts as a
    stratum with a variance, as in R's ``onestrat``; only the other single-PSU strata are
    averaged over. NaN where every stratum with rows is lonely; 1 for an estimator without rows.
    """
    lonely = (stage.n_clusters == 1) & (_finite_fraction_factor(stage) > 0)
    n_strata = len(stage.n_clusters)
    if used is None:
        touched: np.ndarray = np.ones((n_strata, k), dtype=bool)
    else:
        flags = sp.csr_matrix(used) if sp.issparse(used) else np.asarray(used, dtype=bool)
        flags = flags.reshape(flags.shape[0], -1).astype(float)
        if flags.shape[1] == 1 and k > 1:
            flags = sp.hstack([flags] * k).tocsr() if sp.issparse(flags) else np.repeat(flags, k, 1)
        per_stratum = _aggregate(flags, stage.stratum[stage.cluster], n_strata)
        per_stratum = per_stratum.toarray() if sp.issparse(per_stratum) else per_stratum
        touched = np.asarray(per_stratum) > 0
    n_all = touched.sum(axis=0)
    n_ok = (touched & ~lonely[:, None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n_ok > 0, n_all / n_ok, np.where(n_all > 0, np.nan, 1.0))


def _stage_variance(
    matrix: Any,
    stage: _Stage,
    policy: LonelyPSU,
    diagonal: bool,
    stratum_weight: np.ndarray | None = None,
) -> np.ndarray:
    n_cl = len(stage.stratum)
    n_strata = len(stage.n_clusters)
    totals = _aggregate(matrix, stage.cluster, n_cl)  # cluster totals (n_cl, k)
    sums = _aggregate(totals, stage.stratum, n_strata)  # stratum sums of cluster totals
    sums = sums.toarray() if sp.issparse(sums) else np.asarray(sums)
    n_h = stage.n_clusters
    f = _finite_fraction_factor(stage)
    lonely = n_h == 1
    scale = np.where(lonely, f, f * n_h / np.maximum(n_h - 1, 1))
    centre = np.where(lonely, 0.0, 1.0)
    if policy in (LonelyPSU.REMOVE, LonelyPSU.CERTAINTY, LonelyPSU.AVERAGE, LonelyPSU.FAIL):
        # a single PSU centred at its own mean contributes nothing (average: the other strata
        # make up for it, see _average_factor)
        scale = np.where(lonely, 0.0, scale)
    if stratum_weight is not None:
        scale = scale * stratum_weight
    mean = sums * (centre / n_h)[:, None]
    if diagonal:
        sq = totals.multiply(totals) if sp.issparse(totals) else totals**2
        sum_sq = _aggregate(sq, stage.stratum, n_strata)
        sum_sq = sum_sq.toarray() if sp.issparse(sum_sq) else np.asarray(sum_sq)
        # sum over clusters of (t - mean)^2 = sum t^2 - 2 mean sum t + n mean^2
        per_stratum = sum_sq - 2 * mean * sums + n_h[:, None] * mean**2
        return np.asarray((scale[:, None] * per_stratum).sum(axis=0))
    scaled = (
        totals.multiply(scale[stage.stratum][:, None])
        if sp.issparse(totals)
        else totals * scale[stage.stratum][:, None]
    )
    cross = totals.T @ scaled
    cross = cross.toarray() if sp.issparse(cross) else np.asarray(cross)
    # sum (t - m)(t - m)' = sum t t' - m s' - s m' + n m m'
    ws = scale[:, None] * sums
    cross -= (mean.T @ ws) + (ws.T @ mean) - ((scale * n_h)[:, None] * mean).T @ mean
    return np.asarray(cross)
