#!/usr/bin/env Rscript
# Golden values for survey.analysis.glm on replicate-weight designs: R's svyglm.svyrep.design
# (the full-sample fit, refitted in every replicate from the full-sample coefficients; the
# covariance is svrVar of the replicate coefficients), summary.svyglm, confint, regTermTest
# (Wald and the working LRT) and svypredmeans. The designs are those of
# make_golden_replicates.R: JKn on apistrat with fpc, JK1 on the two-stage apiclus2, BRR and
# Fay on the design of PSU pairs, the bootstrap weights R drew (read back from
# apistrat_boot.csv) and the JKn weights read back with their rscales and mse = TRUE. Run from
# the repository root after make_golden_replicates.R (which writes the inputs):
#
#     Rscript tests/golden/make_golden_glm_replicates.R
#
# Also two models on that JKn design post-stratified to margins_awards.csv (R calibrates the
# full sample and every replicate). Writes tests/golden/glm/glm_replicates.json.
# Deterministic; full precision.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(stringsAsFactors = FALSE, survey.lonely.psu = "fail")

est <- file.path("tests", "golden", "estimate")
reps <- file.path("tests", "golden", "replicates")
out_dir <- file.path("tests", "golden", "glm")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

# text columns as factors (levels sorted, as the Python side orders text levels)
as_factors <- function(d) {
  for (v in c("stype", "sch_wide", "awards")) if (v %in% names(d)) d[[v]] <- factor(d[[v]])
  d
}
strat <- as_factors(read.csv(file.path(est, "apistrat.csv")))
clus2 <- as_factors(read.csv(file.path(est, "apiclus2.csv")))
pairs <- as_factors(read.csv(file.path(reps, "pairs.csv")))
boot <- as_factors(read.csv(file.path(reps, "apistrat_boot.csv")))
jknw <- as_factors(read.csv(file.path(reps, "apistrat_jkn.csv")))
jkn_rscales <- read.csv(file.path(reps, "apistrat_jkn_rscales.csv"))$rscale

taylor_strat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat)
taylor_clus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, weights = ~pw, data = clus2)
taylor_pairs <- svydesign(id = ~half, strata = ~pair, weights = ~pw, data = pairs)
# the bootstrap scale of make_golden_replicates.R: R's bootweights on apistrat (40 replicates)
boot_scale <- {
  n_h <- table(strat$stype)
  per <- 1 / mean(1 / n_h)
  per / ((per - 1) * (40 - 1))
}

designs <- list(
  strat_jkn = list(design = as.svrepdesign(taylor_strat, type = "JKn"),
    spec = list(data = "estimate/apistrat.csv", weight = "pw", strata = "stype",
                cluster = list(), fpc = list("fpc"), fpc_kind = "population",
                replicates = "JKn")),
  clus2_jk1 = list(design = suppressWarnings(as.svrepdesign(taylor_clus2, type = "JK1")),
    spec = list(data = "estimate/apiclus2.csv", weight = "pw", strata = NULL,
                cluster = list("dnum", "snum"), fpc = list("fpc1", "fpc2"),
                fpc_kind = "population", replicates = "JK1")),
  pairs_brr = list(design = as.svrepdesign(taylor_pairs, type = "BRR"),
    spec = list(data = "replicates/pairs.csv", weight = "pw", strata = "pair",
                cluster = list("half"), fpc = list(), fpc_kind = NULL, replicates = "BRR")),
  pairs_fay = list(design = as.svrepdesign(taylor_pairs, type = "Fay", fay.rho = 0.3),
    spec = list(data = "replicates/pairs.csv", weight = "pw", strata = "pair",
                cluster = list("half"), fpc = list(), fpc_kind = NULL, replicates = "Fay",
                rho = 0.3)),
  strat_boot = list(design = svrepdesign(data = boot, repweights = "^bw[0-9]+$", weights = ~pw,
                                         type = "bootstrap", scale = boot_scale,
                                         combined.weights = TRUE),
    spec = list(data = "replicates/apistrat_boot.csv", weight = "pw",
                repweights = "^bw[0-9]+$", rep_type = "bootstrap", rep_scale = boot_scale)),
  strat_jkn_read = list(design = svrepdesign(data = jknw, repweights = "^jk[0-9]+$",
                                             weights = ~pw, type = "JKn",
                                             rscales = jkn_rscales, combined.weights = TRUE,
                                             mse = TRUE),
    spec = list(data = "replicates/apistrat_jkn.csv", weight = "pw",
                repweights = "^jk[0-9]+$", rep_type = "JKn",
                rep_rscales = "replicates/apistrat_jkn_rscales.csv", mse = TRUE))
)
for (name in names(designs)) assign(paste0("des_", name), designs[[name]]$design, globalenv())

# the outcome of the logistic models: sch_wide where the data has it, awards on apiclus2
binary <- function(name) if (name == "clus2_jk1") "awards" else "sch_wide"

