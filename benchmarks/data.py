"""Synthetic survey data for the benchmarks: deterministic for a given seed and shape."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: Default shape of the benchmark data set.
ROWS = 1_000_000
STRATA = 200
PSU_PER_STRATUM = 10
VARIABLES = 20
DOMAINS = 12
MISSING = 0.02


def make_data(
    rows: int = ROWS,
    seed: int = 20240611,
    strata: int = STRATA,
    psu_per_stratum: int = PSU_PER_STRATUM,
    variables: int = VARIABLES,
    domains: int = DOMAINS,
    missing: float = MISSING,
) -> pd.DataFrame:
    """A stratified two-stage-looking sample: ``stratum``, ``psu`` (1..k, nested in strata),
    positive weights ``w``, a ``domain`` (1..domains) and categorical answers ``v1..vK`` coded
    1..L (3 to 6 levels) as floats with about ``missing`` of them NaN, as read from SPSS.

    Answer probabilities vary between PSUs (so design effects are above 1) and between domains.
    Only ``rows`` changes between a full run and a subsample: the same seed gives the same
    design (strata, PSUs, level counts, PSU effects) at every size.
    """
    rng = np.random.default_rng(seed)
    n_psu = strata * psu_per_stratum
    # design-level draws first, so they do not depend on `rows`
    psu_weight = rng.lognormal(mean=6.0, sigma=0.5, size=n_psu)
    n_levels = rng.integers(3, 7, size=variables)
    psu_effects = [rng.normal(0.0, 0.35, size=(n_psu, int(n_levels[k]))) for k in range(variables)]
    domain_effects = [
        rng.normal(0.0, 0.5, size=(domains, int(n_levels[k]))) for k in range(variables)
    ]
    base = [rng.normal(0.0, 0.6, size=int(n_levels[k])) for k in range(variables)]

    rows_rng = np.random.default_rng([seed, rows])
    psu = rows_rng.integers(0, n_psu, size=rows)
    psu.sort()  # rows grouped by PSU, like a real file
    domain = rows_rng.integers(0, domains, size=rows)
    w = psu_weight[psu] * rows_rng.uniform(0.5, 1.5, size=rows)
    data: dict[str, np.ndarray] = {
        "stratum": (psu // psu_per_stratum + 1).astype(np.int64),
        "psu": (psu % psu_per_stratum + 1).astype(np.int64),
        "w": w,
        "domain": (domain + 1).astype(np.int64),
    }
    for k in range(variables):
        logits = base[k][None, :] + psu_effects[k][psu] + domain_effects[k][domain]
        prob = np.exp(logits - logits.max(axis=1, keepdims=True))
        cum = np.cumsum(prob, axis=1)
        u = rows_rng.random(rows) * cum[:, -1]
        level = (u[:, None] > cum).sum(axis=1) + 1.0
        level[rows_rng.random(rows) < missing] = np.nan
        data[f"v{k + 1}"] = level
        del logits, prob, cum, u
    return pd.DataFrame(data)


#: Levels of the three raking margins (150 in all).
RAKE_LEVELS = (100, 40, 10)
#: Population total the raking margins add up to.
RAKE_POPULATION = 25_000_000.0


def make_rake_data(
    rows: int = ROWS,
    seed: int = 20240611,
    levels: tuple[int, ...] = RAKE_LEVELS,
    population: float = RAKE_POPULATION,
) -> tuple[pd.DataFrame, list[dict[str, float]]]:
    """A sample to rake: categorical columns ``a``, ``b``, ``c`` (pandas categoricals of strings,
    ``a001``.., ``b01``.., ``c01``..), non-uniform base weights ``w`` and population targets.

    The three variables are correlated through a latent score (so raking needs several sweeps),
    level sizes are uneven, and the targets are the margins of a "population" in which every row
    counts ``w * exp(0.5 * z + effect_a + effect_b + effect_c)`` (``z`` the latent score), scaled to
    ``population``. The targets are thus consistent with each other (same total; a weighting that
    meets them exists) and differ from the sample's weighted distribution. Every level has sample
    cases at the default size (smallest expected level count is over 1,000 at 1,000,000 rows).

    Returns the frame and one ``{level: target}`` dict per variable, in the order a, b, c.
    """
    rng = np.random.default_rng([seed, 7])
    names = "abc"[: len(levels)]
    # design-level draws: do not depend on `rows`
    sizes = [rng.dirichlet(np.full(k, 8.0)) for k in levels]
    effects = [rng.normal(0.0, 0.3, size=k) for k in levels]
    rows_rng = np.random.default_rng([seed, 7, rows])
    z = rows_rng.standard_normal(rows)
    w = np.exp(3.2 + 0.5 * rows_rng.standard_normal(rows) + 0.2 * z)
    data: dict[str, Any] = {}
    log_tilt = 0.5 * z
    for name, k, size, effect in zip(names, levels, sizes, effects, strict=True):
        # latent score plus noise, cut at the quantiles of the uneven level sizes
        score = z + rows_rng.standard_normal(rows)
        cuts = np.quantile(score, np.cumsum(size)[:-1])
        code = np.searchsorted(cuts, score, side="right")
        width = len(str(k))
        labels = [f"{name}{i + 1:0{width}d}" for i in range(k)]
        data[name] = pd.Categorical.from_codes(code, categories=labels)
        log_tilt = log_tilt + effect[code]
    data["w"] = w
    frame = pd.DataFrame(data)
    mass = w * np.exp(log_tilt - log_tilt.max())
    scale = population / mass.sum()
    targets = []
    for name, k in zip(names, levels, strict=True):
        counts = np.bincount(frame[name].cat.codes.to_numpy(), weights=mass, minlength=k) * scale
        targets.append(dict(zip(frame[name].cat.categories, counts.tolist(), strict=True)))
    return frame, targets
