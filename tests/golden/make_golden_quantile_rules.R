#!/usr/bin/env Rscript
# Golden values for survey.analysis.quantiles: every quantile rule (qrule) times every interval
# type (interval.type) of R's svyquantile on a Taylor-linearisation design (survey >= 4.1).
#
# Run from the repository root:
#
#     Rscript tests/golden/make_golden_quantile_rules.R
#
# Reads tests/golden/data/apistrat.csv (stratified, fpc) and apiclus2.csv (two-stage clusters,
# fpc at both stages), and apistrat post-stratified to tests/golden/weighting/margins_one.csv
# (sch_wide; for a few rules), and writes tests/golden/quantiles/quantile_rules.json: one entry per
# (design, variable, domain, interval type, rule) with R's quantile, confidence limits and SE
# for each probability. Variables with missing values (target, enroll) are estimated with
# na.rm = TRUE; domains are R's subset designs, as svyquantile with svyby uses them.
#
# svyquantile.survey.design accepts interval.type "mean" (Woodruff, the default), "beta",
# "xlogit", "asin" (Woodruff with a transformed or beta interval of the share) and "score"
# (Francisco-Fuller, found by uniroot); "quantile" is for replicate designs only.
#
# Each probability is computed by its own call, so that a probability whose score interval
# fails in R (uniroot: "f() values at end points not of opposite sign") is recorded as that
# error and the others still have values.
#
# The rules are survey 4.5's R/qrule.R (CRAN's current release), passed to svyquantile as
# functions (qs and last are survey's own, unchanged since 4.1). survey 4.1 (Debian's) tests
# `wlow == 0` in hf1/math, hf2/school and hf3 where 4.5 tests `wlow <= 0`: for a probability
# below the first order statistic's weight share 4.1 returns the second order statistic and
# 4.5 the first, which is the definition of the rule. 4.5 also returns x itself for a single
# observation in the continuous rules. PROBS holds one such probability (0.001; checked below).
# Deterministic; full precision. CI has no R: the output is committed.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(stringsAsFactors = FALSE, survey.lonely.psu = "fail")

input <- file.path("tests", "golden", "data")
out_dir <- file.path("tests", "golden", "quantiles")
dir.create(out_dir, showWarnings = FALSE)
rd <- function(file) read.csv(file.path(input, file))
strat <- rd("apistrat.csv")
clus2 <- rd("apiclus2.csv")
margins <- read.csv(file.path("tests", "golden", "weighting", "margins_one.csv"))
stopifnot(all(margins$variable == "sch_wide"))

spec <- function(file, weight = NA, strata = NA, cluster = character(0), fpc = character(0),
                 fpc_kind = NA) {
  list(data = file, weight = weight, strata = strata, cluster = as.list(cluster),
       fpc = as.list(fpc), fpc_kind = fpc_kind)
}
designs <- list(
  strat = list(
    r = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat),
    py = spec("apistrat.csv", "pw", "stype", fpc = "fpc", fpc_kind = "population"),
    variables = c("api00", "target")),
  clus2 = list(
    r = svydesign(id = ~dnum + snum, weights = ~pw, fpc = ~fpc1 + fpc2, data = clus2),
    py = spec("apiclus2.csv", "pw", cluster = c("dnum", "snum"), fpc = c("fpc1", "fpc2"),
              fpc_kind = "population"),
    variables = c("api00", "enroll")),
  # calibrated: R's subsets of a calibrated design keep every row (weight 0 outside), so that
  # nrow() (beta) and the rows ffullerCI (score) looks at are all of them, missing values as 0
  strat_poststratified = list(
    r = postStratify(
      svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat), ~sch_wide,
      with(margins, data.frame(sch_wide = level, Freq = target))),
    py = c(spec("apistrat.csv", "pw", "stype", fpc = "fpc", fpc_kind = "population"),
           list(poststratify = "weighting/margins_one.csv")),
    variables = c("target"), rules = c("math", "hf3", "hf7"))
)
probs <- c(0.001, 0.1, 0.25, 0.5, 0.75, 0.9)
intervals <- c("mean", "beta", "xlogit", "asin", "score")

