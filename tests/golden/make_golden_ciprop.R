#!/usr/bin/env Rscript
# Golden values for the arcsine interval of a proportion (proportion_ci "asin"): R's
# svyciprop(method = "asin"), overall and by domain (svyby(..., svyciprop, method = "asin")).
# Run from the repository root after make_golden_estimate.R (which writes the inputs):
#
#     Rscript tests/golden/make_golden_ciprop.R
#
# Writes tests/golden/ciprop/ciprop.json: per case the design spec, the variable and level, and
# per group R's estimate and interval (df = degf of the domain's subset design, as svyby gives
# svyciprop its subset). Deterministic; full precision.

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
items <- list(strat = list(c("sch_wide", "Yes"), c("awards", "Yes")), clus2 = list(c("awards", "Yes")))

one <- function(sub, variable, level, group) {
  f <- as.formula(sprintf("~I(%s == '%s')", variable, level))
  r <- svyciprop(f, sub, method = "asin", df = degf(sub))
  ci <- attr(r, "ci")
  list(group = group, estimate = as.numeric(coef(r)), ci_low = as.numeric(ci[1]),
       ci_high = as.numeric(ci[2]))
}

cases <- list()
for (name in names(designs)) {
  d <- designs[[name]]$design
  for (item in items[[name]]) {
    rows <- list(one(d, item[1], item[2], NULL))
    cases[[paste(name, item[1], sep = "_")]] <- list(
      design = designs[[name]]$spec, variable = item[1], level = item[2], by = NULL, rows = rows
    )
    groups <- sort(unique(d$variables$stype))
    rows <- lapply(groups, function(g) one(subset(d, stype == g), item[1], item[2], g))
    cases[[paste(name, item[1], "by_stype", sep = "_")]] <- list(
      design = designs[[name]]$spec, variable = item[1], level = item[2], by = "stype",
      rows = rows
    )
  }
}
writeLines(
  toJSON(list(r_version = R.version.string,
              survey_version = as.character(packageVersion("survey")), cases = cases),
         auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
  file.path("tests", "golden", "ciprop", "ciprop.json")
)
