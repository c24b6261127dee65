#!/usr/bin/env Rscript
# Golden values for survey.weighting.greg (R's `calibrate`) and the calibration-aware
# variances it gives in SurveyDesign, computed with R's survey package (Lumley).
#
# Run from the repository root (no other input is needed: the samples are the shared
# tests/golden/data/apistrat.csv and apiclus2.csv, the population totals come from `apipop`):
#
#     Rscript tests/golden/make_golden_calibrate.R
#
# Writes, in tests/golden/calibrate/:
# - totals_numeric.csv, totals_mixed.csv: the population totals in the format of
#   survey.weighting.read_totals (variable,level,target; a numeric total has an empty level,
#   the population size is the row `(Intercept),,N`);
# - calibrate.json: one entry per case with the design spec, the totals file, calfun, bounds,
#   epsilon and maxit; R's calibrated weights (every row, in file order) and the svymean(~api00)
#   and svytotal(~enroll, na.rm = TRUE) estimates with their calibration-aware SE; or, for the
#   cases R refuses, `failed: true` and R's message.
# Deterministic; full precision. CI has no R: the outputs are committed.
#
# R calls: calibrate(design, formula, population, calfun = <calfun>, bounds = c(L, U),
# epsilon = 1e-7, maxit = 50) with
# - designs: apistrat `svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc)`, apiclus2
#   `svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, weights = ~pw)` (two stages with fpc) and
#   apistrat without weights, `svydesign(id = ~1)` (weights 1: grake then rescales the weights
#   by the mean ratio of population to sample totals before applying the bounds);
# - numeric auxiliaries `~api99 + meals` (population c(`(Intercept)` = N, api99 =, meals =)) and
#   mixed ones `~stype + api99` (c(`(Intercept)` = N, stypeH =, stypeM =, api99 =));
# - calfun linear (unbounded: R's regcalibrate), linear with bounds, raking without and with
#   bounds, logit with bounds (it needs them); the bounds are 60% (numeric) or 80% (mixed; at
#   60% R's bounded linear and raking fail there) of the way from 1 to the range of the
#   unbounded linear g-weights (so that they bind), rounded to 4 decimals; plus bounds 10% of
#   the way, too tight to hold (R: "Calibration failed").

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(stringsAsFactors = FALSE, survey.lonely.psu = "fail", survey.ultimate.cluster = FALSE)

data_dir <- file.path("tests", "golden", "data")
dir <- file.path("tests", "golden", "calibrate")
dir.create(dir, showWarnings = FALSE)
data(api)

strat <- read.csv(file.path(data_dir, "apistrat.csv"))
clus2 <- read.csv(file.path(data_dir, "apiclus2.csv"))

designs <- list(
  strat = list(
    design = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat),
    spec = list(data = "apistrat.csv", weight = "pw", strata = "stype", cluster = list(),
                fpc = list("fpc"), fpc_kind = "population")
  ),
  clus2 = list(
    design = svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, weights = ~pw, data = clus2),
    spec = list(data = "apiclus2.csv", weight = "pw", strata = NULL,
                cluster = list("dnum", "snum"), fpc = list("fpc1", "fpc2"),
                fpc_kind = "population")
  ),
  unweighted = list(
    design = suppressWarnings(svydesign(id = ~1, data = strat)),
    spec = list(data = "apistrat.csv", weight = NULL, strata = NULL, cluster = list(),
                fpc = list(), fpc_kind = NULL)
  )
)

# ------------------------------------------------------------------ population totals
N <- nrow(apipop)
stype_counts <- table(as.character(apipop$stype))  # E, H, M: R's factor order
numeric_rows <- data.frame(
  variable = c("(Intercept)", "api99", "meals"), level = "",
  target = c(N, sum(apipop$api99), sum(apipop$meals))
)
mixed_rows <- data.frame(
  variable = c(rep("stype", length(stype_counts)), "api99"),
  level = c(names(stype_counts), ""),
  target = c(as.vector(stype_counts), sum(apipop$api99))
)
write.csv(numeric_rows, file.path(dir, "totals_numeric.csv"), row.names = FALSE, na = "")
write.csv(mixed_rows, file.path(dir, "totals_mixed.csv"), row.names = FALSE, na = "")