# survey 4.5's R/qrule.R
qs <- survey:::qs
drop_zero <- function(x, w) {
  zero <- w == 0
  list(x = x[!zero], w = w[!zero])
}
qrules <- list(
  math = function(x, w, p) {
    d <- drop_zero(x, w); q <- qs(d$x, d$w, p)
    if (q$wlow <= 0) q$qlow else q$qup
  },
  school = function(x, w, p) {
    d <- drop_zero(x, w); q <- qs(d$x, d$w, p)
    if (q$wlow <= 0) (q$qlow + q$qup) / 2 else q$qup
  },
  hf3 = function(x, w, p) {
    d <- drop_zero(x, w)
    w <- rowsum(d$w, d$x)
    x <- sort(unique(d$x))
    q <- qs(x, w, p)
    if ((q$wlow <= 0) && (q$ilow %% 2 == 0)) q$qlow else q$qup
  },
  hf4 = function(x, w, p) {
    d <- drop_zero(x, w); q <- qs(d$x, d$w, p)
    gamma <- with(q, wlow / (wup + wlow))
    q$qlow * (1 - gamma) + q$qup * gamma
  },
  hf5 = function(x, w, p) {
    d <- drop_zero(x, w); x <- d$x; w <- d$w; n <- length(x)
    if (n == 1) return(x)
    ii <- order(x); x <- x[ii]; w <- w[ii]
    cumw <- cumsum(w)
    pk <- (cumw - w / 2) / (cumw[n])
    approx(pk, x, p, method = "linear", rule = 2)$y
  },
  hf6 = function(x, w, p) {
    d <- drop_zero(x, w); x <- d$x; w <- d$w; n <- length(x)
    if (n == 1) return(x)
    ii <- order(x); x <- x[ii]; w <- w[ii]
    cumw <- cumsum(w)
    pk <- cumw / (cumw[n] + w[n])
    approx(pk, x, p, method = "linear", rule = 2)$y
  },
  shahvaish = function(x, w, p) {
    d <- drop_zero(x, w); x <- d$x; w <- d$w; n <- length(x)
    if (n == 1) return(x)
    ii <- order(x); x <- x[ii]; w <- w[ii]
    wbar <- w / mean(w)
    S <- cumsum(wbar)
    pk <- (S + 0.5 - w / 2) / (n + 1)
    approx(pk, x, p, method = "constant", f = 0, rule = 2)$y
  },
  hf7 = function(x, w, p) {
    d <- drop_zero(x, w); x <- d$x; w <- d$w; n <- length(x)
    if (n == 1) return(x)
    ii <- order(x); x <- x[ii]
    cumw <- cumsum(w[ii])
    pk <- c(0, cumw[-n]) / cumw[n - 1]
    approx(pk, x, p, method = "linear", rule = 2)$y
  },
  hf8 = function(x, w, p) {
    d <- drop_zero(x, w); x <- d$x; w <- d$w; n <- length(x)
    if (n == 1) return(x)
    ii <- order(x); x <- x[ii]; w <- w[ii]
    cumw <- cumsum(w)
    pk <- (c(0, cumw[-n]) * 1 / 3 + cumw * 2 / 3) / (cumw[n] + w[n] / 3)
    approx(pk, x, p, method = "linear", rule = 2)$y
  },
  hf9 = function(x, w, p) {
    d <- drop_zero(x, w); x <- d$x; w <- d$w; n <- length(x)
    if (n == 1) return(x)
    ii <- order(x); x <- x[ii]; w <- w[ii]
    cumw <- cumsum(w)
    pk <- (c(0, cumw[-n]) * 3 / 8 + cumw * 5 / 8) / (cumw[n] + w[n] / 4)
    approx(pk, x, p, method = "linear", rule = 2)$y
  }
)
qrules$hf1 <- qrules$math
qrules$hf2 <- qrules$school

# away from the 4.1/4.5 difference the rules are survey 4.1's own: check that they agree
for (name in names(qrules)) {
  builtin <- get(paste0("qrule_", name), envir = asNamespace("survey"))
  for (p in probs[-1]) {
    stopifnot(identical(builtin(strat$api00, strat$pw, p), qrules[[name]](strat$api00, strat$pw, p)))
  }
}

one <- function(design, variable, qrule, interval, p) {
  tryCatch({
    q <- svyquantile(as.formula(paste0("~", variable)), design, p, ci = TRUE, na.rm = TRUE,
                     qrule = qrules[[qrule]], interval.type = interval)[[1]]
    list(estimate = q[1, 1], ci_low = q[1, 2], ci_high = q[1, 3], se = q[1, 4], error = NA)
  }, error = function(e) {
    est <- svyquantile(as.formula(paste0("~", variable)), design, p, ci = FALSE, na.rm = TRUE,
                       qrule = qrules[[qrule]])[[1]]
    list(estimate = est[1, 1], ci_low = NA, ci_high = NA, se = NA,
         error = conditionMessage(e))
  })
}

rows_of <- function(design, variable, qrule, interval, group) {
  # the probability below every first weight share, so that 4.1 and 4.5 differ there
  answered <- design[!is.na(design$variables[[variable]]), ]
  w <- weights(answered)
  stopifnot(probs[1] * sum(w) < min(w[w > 0]))
  lapply(probs, function(p) {
    c(list(group = group, quantile = p), one(design, variable, qrule, interval, p))
  })
}

cases <- list()
for (dname in names(designs)) {
  d <- designs[[dname]]
  groups <- sort(unique(d$r$variables$stype))
  for (variable in d$variables) {
    for (interval in intervals) {
      for (qrule in if (is.null(d$rules)) names(qrules) else d$rules) {
        base <- list(design = d$py, variable = variable, qrule = qrule, interval = interval,
                     probs = probs)
        cases[[paste(dname, variable, interval, qrule, sep = "_")]] <-
          c(base, list(by = NA, rows = rows_of(d$r, variable, qrule, interval, NA)))
        by_rows <- do.call(c, lapply(groups, function(g) {
          rows_of(subset(d$r, stype == g), variable, qrule, interval, g)
        }))
        cases[[paste(dname, variable, interval, qrule, "by_stype", sep = "_")]] <-
          c(base, list(by = "stype", rows = by_rows))
      }
    }
  }
}

out <- list(r_version = R.version.string,
            survey_version = as.character(packageVersion("survey")), cases = cases)
write_json(out, file.path(out_dir, "quantile_rules.json"), digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null")
cat("wrote", length(cases), "cases to", file.path(out_dir, "quantile_rules.json"), "\n")