# per design: gaussian, quasibinomial and quasipoisson models with the factor stype, and on
# the apistrat designs a model whose predictor has missing values (api99_na: 28 rows), on the
# cluster design one whose outcome has (enroll: 6 rows); tests: terms, method
models_of <- function(name) {
  y <- binary(name)
  out <- list(
    list(family = "gaussian", formula = "api00 ~ api99 + stype",
         tests = list(list("stype", "Wald"), list("stype", "LRT"), list("api99", "Wald"))),
    list(family = "quasibinomial", formula = paste(y, "~ api00 + stype"),
         tests = list(list("stype", "Wald"), list("stype", "LRT"))),
    list(family = "quasipoisson", formula = "enroll ~ api00 + stype",
         tests = list(list("stype", "Wald"), list("api00", "LRT")))
  )
  if (name %in% c("strat_jkn", "strat_boot")) {
    out[[length(out) + 1]] <- list(family = "quasipoisson",
      formula = "enroll ~ stype + offset(log(api99))", tests = list(list("stype", "Wald")))
  }
  if (name != "clus2_jk1" && name != "pairs_fay") {
    out[[length(out) + 1]] <- list(family = "gaussian", formula = "api00 ~ api99_na + stype",
      tests = list(list("stype", "Wald"), list("api99_na", "Wald")))
  }
  out
}

fit_model <- function(name, m) {
  call <- bquote(svyglm(.(as.formula(m$formula)), design = .(as.name(paste0("des_", name))),
                        family = .(str2lang(paste0(m$family, "()")))))
  eval(call, globalenv())
}

models <- list()
for (name in names(designs)) {
  for (m in models_of(name)) {
    fit <- fit_model(name, m)
    s <- summary(fit)
    ci <- confint(fit)
    v <- vcov(fit)
    tests <- lapply(m$tests, function(tt) {
      r <- regTermTest(fit, as.formula(paste("~", tt[[1]])), method = tt[[2]])
      if (tt[[2]] == "Wald") {
        list(terms = tt[[1]], method = "Wald", statistic = as.numeric(r$Ftest), ndf = r$df,
             ddf = r$ddf, p_value = as.numeric(r$p))
      } else {
        list(terms = tt[[1]], method = "LRT", statistic = as.numeric(r$chisq), ndf = r$df,
             ddf = r$ddf, p_value = as.numeric(r$p),
             lambdas = as.numeric(sort(r$lambda, decreasing = TRUE)))
      }
    })
    models[[length(models) + 1]] <- list(
      id = paste(name, m$family, m$formula), design = name, family = m$family,
      formula = m$formula,
      term = names(coef(fit)),
      estimate = unname(coef(fit)),
      se = unname(sqrt(diag(v))),
      t = unname(s$coefficients[, "t value"]),
      p_value = unname(s$coefficients[, "Pr(>|t|)"]),
      ci_low = unname(ci[, 1]),
      ci_high = unname(ci[, 2]),
      vcov = unname(lapply(seq_len(nrow(v)), function(i) unname(v[i, ]))),
      df = fit$df.residual,
      design_df = degf(designs[[name]]$design),
      dispersion = as.numeric(s$dispersion),
      deviance = deviance(fit),
      n = length(fit$y),
      tests = tests
    )
  }
}

# svypredmeans: the adjustment model without the group variable, refitted with it (its
# replicate fits give the covariance of the coefficients), the conditional means' replicate
# variance plus the coefficients' part
margins <- list()
for (name in c("strat_jkn", "clus2_jk1", "pairs_brr", "strat_boot", "strat_jkn_read")) {
  for (m in list(list(family = "gaussian", formula = "api00 ~ api99"),
                 list(family = "quasibinomial", formula = paste(binary(name), "~ api00")))) {
    fit <- fit_model(name, m)
    pm <- svypredmeans(fit, ~stype)
    levels <- sort(names(coef(pm)))
    margins[[length(margins) + 1]] <- list(
      id = paste(name, m$family, m$formula), design = name, family = m$family,
      formula = m$formula, by = "stype", level = levels,
      estimate = unname(coef(pm)[levels]),
      se = unname(SE(pm)[match(levels, names(coef(pm)))]),
      df = degf(fit$survey.design)
    )
  }
}

# a calibrated replicate design: R post-stratifies the full sample and every replicate (the
# margins of make_golden_replicates.R, tests/golden/replicates/margins_awards.csv); the
# command line's `survey model --replicates JKn --poststratify` is held to it
des_poststratified <- postStratify(designs$strat_jkn$design, ~awards,
                                   data.frame(awards = c("No", "Yes"), Freq = c(2500, 3694)))
calibrated <- lapply(list(list(family = "gaussian", formula = "api00 ~ api99 + stype"),
                          list(family = "quasibinomial", formula = "sch_wide ~ api00 + stype")),
  function(m) {
    fit <- fit_model("poststratified", m)
    r <- regTermTest(fit, ~stype)
    list(design = "strat_jkn", margins = "margins_awards.csv", family = m$family,
         formula = m$formula, term = names(coef(fit)), estimate = unname(coef(fit)),
         se = unname(SE(fit)), df = fit$df.residual, n = length(fit$y),
         test = list(terms = "stype", method = "Wald", statistic = as.numeric(r$Ftest),
                     ndf = r$df, ddf = r$ddf, p_value = as.numeric(r$p)))
  })

golden <- list(
  meta = list(r = R.version.string, survey = as.character(packageVersion("survey")),
              designs = lapply(designs, function(d) d$spec)),
  glm = models,
  margins = margins,
  calibrated = calibrated
)
write_json(golden, file.path(out_dir, "glm_replicates.json"), digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null", null = "null")
cat("wrote", length(models), "models and", length(margins), "margins to",
    file.path(out_dir, "glm_replicates.json"), "\n")
