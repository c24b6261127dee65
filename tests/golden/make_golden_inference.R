#!/usr/bin/env Rscript
# Golden values for survey.analysis.inference and survey.analysis.models, computed with R's
# survey package (Lumley) on its `api` data.
#
# Run from the repository root:  Rscript tests/golden/make_golden_inference.R
# Writes tests/golden/data/api{strat,clus1,clus2}.csv (the data the Python tests read) and
# tests/golden/inference.json. Deterministic: no random numbers, full-precision output.
# CI has no R; the outputs are committed.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(digits = 15, survey.lonely.psu = "fail", stringsAsFactors = FALSE)

out_dir <- file.path("tests", "golden")
data_dir <- file.path(out_dir, "data")
dir.create(data_dir, showWarnings = FALSE, recursive = TRUE)

data(api)

# ---------------------------------------------------------------- data written for Python
# Dots become underscores (sch.wide -> sch_wide); a few derived columns add missing values.
tidy <- function(d) {
  names(d) <- gsub(".", "_", names(d), fixed = TRUE)
  d[] <- lapply(d, function(x) if (is.factor(x)) as.character(x) else as.vector(x))
  d
}
keep <- c("cds", "stype", "sch_wide", "comp_imp", "both", "awards", "yr_rnd", "api00", "api99",
          "meals", "ell", "not_hsg", "mobility", "avg_ed", "acs_k3", "acs_46", "enroll", "target")

strat <- tidy(apistrat)[, c(keep, "pw", "fpc")]
clus1 <- tidy(apiclus1)[, c(keep, "dnum", "pw", "fpc")]
clus2 <- tidy(apiclus2)[, c(keep, "dnum", "snum", "pw", "fpc1", "fpc2")]

# derived categorical variables with missing values (NA where the source is NA)
clus1$size46 <- as.character(cut(clus1$acs_46, c(0, 27.5, 30.5, 50),
                                 labels = c("small", "mid", "large")))
clus2$target_grp <- as.character(cut(clus2$target, c(-1, 5, 15, 1000),
                                     labels = c("low", "mid", "high")))
clus1$awards01 <- as.integer(clus1$awards == "Yes")

files <- list(strat = "apistrat.csv", clus1 = "apiclus1.csv", clus2 = "apiclus2.csv")
write.csv(strat, file.path(data_dir, files$strat), row.names = FALSE)
write.csv(clus1, file.path(data_dir, files$clus1), row.names = FALSE)
write.csv(clus2, file.path(data_dir, files$clus2), row.names = FALSE)

# read back, so that R and Python use byte-identical numbers
rd <- function(f) read.csv(file.path(data_dir, f), stringsAsFactors = FALSE)
strat <- rd(files$strat)
clus1 <- rd(files$clus1)
clus2 <- rd(files$clus2)

designs <- list(
  strat = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat),
  clus1 = svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1),
  clus2 = svydesign(id = ~dnum + snum, weights = ~pw, fpc = ~fpc1 + fpc2, data = clus2)
)
design_specs <- list(
  strat = list(data = file.path("data", files$strat), weight = "pw", strata = "stype",
               cluster = character(0), fpc = list("fpc"), fpc_kind = "population",
               df = degf(designs$strat)),
  clus1 = list(data = file.path("data", files$clus1), weight = "pw", strata = NULL,
               cluster = list("dnum"), fpc = list("fpc"), fpc_kind = "population",
               df = degf(designs$clus1)),
  clus2 = list(data = file.path("data", files$clus2), weight = "pw", strata = NULL,
               cluster = list("dnum", "snum"), fpc = list("fpc1", "fpc2"),
               fpc_kind = "population", df = degf(designs$clus2))
)

# ---------------------------------------------------------------- svychisq
chisq_cases <- list(
  list(design = "strat", row = "stype", col = "awards"),
  list(design = "strat", row = "sch_wide", col = "comp_imp"),
  list(design = "clus1", row = "stype", col = "awards"),
  list(design = "clus1", row = "size46", col = "awards"),      # missing values
  list(design = "clus2", row = "sch_wide", col = "stype"),
  list(design = "clus2", row = "target_grp", col = "stype")    # missing values
)
chisq <- lapply(chisq_cases, function(cs) {
  des <- designs[[cs$design]]
  f <- as.formula(paste("~", cs$row, "+", cs$col))
  rf <- svychisq(f, des, statistic = "F")
  rc <- svychisq(f, des, statistic = "Chisq")
  # the Pearson X^2 R prints for statistic = "F" before dividing by tr(Delta)
  d <- des$variables
  ok <- !is.na(d[[cs$row]]) & !is.na(d[[cs$col]])
  tbl <- svytable(f, des, Ntotal = nrow(d))
  pearson <- suppressWarnings(chisq.test(tbl, correct = FALSE))
  list(
    design = cs$design, variable = cs$row, by = cs$col,
    n_complete = sum(ok),
    f = list(statistic = unname(rf$statistic), ndf = unname(rf$parameter["ndf"]),
             ddf = unname(rf$parameter["ddf"]), p_value = unname(rf$p.value)),
    # R prints the uncorrected X^2 for statistic = "Chisq" and tests X^2 / mean(diag(Delta));
    # mean(diag(Delta)) = (X^2 / F) / df, since F = X^2 / tr(Delta)
    chisq = list(statistic = unname(rc$statistic), df = unname(rc$parameter["df"]),
                 p_value = unname(rc$p.value),
                 corrected = unname(rc$statistic / ((rc$statistic / rf$statistic) /
                                                     rc$parameter["df"]))),
    pearson = list(statistic = unname(pearson$statistic), df = unname(pearson$parameter),
                   p_value = unname(pearson$p.value))
  )
})