auxiliaries <- list(
  numeric = list(
    formula = ~api99 + meals, file = "totals_numeric.csv", reach = 0.6,
    population = c(`(Intercept)` = N, api99 = sum(apipop$api99), meals = sum(apipop$meals))
  ),
  mixed = list(
    formula = ~stype + api99, file = "totals_mixed.csv", reach = 0.8,
    population = c(`(Intercept)` = N, stypeH = as.vector(stype_counts["H"]),
                   stypeM = as.vector(stype_counts["M"]), api99 = sum(apipop$api99))
  )
)

EPSILON <- 1e-7
MAXIT <- 50L

estimates <- function(d) {
  m <- svymean(~api00, d)
  t <- svytotal(~enroll, d, na.rm = TRUE)
  list(
    list(stat = "mean", variable = "api00", estimate = as.vector(coef(m)), se = as.vector(SE(m))),
    list(stat = "total", variable = "enroll", estimate = as.vector(coef(t)), se = as.vector(SE(t)))
  )
}

one <- function(design, spec, aux, calfun, bounds) {
  case <- list(design = spec, totals = aux$file, calfun = calfun,
               bounds = if (is.null(bounds)) NULL else as.list(bounds),
               epsilon = EPSILON, maxit = MAXIT)
  b <- if (is.null(bounds)) c(-Inf, Inf) else bounds
  result <- tryCatch(
    suppressWarnings(calibrate(design, aux$formula, aux$population, calfun = calfun,
                               bounds = b, epsilon = EPSILON, maxit = MAXIT)),
    error = function(e) e
  )
  if (inherits(result, "error")) {
    case$failed <- TRUE
    case$message <- conditionMessage(result)
    return(case)
  }
  case$failed <- FALSE
  case$weights <- unname(weights(result))
  g <- weights(result) / weights(design)
  case$g_range <- range(g)
  case$estimates <- estimates(result)
  case
}

cases <- list()
for (dname in names(designs)) {
  design <- designs[[dname]]$design
  spec <- designs[[dname]]$spec
  for (aname in names(auxiliaries)) {
    aux <- auxiliaries[[aname]]
    g <- weights(calibrate(design, aux$formula, aux$population)) / weights(design)
    if (dname == "unweighted") {
      # bounds on g relative to the rescaled weights (mean ratio of population to sample totals)
      scale <- mean(aux$population / colSums(model.matrix(aux$formula, model.frame(design))))
      g <- g / scale
    }
    bounds <- round(c(1 - aux$reach * (1 - min(g)), 1 + aux$reach * (max(g) - 1)), 4)
    bounds[1] <- max(bounds[1], 0.05)  # raking and logit g-weights are positive
    tight <- round(c(1 - 0.1 * (1 - min(g)), 1 + 0.1 * (max(g) - 1)), 4)
    runs <- list(
      linear = list("linear", NULL),
      linear_bounded = list("linear", bounds),
      raking = list("raking", NULL),
      raking_bounded = list("raking", bounds),
      logit_bounded = list("logit", bounds),
      raking_infeasible = list("raking", tight),
      linear_infeasible = list("linear", tight)
    )
    if (dname == "unweighted") runs <- runs[c("linear", "linear_bounded", "raking_bounded")]
    for (rname in names(runs)) {
      run <- runs[[rname]]
      cases[[paste(dname, aname, rname, sep = "_")]] <- one(design, spec, aux, run[[1]], run[[2]])
    }
  }
}

writeLines(
  toJSON(list(r_version = R.version.string,
              survey_version = as.character(packageVersion("survey")),
              cases = cases),
         auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"),
  file.path(dir, "calibrate.json")
)
for (nm in names(cases)) {
  c <- cases[[nm]]
  cat(sprintf("%-40s %s\n", nm, if (c$failed) paste("FAILED:", c$message) else
    paste(sprintf("%.4f", c$g_range), collapse = " .. ")))
}
