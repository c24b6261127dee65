#!/usr/bin/env Rscript
# Golden values for survey.analysis.glm (R's svyglm, summary.svyglm, confint, regTermTest and
# svypredmeans), computed with R's survey package on its `api` data.
#
# Run from the repository root after make_golden_inference.R (which writes the inputs):
#
#     Rscript tests/golden/make_golden_glm.R
#
# Reads tests/golden/data/api{strat,clus2}.csv and writes tests/golden/glm/glm.json: per case
# the design, the Python and R formulas, the family, R's coefficient table (estimate, SE, t,
# p-value, 95% CI; exp() of them for the logit and log links), the covariance matrix, the
# residual df, the dispersion, the deviance and n; regTermTest results (Wald and LRT, the LRT
# with R's default saddlepoint p-value) and svypredmeans margins. Deterministic; full precision.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(stringsAsFactors = FALSE, survey.lonely.psu = "fail")

data_dir <- file.path("tests", "golden", "data")
out_dir <- file.path("tests", "golden", "glm")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

# text columns as factors (levels sorted, as the Python side orders text levels)
as_factors <- function(d) {
  for (v in c("stype", "sch_wide", "comp_imp", "awards", "yr_rnd", "target_grp")) {
    if (v %in% names(d)) d[[v]] <- factor(d[[v]])
  }
  d
}
strat <- as_factors(read.csv(file.path(data_dir, "apistrat.csv")))
clus2 <- as_factors(read.csv(file.path(data_dir, "apiclus2.csv")))

designs <- list(
  strat = list(
    design = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat),
    spec = list(data = "apistrat.csv", weight = "pw", strata = "stype", cluster = list(),
                fpc = list("fpc"), fpc_kind = "population")
  ),
  clus2 = list(
    design = svydesign(id = ~dnum + snum, weights = ~pw, fpc = ~fpc1 + fpc2, data = clus2),
    spec = list(data = "apiclus2.csv", weight = "pw", strata = NULL,
                cluster = list("dnum", "snum"), fpc = list("fpc1", "fpc2"),
                fpc_kind = "population")
  )
)

