#!/usr/bin/env Rscript
# Golden values for estimates by a cross of two domain variables (SurveyDesign.crossed,
# `survey estimate --by a --by b`): R's svyby(~y, ~a + b, design, svymean / svytotal).
# Run from the repository root after make_golden_estimate.R (which writes the inputs):
#
#     Rscript tests/golden/make_golden_crossed.R
#
# Writes tests/golden/crossed/crossed.json: per case the design spec, the variables and one row
# per combination R reports (keep.names; empty combinations are dropped by svyby) with the labels
# of both variables, estimate and SE. Deterministic; full precision.

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
cases <- list()
for (name in names(designs)) {
  d <- designs[[name]]$design
  for (stat in c("mean", "total")) {
    fun <- if (stat == "mean") svymean else svytotal
    by <- svyby(~api00, ~stype + awards, d, fun, na.rm = TRUE)
    rows <- lapply(seq_len(nrow(by)), function(i) list(
      stype = as.character(by$stype[i]), awards = as.character(by$awards[i]),
      estimate = unname(coef(by)[i]), se = unname(SE(by)[i])
    ))
    cases[[paste(name, "api00", stat, sep = "_")]] <- list(
      design = designs[[name]]$spec, variable = "api00", stat = stat,
      by = list("stype", "awards"), rows = rows
    )
  }
}
writeLines(
  toJSON(list(r_version = R.version.string,
              survey_version = as.character(packageVersion("survey")), cases = cases),
         auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
  file.path("tests", "golden", "crossed", "crossed.json")
)
