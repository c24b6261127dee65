#!/usr/bin/env Rscript
# Golden values for the likelihood interval of a proportion (proportion_ci "likelihood"): R's
# svyciprop(method = "likelihood"), the profile interval of the Rao-Scott scaled working
# likelihood of svyglm(y ~ 1, family = quasibinomial), overall and by domain (the domain's
# subset design, as svyby gives svyciprop). Run from the repository root after
# make_golden_estimate.R (which writes the inputs):
#
#     Rscript tests/golden/make_golden_ciprop_likelihood.R
#
# Writes tests/golden/ciprop/ciprop_likelihood.json: per case the design spec, the variable and
# level, and per group R's estimate, standard error, df and interval at levels 0.95 and 0.9.
# Deterministic; full precision.

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
items <- list(strat = list(c("sch_wide", "Yes"), c("awards", "Yes"), c("both", "No")),
              clus2 = list(c("awards", "Yes"), c("stype", "H")))
levels_ci <- c(0.95, 0.9)

one <- function(sub, variable, level, group) {
  f <- as.formula(sprintf("~I(%s == '%s')", variable, level))
  cis <- lapply(levels_ci, function(lv) {
    r <- svyciprop(f, sub, method = "likelihood", level = lv, df = degf(sub))
    ci <- attr(r, "ci")
    list(level = lv, estimate = as.numeric(coef(r)), se = as.numeric(sqrt(vcov(r))),
         ci_low = as.numeric(ci[1]), ci_high = as.numeric(ci[2]))
  })
  list(group = group, df = degf(sub), intervals = cis)
}

cases <- list()
for (name in names(designs)) {
  d <- designs[[name]]$design
  for (item in items[[name]]) {
    rows <- list(one(d, item[1], item[2], NULL))
    cases[[paste(name, item[1], sep = "_")]] <- list(
      design = designs[[name]]$spec, variable = item[1], level = item[2], by = NULL, rows = rows
    )
    if (item[1] == "stype") next
    groups <- sort(unique(d$variables$stype))
    rows <- lapply(groups, function(g) one(subset(d, stype == g), item[1], item[2], g))
    cases[[paste(name, item[1], "by_stype", sep = "_")]] <- list(
      design = designs[[name]]$spec, variable = item[1], level = item[2], by = "stype",
      rows = rows
    )
  }
}
writeLines(
  toJSON(list(generator = "tests/golden/make_golden_ciprop_likelihood.R",
              r_version = R.version.string,
              survey_version = as.character(packageVersion("survey")), cases = cases),
         auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
  file.path("tests", "golden", "ciprop", "ciprop_likelihood.json")
)
cat("wrote tests/golden/ciprop/ciprop_likelihood.json\n")
