#!/usr/bin/env Rscript
# Golden values for survey.analysis.estimate.variances (R's svyvar), computed with R's survey
# package. Run from the repository root after make_golden_estimate.R (which writes the inputs):
#
#     Rscript tests/golden/make_golden_variance.R
#
# Reads tests/golden/estimate/api{strat,clus2}.csv (the same inputs as the other estimates) and
# writes tests/golden/variance/variance.json: one entry per case with the design spec the Python
# test rebuilds and R's estimate, SE, CI (confint with df = degf of the domain's subset design),
# df and n (respondents with a valid value). Domains: svyby(~x, ~g, design, svyvar, na.rm = TRUE),
# which computes svyvar on each subset design; svyvar counts n = sum(weights != 0) of the design
# it is given, before it drops the missing values (so rows with a missing value count).
# Deterministic; full precision. CI has no R: the output is committed.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(stringsAsFactors = FALSE, survey.lonely.psu = "fail")

dir <- file.path("tests", "golden", "estimate")
strat <- read.csv(file.path(dir, "apistrat.csv"))
clus2 <- read.csv(file.path(dir, "apiclus2.csv"))

source(file.path("tests", "golden", "designs.R"))
designs <- golden_designs(strat, clus2)

row <- function(sub, variable, group) {
  v <- svyvar(as.formula(paste0("~", variable)), sub, na.rm = TRUE)
  df <- degf(sub)
  ci <- confint(v, df = df)
  list(group = group, estimate = unname(coef(v)), se = as.numeric(SE(v)),
       ci_low = unname(ci[1, 1]), ci_high = unname(ci[1, 2]), df = df,
       n = sum(!is.na(sub$variables[[variable]]) & weights(sub) != 0))
}

cases <- list()
for (name in names(designs)) {
  d <- designs[[name]]$design
  variables <- if (name == "strat") c("api00", "enroll", "api99_na") else c("api00", "enroll")
  for (variable in variables) {
    if (!(variable %in% names(d$variables))) next
    cases[[paste(name, variable, sep = "_")]] <- list(
      design = designs[[name]]$spec, variable = variable, by = NULL,
      rows = list(row(d, variable, NULL))
    )
    groups <- sort(unique(d$variables$stype))
    rows <- lapply(groups, function(g) row(subset(d, stype == g), variable, g))
    # the same through svyby, which must agree with the subset designs
    by <- svyby(as.formula(paste0("~", variable)), ~stype, d, svyvar, na.rm = TRUE)
    stopifnot(isTRUE(all.equal(unname(coef(by)), sapply(rows, `[[`, "estimate"))))
    stopifnot(isTRUE(all.equal(as.numeric(SE(by)), sapply(rows, `[[`, "se"))))
    cases[[paste(name, variable, "by_stype", sep = "_")]] <- list(
      design = designs[[name]]$spec, variable = variable, by = "stype", rows = rows
    )
  }
}

out <- file.path("tests", "golden", "variance")
dir.create(out, showWarnings = FALSE)
writeLines(
  toJSON(list(r_version = R.version.string,
              survey_version = as.character(packageVersion("survey")), cases = cases),
         auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
  file.path(out, "variance.json")
)
