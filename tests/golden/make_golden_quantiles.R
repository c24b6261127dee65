#!/usr/bin/env Rscript
# Golden values for survey.analysis.quantiles, computed with R's survey package (svyquantile).
#
# Run from the repository root, after tests/golden/make_golden_estimate.R (which writes the api
# CSV inputs under tests/golden/estimate/):
#
#     Rscript tests/golden/make_golden_quantiles.R
#
# Writes tests/golden/quantiles/quantiles.json: one entry per case (design spec, variable,
# domain, quantile rule) with R's quantile, Woodruff CI (interval.type = "mean", the default) and
# SE for each probability. Domains are R's subset designs, missing values dropped (na.rm = TRUE),
# as svyquantile does. Deterministic; full precision. CI has no R: the output is committed.
#
# The quantile rules are those of survey 4.5 (CRAN's current release), passed to svyquantile as
# functions: survey 4.1 (Debian's) tests `wlow == 0` where 4.5 tests `wlow <= 0`, so that for a p
# below the first order statistic's weight share 4.1 returns the second order statistic. That
# happens for lower Woodruff limits in small domains (here: High schools, p = 0.1); 4.5 returns
# the first, which is the definition of the rule, and survey.analysis.quantiles does the same.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(stringsAsFactors = FALSE, survey.lonely.psu = "fail")

input <- file.path("tests", "golden", "estimate")
out_dir <- file.path("tests", "golden", "quantiles")
dir.create(out_dir, showWarnings = FALSE)
rd <- function(file) read.csv(file.path(input, file))
data <- list(strat = rd("apistrat.csv"), clus1 = rd("apiclus1.csv"), clus2 = rd("apiclus2.csv"))

spec <- function(file, weight = NA, strata = NA, cluster = character(0), fpc = character(0),
                 fpc_kind = NA) {
  list(data = file, weight = weight, strata = strata, cluster = as.list(cluster),
       fpc = as.list(fpc), fpc_kind = fpc_kind)
}
designs <- list(
  strat = list(
    r = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = data$strat),
    py = spec("apistrat.csv", "pw", "stype", fpc = "fpc", fpc_kind = "population"),
    variables = c("api00", "api99_na", "enroll")),
  clus1 = list(
    r = svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = data$clus1),
    py = spec("apiclus1.csv", "pw", cluster = "dnum", fpc = "fpc", fpc_kind = "population"),
    variables = c("api00", "enroll")),
  clus2 = list(
    r = svydesign(id = ~dnum + snum, weights = ~pw, fpc = ~fpc1 + fpc2, data = data$clus2),
    py = spec("apiclus2.csv", "pw", cluster = c("dnum", "snum"), fpc = c("fpc1", "fpc2"),
              fpc_kind = "population"),
    variables = c("api00"))
)
probs <- c(0.1, 0.25, 0.5, 0.75, 0.9)

# survey 4.5's R/qrule.R (qs and last are survey's own, unchanged since 4.1)
qs <- survey:::qs
qrules <- list(
  math = function(x, w, p) {
    if (any(zero <- w == 0)) { w <- w[!zero]; x <- x[!zero] }
    qdata <- qs(x, w, p)
    if (qdata$wlow <= 0) qdata$qlow else qdata$qup
  },
  school = function(x, w, p) {
    if (any(zero <- w == 0)) { w <- w[!zero]; x <- x[!zero] }
    qdata <- qs(x, w, p)
    if (qdata$wlow <= 0) (qdata$qlow + qdata$qup) / 2 else qdata$qup
  }
)

rows_of <- function(design, variable, qrule, group) {
  q <- svyquantile(as.formula(paste0("~", variable)), design, probs, ci = TRUE, na.rm = TRUE,
                   qrule = qrules[[qrule]])[[1]]
  lapply(seq_along(probs), function(i) {
    list(group = group, quantile = probs[i], estimate = q[i, 1], ci_low = q[i, 2],
         ci_high = q[i, 3], se = q[i, 4])
  })
}

cases <- list()
for (dname in names(designs)) {
  d <- designs[[dname]]
  for (variable in d$variables) {
    for (qrule in c("math", "school")) {
      base <- list(design = d$py, variable = variable, qrule = qrule, probs = probs)
      cases[[paste(dname, variable, qrule, sep = "_")]] <-
        c(base, list(by = NA, rows = rows_of(d$r, variable, qrule, NA)))
      groups <- sort(unique(d$r$variables$stype))
      by_rows <- do.call(c, lapply(groups, function(g) {
        rows_of(subset(d$r, stype == g), variable, qrule, g)
      }))
      cases[[paste(dname, variable, qrule, "by_stype", sep = "_")]] <-
        c(base, list(by = "stype", rows = by_rows))
    }
  }
}

out <- list(r_version = R.version.string,
            survey_version = as.character(packageVersion("survey")), cases = cases)
write_json(out, file.path(out_dir, "quantiles.json"), digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null")
cat("wrote", length(cases), "cases to", file.path(out_dir, "quantiles.json"), "\n")
