#!/usr/bin/env Rscript
# Golden design effects against sampling without replacement (estimate(..., deff="srswor"),
# `survey estimate --deff srswor`): R's deff = TRUE, overall and by domain (svyby(..., deff =
# TRUE), which gives each domain's subset design). Run from the repository root after
# make_golden_estimate.R (which writes the inputs):
#
#     Rscript tests/golden/make_golden_deff.R
#
# Writes tests/golden/deff/deff.json: per case the design spec, variable, statistic and per row
# (group, level) R's deff. Deterministic; full precision.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(stringsAsFactors = FALSE, survey.lonely.psu = "fail")
`%||%` <- function(a, b) if (is.null(a)) b else a

dir <- file.path("tests", "golden", "estimate")
strat <- read.csv(file.path(dir, "apistrat.csv"))
clus2 <- read.csv(file.path(dir, "apiclus2.csv"))
strat$sch_wide <- factor(strat$sch_wide)
clus2$awards <- factor(clus2$awards)

designs <- list(
  strat = list(
    design = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat),
    spec = list(data = "apistrat.csv", weight = "pw", strata = "stype", cluster = list(),
                fpc = list("fpc"), fpc_kind = "population"),
    factor = "sch_wide"
  ),
  clus2 = list(
    design = svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, weights = ~pw, data = clus2),
    spec = list(data = "apiclus2.csv", weight = "pw", strata = NULL,
                cluster = list("dnum", "snum"), fpc = list("fpc1", "fpc2"),
                fpc_kind = "population"),
    factor = "awards"
  )
)

cases <- list()
for (name in names(designs)) {
  d <- designs[[name]]$design
  items <- list(c("api00", "mean"), c("enroll", "mean"), c("api00", "total"),
                c(designs[[name]]$factor, "proportion"))
  for (item in items) {
    f <- as.formula(paste0("~", item[1]))
    fun <- if (item[2] == "total") svytotal else svymean
    whole <- fun(f, d, na.rm = TRUE, deff = TRUE)
    rows <- lapply(seq_along(coef(whole)), function(i) list(
      group = NULL, level = names(coef(whole))[i], deff = unname(deff(whole)[i])))
    by <- svyby(f, ~stype, d, fun, na.rm = TRUE, deff = TRUE)
    effects <- as.matrix(deff(by))
    for (g in seq_len(nrow(by))) {
      for (i in seq_len(ncol(effects))) {
        rows[[length(rows) + 1]] <- list(group = as.character(by$stype[g]),
                                         level = colnames(effects)[i] %||% item[1],
                                         deff = unname(effects[g, i]))
      }
    }
    cases[[paste(name, item[1], item[2], sep = "_")]] <- list(
      design = designs[[name]]$spec, variable = item[1], stat = item[2], rows = rows
    )
  }
}
writeLines(
  toJSON(list(r_version = R.version.string,
              survey_version = as.character(packageVersion("survey")), cases = cases),
         auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
  file.path("tests", "golden", "deff", "deff.json")
)
