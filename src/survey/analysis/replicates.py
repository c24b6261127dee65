"""Replicate-weight designs: weights that come with the data, or made from a Taylor design.

A replicate design carries, beside the sampling weights, R sets of replicate weights; the
variance of any estimator is the spread of its R re-estimates (R's ``svrVar``):

.. math:: v(\\hat\\theta) = s \\sum_r c_r (\\hat\\theta_r - \\bar\\theta)^2

with the overall ``scale`` :math:`s`, per-replicate ``rscales`` :math:`c_r` and
:math:`\\bar\\theta` the mean of the replicates (or :math:`\\hat\\theta` itself with ``mse``).

:func:`supplied_replicates` reads the replicate weights of a file (R ``svrepdesign``), with the
scale defaults of each type; :func:`make_replicates` builds them from a Taylor design (R
``as.svrepdesign``): jackknife JK1 and JKn, balanced repeated replication BRR and Fay's method
(Hadamard matrices), and the Rao-Wu bootstrap and subbootstrap. Generated replicates are stored
compressed, one row of factors per PSU (as R's ``compress = TRUE``), so that the replicate
totals of any statistic cost one pass over the rows plus a (PSUs x replicates) product.

It computes no estimate itself: ``estimate.py`` and ``_domain.py`` give it the columns to total
and the statistic of those totals (:meth:`SurveyDesign.replicate_vcov`).

References
----------
Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed. Springer, ch. 3-5.
Lumley, T. (2010). *Complex Surveys*, sec. 2.8; R survey's ``svrepdesign``, ``as.svrepdesign``,
``jk1weights``, ``jknweights``, ``brrweights``, ``bootweights``, ``svrVar``.
Rao, J. N. K. and Wu, C. F. J. (1988). Resampling inference with complex survey data. *JASA* 83,
231-241.
"""

from __future__ import annotations

import enum
import fnmatch
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import linalg

from survey.analysis.names import GENERATED_REPLICATES
from survey.errors import InputError, StatisticalError

if TYPE_CHECKING:
    from survey.analysis.design import SurveyDesign

__all__ = [
    "ReplicateType",
    "ReplicateWarning",
    "ReplicateWeights",
    "hadamard",
    "make_replicates",
    "supplied_replicates",
]


class ReplicateWarning(UserWarning):
    """A replicate design that R would also warn about (a guessed scale, replicates dropped)."""


class ReplicateType(enum.Enum):
    """Kinds of replicate weights (R's ``type`` of ``svrepdesign`` / ``as.svrepdesign``)."""

    JK1 = "JK1"
    JKN = "JKn"
    BRR = "BRR"
    FAY = "Fay"
    BOOTSTRAP = "bootstrap"
    SUBBOOTSTRAP = "subbootstrap"
    ACS = "ACS"
    SDR = "successive-difference"


#: The kinds :func:`make_replicates` can generate from a Taylor design.
GENERATED = GENERATED_REPLICATES


