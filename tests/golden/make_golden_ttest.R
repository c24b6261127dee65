#!/usr/bin/env Rscript
# Golden values for survey.analysis.inference.ttest (R's svyttest), computed with R's survey
# package. Run from the repository root after make_golden_estimate.R (which writes the inputs):
#
#     Rscript tests/golden/make_golden_ttest.R
#
# Reads tests/golden/estimate/api{strat,clus2}.csv and writes tests/golden/ttest/ttest.json: per
# case the design spec, the formula's parts and R's estimate (difference of the second level's mean
# minus the first's, or the mean), SE, t, df, p-value and 95% CI. Deterministic; full precision.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(stringsAsFactors = FALSE, survey.lonely.psu = "fail")

dir <- file.path("tests", "golden", "estimate")
strat <- read.csv(file.path(dir, "apistrat.csv"))
clus2 <- read.csv(file.path(dir, "apiclus2.csv"))
strat$awards <- factor(strat$awards)
strat$sch_wide <- factor(strat$sch_wide)
clus2$awards <- factor(clus2$awards)

source(file.path("tests", "golden", "designs.R"))
designs <- golden_designs(strat, clus2)
tests <- list(
  strat_api00_awards = list("strat", "api00", "awards"),
  strat_api00_sch_wide = list("strat", "api00", "sch_wide"),
  strat_api99_na_awards = list("strat", "api99_na", "awards"),
  strat_enroll_one_sample = list("strat", "enroll", NULL),
  clus2_api00_awards = list("clus2", "api00", "awards"),
  clus2_enroll_awards = list("clus2", "enroll", "awards")
)

cases <- list()
for (name in names(tests)) {
  spec <- tests[[name]]
  d <- designs[[spec[[1]]]]$design
  rhs <- if (is.null(spec[[3]])) "1" else spec[[3]]
  r <- svyttest(as.formula(paste(spec[[2]], "~", rhs)), d, na.rm = TRUE)
  cases[[name]] <- list(
    design = designs[[spec[[1]]]]$spec, variable = spec[[2]], by = spec[[3]],
    estimate = unname(r$estimate), se = unname(r$estimate / r$statistic),
    t = unname(r$statistic), df = unname(r$parameter), p_value = unname(r$p.value),
    ci_low = unname(r$conf.int[1]), ci_high = unname(r$conf.int[2])
  )
}

writeLines(
  toJSON(list(r_version = R.version.string,
              survey_version = as.character(packageVersion("survey")), cases = cases),
         auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
  file.path("tests", "golden", "ttest", "ttest.json")
)