# ---------------------------------------------------------------- p.adjust
p_raw <- c(0.01, 0.04, 0.03, 0.005, 0.2, 0.04, NA, 0.5, 0.001, 0.8, 0.04, 0.0004)
padjust <- list(
  p = p_raw,
  holm = p.adjust(p_raw, "holm"),
  bh = p.adjust(p_raw, "BH"),
  bonferroni = p.adjust(p_raw, "bonferroni")
)

# ---------------------------------------------------------------- svyglm quasibinomial
glm_cases <- list(
  list(design = "strat", outcome = "sch_wide", event = "Yes", numeric = "ell",
       categorical = "stype"),
  list(design = "clus1", outcome = "awards01", event = NULL, numeric = "meals",
       categorical = "stype"),
  list(design = "clus1", outcome = "sch_wide", event = "Yes", numeric = "acs_46",
       categorical = "stype"),                                  # missing predictor values
  list(design = "clus2", outcome = "comp_imp", event = "Yes", numeric = "enroll",
       categorical = "stype")                                   # missing predictor values
)
glms <- lapply(glm_cases, function(cs) {
  des <- designs[[cs$design]]
  if (!is.null(cs$event)) {
    # the event level last, so that glm models P(outcome == event)
    des <- update(des, .y = factor(get(cs$outcome) == cs$event, levels = c(FALSE, TRUE)))
  } else {
    des <- update(des, .y = get(cs$outcome))
  }
  f <- as.formula(paste(".y ~", cs$numeric, "+ factor(", cs$categorical, ")"))
  fit <- svyglm(f, des, family = quasibinomial())
  s <- summary(fit)
  ci <- confint(fit)
  terms <- names(coef(fit))
  terms <- sub(paste0("factor\\(", cs$categorical, "\\)"), cs$categorical, terms)
  list(
    design = cs$design, outcome = cs$outcome, event = cs$event, numeric = list(cs$numeric),
    categorical = list(cs$categorical),
    term = terms,
    estimate = unname(coef(fit)),
    se = unname(sqrt(diag(vcov(fit)))),
    t = unname(s$coefficients[, "t value"]),
    p_value = unname(s$coefficients[, "Pr(>|t|)"]),
    or_ci_low = unname(exp(ci[, 1])),
    or_ci_high = unname(exp(ci[, 2])),
    df = fit$df.residual,
    n = length(fit$y)
  )
})

# ---------------------------------------------------------------- Cronbach's alpha
# raw alpha as psych::alpha: k/(k-1) * (1 - tr(C)/sum(C)), C the item covariance matrix of
# the complete cases; weighted: C = cov.wt(items, weights) (the scale of C cancels).
alpha_of <- function(C) {
  k <- ncol(C)
  k / (k - 1) * (1 - sum(diag(C)) / sum(C))
}
alpha_cases <- list(
  list(design = "strat", items = c("not_hsg", "meals", "ell")),
  list(design = "clus1", items = c("acs_k3", "acs_46", "avg_ed", "mobility"))
)
alphas <- lapply(alpha_cases, function(cs) {
  d <- designs[[cs$design]]$variables
  x <- as.matrix(d[, cs$items])
  cc <- complete.cases(x)
  w <- weights(designs[[cs$design]])[cc]
  list(
    design = cs$design, items = cs$items, n = sum(cc),
    alpha = alpha_of(cov(x[cc, ])),
    alpha_weighted = alpha_of(cov.wt(x[cc, ], wt = w / sum(w))$cov)
  )
})

golden <- list(
  generator = "tests/golden/make_golden_inference.R",
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  designs = design_specs,
  svychisq = chisq,
  p_adjust = padjust,
  svyglm = glms,
  alpha = alphas
)
write_json(golden, file.path(out_dir, "inference.json"), digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null", null = "null")
cat("wrote", file.path(out_dir, "inference.json"), "\n")