# Python formula (patsy), R formula; tests: Python terms, R formula, method
cases <- list(
  list(id = "gaussian-strat-interaction", design = "strat", family = "gaussian",
       formula = "api00 ~ ell + meals * stype", r = api00 ~ ell + meals * stype,
       tests = list(list("meals:stype", ~meals:stype, "Wald"), list("stype", ~stype, "LRT"),
                    list("ell + meals:stype", ~ell + meals:stype, "LRT"))),
  list(id = "gaussian-clus2-missing", design = "clus2", family = "gaussian",
       formula = "api00 ~ ell * mobility + C(stype) + acs_46",
       r = api00 ~ ell * mobility + factor(stype) + acs_46,
       tests = list(list("ell:mobility", ~ell:mobility, "Wald"),
                    list("C(stype)", ~factor(stype), "LRT"),
                    list("stype", ~factor(stype), "Wald"))),
  list(id = "quasibinomial-strat", design = "strat", family = "quasibinomial",
       formula = "sch_wide ~ ell + stype + meals:mobility",
       r = sch_wide ~ ell + stype + meals:mobility,
       tests = list(list("stype", ~stype, "LRT"), list("meals:mobility", ~meals:mobility, "Wald"),
                    list("ell + stype", ~ell + stype, "LRT"))),
  list(id = "quasibinomial-clus2-transform", design = "clus2", family = "quasibinomial",
       formula = "comp_imp ~ api99 + stype + log(enroll)",
       r = comp_imp ~ api99 + stype + log(enroll),
       tests = list(list("stype", ~stype, "Wald"),
                    list("log(enroll)", ~log(enroll), "LRT", "complete"))),
  list(id = "binomial-strat-interaction", design = "strat", family = "binomial",
       formula = "awards ~ meals * yr_rnd", r = awards ~ meals * yr_rnd,
       tests = list(list("meals:yr_rnd", ~meals:yr_rnd, "LRT"),
                    list("yr_rnd + meals:yr_rnd", ~yr_rnd + meals:yr_rnd, "Wald"))),
  list(id = "binomial-clus2", design = "clus2", family = "binomial",
       formula = "sch_wide ~ meals + stype", r = sch_wide ~ meals + stype,
       tests = list(list("stype", ~stype, "LRT"), list("meals", ~meals, "Wald"))),
  list(id = "poisson-strat-offset", design = "strat", family = "poisson",
       formula = "mobility ~ ell + stype + offset(log(enroll))",
       r = mobility ~ ell + stype + offset(log(enroll)),
       tests = list(list("stype", ~stype, "Wald"), list("ell", ~ell, "LRT"))),
  list(id = "poisson-clus2-offset-interaction", design = "clus2", family = "poisson",
       formula = "mobility ~ ell * meals + stype + offset(log(enroll))",
       r = mobility ~ ell * meals + stype + offset(log(enroll)),
       tests = list(list("ell:meals", ~ell:meals, "LRT"), list("stype", ~stype, "LRT"),
                    list("ell + ell:meals", ~ell + ell:meals, "Wald"))),
  list(id = "quasipoisson-strat-offset-argument", design = "strat", family = "quasipoisson",
       formula = "ell ~ meals * stype", r = ell ~ meals * stype, offset = "log(enroll)",
       tests = list(list("meals:stype", ~meals:stype, "LRT"), list("stype", ~stype, "Wald"))),
  list(id = "quasipoisson-clus2", design = "clus2", family = "quasipoisson",
       formula = "ell ~ meals + C(stype) + acs_46", r = ell ~ meals + factor(stype) + acs_46,
       tests = list(list("C(stype)", ~factor(stype), "LRT"), list("acs_46", ~acs_46, "Wald")))
)

# R names factor(x)level as the Python side names C(x): xlevel
r_names <- function(x) gsub("factor\\(([A-Za-z_.0-9]+)\\)", "\\1", x)

# the call names a global design and the family, so that regTermTest's update() and
# svypredmeans can evaluate it again
des_strat <- designs$strat$design
des_clus2 <- designs$clus2$design
fit_case <- function(cs) {
  call <- bquote(svyglm(.(cs$r), design = .(as.name(paste0("des_", cs$design))),
                        family = .(str2lang(paste0(cs$family, "()")))))
  if (!is.null(cs$offset)) call$offset <- str2lang(cs$offset)
  eval(call, globalenv())
}

glms <- lapply(cases, function(cs) {
  fit <- fit_case(cs)
  s <- summary(fit)
  ci <- confint(fit)
  v <- vcov(fit)
  out <- list(
    id = cs$id, design = cs$design, family = cs$family, formula = cs$formula,
    r_formula = paste(deparse(cs$r), collapse = " "),
    offset = if (is.null(cs$offset)) NULL else cs$offset,
    term = r_names(names(coef(fit))),
    estimate = unname(coef(fit)),
    se = unname(sqrt(diag(v))),
    t = unname(s$coefficients[, "t value"]),
    p_value = unname(s$coefficients[, "Pr(>|t|)"]),
    ci_low = unname(ci[, 1]),
    ci_high = unname(ci[, 2]),
    vcov = unname(lapply(seq_len(nrow(v)), function(i) unname(v[i, ]))),
    df = fit$df.residual,
    dispersion = as.numeric(s$dispersion),
    deviance = deviance(fit),
    n = length(fit$y)
  )
  if (cs$family %in% c("binomial", "quasibinomial", "poisson", "quasipoisson")) {
    out$exp_estimate <- unname(exp(coef(fit)))
    out$exp_ci_low <- unname(exp(ci[, 1]))
    out$exp_ci_high <- unname(exp(ci[, 2]))
  }
  out$tests <- lapply(cs$tests, function(tt) {
    model <- fit
    rows <- "model"
    if (length(tt) > 3 && tt[[4]] == "complete") {
      # a tested variable has missing values: R's update() would fit the reduced model on
      # more rows than the full one; the Python side fits both on the full model's rows,
      # which R does when the design is first restricted to the complete rows
      d <- designs[[cs$design]]$design
      keep <- complete.cases(model.frame(d)[, all.vars(cs$r)])
      assign("des_complete", subset(d, keep), envir = globalenv())
      model <- fit_case(modifyList(cs, list(design = "complete")))
      rows <- "complete"
    }
    r <- regTermTest(model, tt[[2]], method = tt[[3]])
    if (tt[[3]] == "Wald") {
      list(terms = tt[[1]], method = "Wald", statistic = as.numeric(r$Ftest),
           ndf = r$df, ddf = r$ddf, p_value = as.numeric(r$p))
    } else {
      list(terms = tt[[1]], method = "LRT", rows = rows, statistic = as.numeric(r$chisq),
           ndf = r$df, ddf = r$ddf, p_value = as.numeric(r$p),
           lambdas = as.numeric(sort(r$lambda, decreasing = TRUE)))
    }
  })
  out
})