@dataclass(frozen=True, eq=False)
class ReplicateWeights:
    """Replicate weights of a design, compressed by group.

    Parameters
    ----------
    factors
        (groups, replicates): the replicate weights of a group's rows, or, when not
        ``combined``, the factors by which replicate r multiplies the sampling weight.
    group
        (rows,): the row of ``factors`` each data row takes (the PSU for generated
        replicates; the row itself for supplied ones).
    type
        The kind of replicates.
    scale, rscales
        R's ``scale`` and ``rscales`` (one per replicate).
    mse
        Centre the replicates at the full-sample estimate (True) or at their mean (False, R's
        default ``getOption("survey.replicates.mse")``).
    combined
        True: ``factors`` are the analysis weights themselves (R ``combined.weights = TRUE``).
    rho
        Fay's coefficient, for the record.
    columns
        The data columns the weights came from (supplied replicates).

    Examples
    --------
    >>> reps = ReplicateWeights(np.array([[0.0, 2.0], [2.0, 0.0]]), np.array([0, 0, 1]),
    ...                         ReplicateType.JK1, scale=0.5, rscales=np.ones(2))
    >>> reps.count
    2
    >>> reps.totals(np.ones(3), np.array([[1.0], [2.0], [4.0]])).ravel().tolist()
    [8.0, 6.0]
    """

    factors: np.ndarray
    group: np.ndarray
    type: ReplicateType
    scale: float
    rscales: np.ndarray
    mse: bool = False
    combined: bool = False
    rho: float | None = None
    columns: tuple[str, ...] = field(default=())
    jackknife_strata: np.ndarray | None = field(default=None, repr=False, compare=False)
    _ranks: dict[bytes, int] = field(default_factory=dict, repr=False, compare=False)

    @property
    def count(self) -> int:
        """Number of replicates."""
        return int(self.factors.shape[1])

    def _base(self, weights: np.ndarray) -> np.ndarray:
        return np.ones(len(weights)) if self.combined else np.asarray(weights, dtype=float)

    def analysis_weights(self, weights: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """The replicate weights of rows, (rows, replicates): R's ``weights(, "analysis")``.

        Parameters
        ----------
        weights
            The design's sampling weights (of every row).
        rows
            Row positions to give, in that order; None for every row.

        Returns
        -------
        numpy.ndarray
            Dense; one column per replicate.
        """
        base = self._base(weights)
        if rows is None:
            return self.factors[self.group] * base[:, None]
        return self.factors[self.group[rows]] * base[rows, None]

    def recalibrated(
        self, calibrate: Callable[[np.ndarray], np.ndarray], weights: np.ndarray
    ) -> ReplicateWeights:
        """The replicates calibrated one by one, as R's ``calibrate`` on a replicate design.

        Parameters
        ----------
        calibrate
            Maps starting weights (rows,) to calibrated weights (rows,); it is called with each
            replicate's weights.
        weights
            The design's sampling weights.

        Returns
        -------
        ReplicateWeights
            Uncompressed, ``combined``: each column the calibrated replicate weights.
        """
        start = self.analysis_weights(weights)
        done = np.column_stack([calibrate(start[:, r]) for r in range(self.count)])
        return ReplicateWeights(
            factors=done.reshape(len(start), self.count),
            group=np.arange(len(start)),
            type=self.type,
            scale=self.scale,
            rscales=self.rscales,
            mse=self.mse,
            combined=True,
            rho=self.rho,
            columns=self.columns,
        )

    def totals(self, weights: np.ndarray, columns: np.ndarray | sp.spmatrix) -> np.ndarray:
        """Replicate totals :math:`\\sum_i w_{ri} z_{ik}` of every column, shape (replicates, k).

        Parameters
        ----------
        weights
            The design's sampling weights (used when the replicates are factors).
        columns
            (rows, k) values to total, dense or sparse.

        Returns
        -------
        numpy.ndarray
            One row per replicate.
        """
        base = self._base(weights)
        n_groups = self.factors.shape[0]
        indicator = sp.csr_matrix(
            (base, (self.group, np.arange(len(base)))), shape=(n_groups, len(base))
        )
        by_group = indicator @ columns
        by_group = by_group.toarray() if sp.issparse(by_group) else np.asarray(by_group)
        return np.asarray(self.factors.T @ by_group)

    def variance(self, thetas: np.ndarray, full: np.ndarray, diagonal: bool = True) -> np.ndarray:
        """R's ``svrVar``: the replicate (co)variance of estimates.

        Parameters
        ----------
        thetas
            (replicates, k) re-estimates.
        full
            (k,) full-sample estimates (the centre under ``mse``).
        diagonal
            Variances only (k,), else the (k, k) covariance.

        Returns
        -------
        numpy.ndarray
            The variances or covariance matrix. A replicate whose estimate is missing (e.g. a
            domain without weight in it) is left out of that estimate's variance, as R's
            ``na.omit`` does per estimate, with a :class:`ReplicateWarning`.
        """
        thetas = np.asarray(thetas, dtype=float).reshape(self.count, -1)
        full = np.asarray(full, dtype=float).reshape(-1)
        ok = np.isfinite(thetas) & np.isfinite(full)[None, :]
        dropped = (~np.isfinite(thetas)).any(axis=0) & np.isfinite(full)
        if dropped.any():
            worst = int((~np.isfinite(thetas[:, dropped])).sum(axis=0).max())
            warnings.warn(
                f"up to {worst} replicate(s) gave no estimate and were left out of "
                f"{int(dropped.sum())} variance(s)",
                ReplicateWarning,
                stacklevel=3,
            )
        weight = self.rscales[:, None] * ok
        positive = ok & (self.rscales[:, None] > 0)
        if self.mse:
            centre = full
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                centre = np.where(positive, thetas, 0.0).sum(axis=0) / positive.sum(axis=0)
        deviation = np.where(ok, thetas - centre[None, :], 0.0)
        if diagonal:
            out = self.scale * (weight * deviation**2).sum(axis=0)
            return np.where(np.isfinite(full), out, np.nan)
        root = deviation * np.sqrt(weight)
        return np.asarray(self.scale * root.T @ root)

    def rank(self, weights: np.ndarray, rows: np.ndarray | None = None) -> int:
        """Rank of the analysis-weight matrix of some rows (R's ``degf`` is this minus 1).

        Rows of one group are multiples of the group's factors, so the rank is that of the
        factor rows of the groups with a non-zero weight among ``rows``; equal columns are
        counted once before the (small) singular value decomposition.

        Parameters
        ----------
        weights
            The design's sampling weights.
        rows
            Boolean (n,) selection; None for all rows.

        Returns
        -------
        int
            The numerical rank (relative tolerance 1e-5, R's ``qr(..., tol = 1e-5)``).
        """
        base = self._base(weights)
        keep = base != 0 if rows is None else (np.asarray(rows, dtype=bool) & (base != 0))
        touched = np.zeros(self.factors.shape[0], dtype=bool)
        touched[self.group[keep]] = True
        key = np.packbits(touched).tobytes()
        if key not in self._ranks:  # domains spread over every PSU share the design's rank
            if self.jackknife_strata is not None:
                self._ranks[key] = _jackknife_rank(self.jackknife_strata, touched)
            else:
                self._ranks[key] = _rank(self.factors[touched]) if self.count else 0
        return self._ranks[key]


def _jackknife_rank(stratum: np.ndarray, touched: np.ndarray) -> int:
    """Rank of a delete-one jackknife's factor rows for the touched PSUs, without a decomposition.

    Each stratum's block is :math:`1 + a B_h` with :math:`B_h` = rows of
    :math:`J - (1 + 1/a) I` (:math:`a = 1/(n_h - 1)`), so with :math:`t_h` of its :math:`n_h` PSUs
    touched the block adds :math:`t_h` (or :math:`n_h - 1` when all are touched: the rows then
    sum to a multiple of 1) and the common ones add one more dimension exactly when some stratum
    is touched completely. Valid when every stratum has all its :math:`n_h \\ge 2` replicates
    (no lonely or census stratum); the tests check it against the pivoted QR.
    """
    n_h = np.bincount(stratum)
    t_h = np.bincount(stratum[touched], minlength=len(n_h))
    complete = (t_h == n_h) & (n_h > 0)
    return int(np.where(complete, n_h - 1, t_h).sum() + complete.any())


def _rank(block: np.ndarray) -> int:
    """Numerical rank as R's ``qr(x, tol = 1e-5)``: pivoted QR, diagonal above 1e-5 of the first."""
    if block.size == 0:
        return 0
    if block.shape[0] > block.shape[1]:
        block = np.unique(block, axis=0)  # equal rows (rows of one PSU) add nothing
    diagonal = np.abs(np.diag(linalg.qr(block, mode="r", pivoting=True)[0]))
    return int((diagonal > diagonal[0] * 1e-5).sum()) if diagonal.size and diagonal[0] > 0 else 0


def _columns(frame: pd.DataFrame, pattern: str | Sequence[str], source: str) -> list[str]:
    """The replicate-weight columns: a list of names, or a regular expression or glob."""
    if not isinstance(pattern, str):
        missing = [c for c in pattern if c not in frame.columns]
        if missing:
            raise InputError(
                f"{source}replicate-weight column(s) {', '.join(missing)} not in the data",
                "check the names",
            )
        return list(pattern)
    if any(ch in pattern for ch in "*?[") and not any(ch in pattern for ch in "^$+\\("):
        found = [c for c in frame.columns if fnmatch.fnmatchcase(str(c), pattern)]
    else:
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise InputError(
                f"{source}replicate-weight pattern {pattern!r} is not a valid regular "
                f"expression ({exc})",
                "give a glob such as 'repw*' or a regular expression such as '^repw[0-9]+$'",
            ) from None
        found = [c for c in frame.columns if regex.search(str(c))]
    if len(found) < 2:
        raise InputError(
            f"{source}replicate-weight pattern {pattern!r} matches {len(found)} column(s)"
            + (f" ({', '.join(found)})" if found else ""),
            "give a glob such as 'repw*' or a regular expression that matches every replicate "
            "column (at least two)",
        )
    return found


def supplied_replicates(
    frame: pd.DataFrame,
    columns: str | Sequence[str],
    type: ReplicateType | str,
    weights: np.ndarray,
    *,
    scale: float | None = None,
    rscales: Sequence[float] | None = None,
    rho: float | None = None,
    mse: bool = False,
    combined: bool = True,
    source: str = "",
) -> ReplicateWeights:
    """Replicate weights stored in the data, as R's ``svrepdesign``.

    Parameters
    ----------
    frame
        The data.
    columns
        The replicate-weight columns: names, or a glob (``repw*``) or regular expression.
    type
        :class:`ReplicateType` (BRR, Fay, JK1, JKn, bootstrap, ACS, successive-difference).
    weights
        The sampling weights (the full-sample estimate uses them).
    scale, rscales, rho
        As R: BRR scale 1/R; Fay 1/(R (1 - rho)^2) and needs ``rho``; JK1 (R-1)/R when not given
        (with a warning, as R); JKn needs ``rscales``; bootstrap 1/(R-1); ACS and
        successive-difference 4/R. ``rscales`` default to 1.
    mse
        Centre at the full-sample estimate.
    combined
        The columns are the analysis weights (True, R's default) or factors of the sampling
        weights.
    source
        Prefix for messages (the file).

    Returns
    -------
    ReplicateWeights
        Uncompressed: one factor row per data row.

    Examples
    --------
    >>> frame = pd.DataFrame({"w": [2.0, 2.0], "r1": [4.0, 0.0], "r2": [0.0, 4.0]})
    >>> reps = supplied_replicates(frame, "r*", "JK1", frame["w"].to_numpy(), scale=0.5)
    >>> reps.count, reps.scale
    (2, 0.5)
    """
    kind = _kind(type)
    names = _columns(frame, columns, source)
    values = frame[names].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if np.isnan(values).any():
        bad = names[int(np.flatnonzero(np.isnan(values).any(axis=0))[0])]
        raise InputError(
            f"{source}replicate-weight column '{bad}' has missing or non-numeric values",
            "replicate weights must be numbers in every row (R: missing values not allowed)",
        )
    count = len(names)
    rs = None if rscales is None else np.asarray(list(rscales), dtype=float)
    if rs is not None and len(rs) not in (1, count):
        raise InputError(
            f"{source}{len(rs)} rscales for {count} replicate-weight columns",
            "give one rscale per replicate column (or one for all)",
        )
    if kind is ReplicateType.FAY and rho is None:
        raise InputError("Fay replicate weights need their rho", "give --fay-rho, e.g. 0.5")
    if kind is ReplicateType.BRR:
        scale = 1 / count
    elif kind is ReplicateType.FAY:
        scale = 1 / (count * (1 - float(rho)) ** 2)  # type: ignore[arg-type]
    elif kind is ReplicateType.BOOTSTRAP and scale is None:
        scale = 1 / (count - 1)
    elif kind is ReplicateType.JK1 and scale is None:
        if combined:
            scale = (count - 1) / count
            warnings.warn(
                f"JK1 scale (n-1)/n not given: taking n = {count}, the number of replicates "
                "(as R); give --rep-scale to set it",
                ReplicateWarning,
                stacklevel=2,
            )
        else:
            scale = 1 / float(values[:, 0].max())
            warnings.warn(
                "JK1 scale (n-1)/n not given: guessed from the weights (as R)",
                ReplicateWarning,
                stacklevel=2,
            )
    elif kind is ReplicateType.JKN and rs is None:
        if combined:
            raise InputError(
                f"{source}JKn replicate weights need their rscales ((n_h - 1)/n_h per replicate)",
                "give --rep-rscales with one value per replicate column",
            )
        rs = 1 / values.max(axis=0)
    elif kind in (ReplicateType.ACS, ReplicateType.SDR):
        scale, rs = 4 / count, np.ones(count)
    if rs is None:
        rs = np.ones(count)
    if len(rs) == 1:
        rs = np.repeat(rs, count)
    return ReplicateWeights(
        factors=values,
        group=np.arange(len(frame)),
        type=kind,
        scale=1.0 if scale is None else float(scale),
        rscales=rs,
        mse=mse,
        combined=combined,
        rho=rho,
        columns=tuple(names),
    )


def _kind(value: ReplicateType | str) -> ReplicateType:
    if isinstance(value, ReplicateType):
        return value
    for kind in ReplicateType:
        if kind.value.lower() == str(value).lower():
            return kind
    choices = ", ".join(k.value for k in ReplicateType)
    raise InputError(f"unknown replicate type {value!r}", f"choose one of {choices}")


def hadamard(size: int) -> np.ndarray:
    """A 0/1 Sylvester-Hadamard matrix with more than ``size`` rows (1 codes +1, 0 codes -1).

    Parameters
    ----------
    size
        The number of strata (pairs) to balance: rows 2 .. size + 1 are used.

    Returns
    -------
    numpy.ndarray
        The smallest Sylvester matrix of order 4 * 2^k above ``size``. R's ``hadamard()`` gives
        the same matrix when its order is a power of two built from order 4 (up to 7 pairs, and
        16 <= order for sizes it does not take from its stored 16, 28 and 36 or Paley tables).

    Examples
    --------
    >>> hadamard(3).tolist()
    [[1, 1, 1, 1], [1, 0, 1, 0], [1, 1, 0, 0], [1, 0, 0, 1]]
    """
    matrix = np.array([[1, 1, 1, 1], [1, 0, 1, 0], [1, 1, 0, 0], [1, 0, 0, 1]])
    while matrix.shape[0] <= size:
        matrix = np.block([[matrix, matrix], [matrix, 1 - matrix]])
    return matrix


def _first_stage(design: SurveyDesign) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Row -> PSU, PSU -> stratum, PSUs per stratum, population PSUs per stratum (inf: none)."""
    stage = design._stages[0]
    if len(design.fpc) > 1:
        warnings.warn(
            "finite population corrections after the first stage are dropped in the replicates "
            "(as R's as.svrepdesign)",
            ReplicateWarning,
            stacklevel=3,
        )
    return stage.cluster, stage.stratum, stage.n_clusters, stage.popsize


def _jk1_block(n: int) -> np.ndarray:
    block = np.full((n, n), n / (n - 1))
    np.fill_diagonal(block, 0.0)
    return block


def _jackknife(design: SurveyDesign, kind: ReplicateType) -> tuple[np.ndarray, np.ndarray, float]:
    from survey.analysis.design import LonelyPSU

    _, stratum, n_h, popsize = _first_stage(design)
    n_psu = len(stratum)
    with np.errstate(divide="ignore", invalid="ignore"):
        correction = np.where(np.isfinite(popsize), (popsize - n_h) / popsize, 1.0)
    if kind is ReplicateType.JK1:
        if design.strata is not None:
            raise InputError(
                f"{design.where()}JK1 replicates need an unstratified design",
                "use --replicates JKn (or bootstrap) for a stratified design",
            )
        if n_psu < 2:
            raise StatisticalError("a jackknife needs at least two PSUs", "check --cluster")
        if correction[0] == 0:
            return np.zeros((n_psu, 0)), np.zeros(0), 0.0
        return _jk1_block(n_psu), np.ones(n_psu), float(correction[0] * (n_psu - 1) / n_psu)
    if design.strata is None:
        raise InputError(
            f"{design.where()}{kind.value} replicates need a stratified design",
            "use --replicates JK1 or bootstrap for an unstratified design",
        )
    n_strata = len(n_h)
    columns: list[np.ndarray] = []
    rscales: list[float] = []
    for h in range(n_strata):
        members = np.flatnonzero(stratum == h)
        size = len(members)
        if correction[h] == 0:  # a census stratum: no replicate varies (R drops them)
            continue
        if size == 1:
            policy = design.lonely_psu
            if policy is LonelyPSU.FAIL:
                raise StatisticalError(
                    f"{design.where()}stratum {design._stratum_label(0, h)} has only one PSU",
                    "choose --lonely-psu remove, adjust, average or certainty",
                )
            if policy is LonelyPSU.ADJUST:
                column = np.full(n_psu, n_strata / (n_strata - 1))
                column[members] = 0.0
                columns.append(column[:, None])
                rscales.append((n_strata - 1) / n_strata)
            continue
        block = np.ones((n_psu, size))
        block[members] = _jk1_block(size)
        columns.append(block)
        rscales.extend([correction[h] * (size - 1) / size] * size)
    if not columns:
        raise StatisticalError(
            f"{design.where()}every stratum was sampled completely: there is no sampling variance",
            "check the fpc",
        )
    factors = np.hstack(columns)
    scale = 1.0
    if factors.shape[1] < n_psu and design.lonely_psu is LonelyPSU.AVERAGE:
        scale = n_psu / factors.shape[1]
    return factors, np.asarray(rscales), scale


def _balanced(design: SurveyDesign, rho: float) -> np.ndarray:
    """BRR or Fay factors per PSU, as R's ``brrweights`` (pairs in each stratum; large strata split)."""
    cluster, stratum, n_h, _ = _first_stage(design)
    if design.strata is None:
        raise InputError(
            f"{design.where()}BRR and Fay replicates need a stratified design",
            "use --replicates JK1 or bootstrap for an unstratified design",
        )
    small = np.flatnonzero(n_h < 2)
    if small.size:
        raise InputError(
            f"{design.where()}stratum {design._stratum_label(0, int(small[0]))} has fewer than "
            "2 PSUs; BRR needs pairs",
            "use --replicates JKn or bootstrap",
        )
    odd = np.flatnonzero((n_h > 2) & (n_h % 2 == 1))
    if odd.size:
        raise InputError(
            f"{design.where()}stratum {design._stratum_label(0, int(odd[0]))} has an odd number "
            "of PSUs; BRR splits large strata into pairs",
            "use --replicates JKn or bootstrap",
        )
    n_psu = len(stratum)
    first_row = np.full(n_psu, len(cluster))
    np.minimum.at(first_row, cluster, np.arange(len(cluster)))
    labels = _stratum_text(design)
    half = np.zeros((n_psu, 2))
    pair = np.zeros(n_psu, dtype=np.int64)
    upto = 0
    # R: large strata (more than 2 PSUs) first, then the pairs, each in the order of the
    # strata's names (as text) and, within a stratum, of the PSUs' first rows
    for large in (True, False):
        chosen = [h for h in np.argsort(labels, kind="stable") if (n_h[h] > 2) == large]
        for h in chosen:
            members = np.flatnonzero(stratum == h)
            members = members[np.argsort(first_row[members], kind="stable")]
            half[members, 0] = np.tile([0.0, 1.0], len(members) // 2)
            half[members, 1] = np.tile([1.0, 0.0], len(members) // 2)
            pair[members] = upto + np.repeat(np.arange(len(members) // 2), 2)
            upto += len(members) // 2
    matrix = hadamard(upto)
    signs = matrix[1 : upto + 1]  # (pairs, replicates)
    col = signs[pair]  # per PSU and replicate: R's column h = H + 1 of the two halves
    rows = np.arange(n_psu)[:, None]
    first = np.where(col == 1, half[rows, 1], half[rows, 0])
    second = np.where(col == 1, half[rows, 0], half[rows, 1])
    return first * (2 - rho) + second * rho


def _stratum_text(design: SurveyDesign) -> np.ndarray:
    values = np.sort(design.data[design.strata].unique())  # type: ignore[index]
    return np.asarray([str(v) for v in values], dtype=object)


def _bootstrap(
    design: SurveyDesign, count: int, seed: int | None, sub: bool
) -> tuple[np.ndarray, float]:
    """Rao-Wu bootstrap factors per PSU (R ``bootweights`` / ``subbootweights``)."""
    _, stratum, n_h, popsize = _first_stage(design)
    rng = np.random.default_rng(seed)
    n_psu = len(stratum)
    factors = np.zeros((n_psu, count))
    for h in range(len(n_h)):
        members = np.flatnonzero(stratum == h)
        size = len(members)
        if size < 2:
            raise StatisticalError(
                f"{design.where()}stratum {design._stratum_label(0, h)} has one PSU: the bootstrap "
                "needs at least two",
                "collapse the stratum with a neighbour",
            )
        if sub:
            draws = rng.integers(0, size, size=(count, size - 1))
            counts = np.apply_along_axis(np.bincount, 1, draws, minlength=size).T
            factors[members] = counts * size / (size - 1)
        elif np.isfinite(popsize[h]):
            population = np.resize(np.arange(size), round(popsize[h]))
            for r in range(count):
                picked = rng.choice(population, size=size, replace=False)
                factors[members, r] = np.bincount(picked, minlength=size)
        else:
            draws = rng.integers(0, size, size=(count, size))
            factors[members] = np.apply_along_axis(np.bincount, 1, draws, minlength=size).T
    if sub:
        return factors, 1 / (count - 1)
    per_stratum = 1 / np.mean(1 / n_h)
    return factors, float(per_stratum / ((per_stratum - 1) * (count - 1)))


def make_replicates(
    design: SurveyDesign,
    type: ReplicateType | str = "JKn",
    *,
    count: int = 50,
    seed: int | None = None,
    rho: float = 0.5,
    mse: bool = False,
) -> ReplicateWeights:
    """Replicate weights made from a Taylor design's strata and PSUs, as R's ``as.svrepdesign``.

    Parameters
    ----------
    design
        A design without replicates.
    type
        ``JK1`` (unstratified), ``JKn`` (stratified), ``BRR`` and ``Fay`` (pairs of PSUs per
        stratum), ``bootstrap``, ``subbootstrap``.
    count
        Number of bootstrap replicates (R's ``replicates``, default 50).
    seed
        Seed of ``numpy.random.default_rng`` for the bootstrap. R's random draws cannot be
        reproduced in Python: compare a bootstrap with R on R's own weights, read back with
        :func:`supplied_replicates`.
    rho
        Fay's coefficient (``Fay`` only).
    mse
        Centre at the full-sample estimate.

    Returns
    -------
    ReplicateWeights
        One factor row per PSU; replicate weight = sampling weight x factor.

    Notes
    -----
    JK1: :math:`n` replicates, each dropping one PSU and multiplying the others by
    :math:`n/(n-1)`, scale :math:`(1-f)(n-1)/n`. JKn: per stratum the same, rscale
    :math:`(1-f_h)(n_h-1)/n_h`; lonely PSUs follow ``design.lonely_psu`` as R's
    ``survey.lonely.psu`` option. BRR/Fay: rows 2 .. H+1 of a Hadamard matrix choose the half
    of each pair that gets factor :math:`2 - \\rho` (the other :math:`\\rho`), scale
    :math:`1/(R (1-\\rho)^2)`. Only the first-stage fpc is used.

    Examples
    --------
    >>> from survey.analysis.design import SurveyDesign
    >>> frame = pd.DataFrame({"s": [1, 1, 2, 2], "y": [1.0, 2, 3, 5]})
    >>> reps = make_replicates(SurveyDesign(frame, strata="s"), "JKn")
    >>> reps.count, reps.rscales.tolist()
    (4, [0.5, 0.5, 0.5, 0.5])
    """
    kind = _kind(type)
    group = design._stages[0].cluster
    structure = None
    if kind in (ReplicateType.JK1, ReplicateType.JKN):
        factors, rscales, scale = _jackknife(design, kind)
        used_rho: float | None = None
        stratum = design._stages[0].stratum
        if factors.shape[1] == len(stratum) and (np.bincount(stratum) >= 2).all():
            structure = stratum  # every stratum kept its delete-one replicates
    elif kind in (ReplicateType.BRR, ReplicateType.FAY):
        used_rho = 0.0 if kind is ReplicateType.BRR else float(rho)
        if not 0 <= used_rho < 1:
            raise InputError(f"Fay's rho must lie in [0, 1), not {rho}", "e.g. --fay-rho 0.5")
        factors = _balanced(design, used_rho)
        rscales = np.ones(factors.shape[1])
        scale = 1 / (factors.shape[1] * (1 - used_rho) ** 2)
    elif kind in (ReplicateType.BOOTSTRAP, ReplicateType.SUBBOOTSTRAP):
        if count < 2:
            raise InputError(f"a bootstrap needs at least 2 replicates, not {count}", "e.g. 50")
        factors, scale = _bootstrap(design, count, seed, kind is ReplicateType.SUBBOOTSTRAP)
        rscales, used_rho = np.ones(count), None
    else:
        raise InputError(
            f"{kind.value} replicates cannot be made from a design",
            f"choose one of {', '.join(GENERATED)}, or read them from the data (--repweights)",
        )
    return ReplicateWeights(
        factors=factors,
        group=group,
        type=kind,
        scale=float(scale),
        rscales=np.asarray(rscales, dtype=float),
        mse=mse,
        rho=used_rho,
        jackknife_strata=structure,
    )


def replicate_statistic_variance(
    design: SurveyDesign,
    columns: np.ndarray | sp.spmatrix,
    statistic: Callable[[np.ndarray], np.ndarray],
    diagonal: bool = True,
) -> np.ndarray:
    """Replicate variance of a statistic of weighted column totals.

    Parameters
    ----------
    design
        A design with replicates.
    columns
        (rows, m) values whose weighted totals the statistic takes.
    statistic
        Maps totals (r, m) to estimates (r, k), row by row.
    diagonal
        Variances only.

    Returns
    -------
    numpy.ndarray
        (k,) variances or (k, k) covariance.
    """
    reps: Any = design.replicates
    weights = design.weights
    full_totals = np.asarray(columns.T @ weights).reshape(1, -1)
    full = statistic(full_totals)[0]
    replicated = statistic(reps.totals(weights, columns))
    return np.asarray(reps.variance(replicated, full, diagonal))