# ---------------------------------------------------------------- svypredmeans
# (R's svypredmeans stops when a variable of the adjustment model has missing values, so no
# case has them)
margin_cases <- list(
  list(id = "gaussian-strat", design = "strat", family = "gaussian",
       formula = "api00 ~ ell + meals", r = api00 ~ ell + meals, by = "stype"),
  list(id = "gaussian-clus2", design = "clus2", family = "gaussian",
       formula = "api00 ~ ell + mobility", r = api00 ~ ell + mobility, by = "stype"),
  list(id = "quasibinomial-strat", design = "strat", family = "quasibinomial",
       formula = "sch_wide ~ ell", r = sch_wide ~ ell, by = "stype"),
  list(id = "quasibinomial-clus2", design = "clus2", family = "quasibinomial",
       formula = "sch_wide ~ meals", r = sch_wide ~ meals, by = "yr_rnd"),
  list(id = "binomial-strat", design = "strat", family = "binomial",
       formula = "awards ~ meals", r = awards ~ meals, by = "stype"),
  list(id = "binomial-clus2", design = "clus2", family = "binomial",
       formula = "comp_imp ~ api99", r = comp_imp ~ api99, by = "stype"),
  list(id = "poisson-strat", design = "strat", family = "poisson",
       formula = "ell ~ meals", r = ell ~ meals, by = "stype"),
  list(id = "poisson-clus2", design = "clus2", family = "poisson",
       formula = "mobility ~ ell", r = mobility ~ ell, by = "yr_rnd"),
  list(id = "quasipoisson-clus2", design = "clus2", family = "quasipoisson",
       formula = "ell ~ meals", r = ell ~ meals, by = "stype")
)
margins <- lapply(margin_cases, function(cs) {
  fit <- fit_case(cs)
  pm <- svypredmeans(fit, as.formula(paste("~", cs$by)))
  levels <- sort(names(coef(pm)))
  df <- degf(fit$survey.design)
  ci <- confint(pm, df = df)
  list(
    id = cs$id, design = cs$design, family = cs$family, formula = cs$formula, by = cs$by,
    level = levels,
    estimate = unname(coef(pm)[levels]),
    se = unname(SE(pm)[match(levels, names(coef(pm)))]),
    ci_low = unname(ci[levels, 1]),
    ci_high = unname(ci[levels, 2]),
    df = df
  )
})

golden <- list(
  designs = lapply(designs, function(d) d$spec),
  glm = glms,
  margins = margins
)
write_json(golden, file.path(out_dir, "glm.json"), digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null", null = "null")
cat("wrote", file.path(out_dir, "glm.json"), "\n")
