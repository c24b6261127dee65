#!/usr/bin/env Rscript
# Golden values for the svychisq statistics beyond F and Chisq (survey.analysis.inference.rao_scott
# with statistic = "Wald", "adjWald", "lincom", "saddlepoint"), computed with R's survey package.
#
# Run from the repository root after make_golden_inference.R (which writes the data):
#
#     Rscript tests/golden/make_golden_chisq.R
#
# statistic = "lincom" needs R's CompQuadForm package (Davies' algorithm); without it survey falls
# back to the saddlepoint with only a warning, so this script stops instead. CompQuadForm is not
# packaged by Debian bookworm; install it from its source (R CMD INSTALL) and point R_LIBS at it.
#
# Writes tests/golden/chisq/chisq.json: per case the design, the two variables, and for every
# statistic R's statistic, degrees of freedom (null where R gives none) and p-value, plus the
# eigenvalues of the design-effect matrix and d0 * nu, the inputs of the lincom/saddlepoint
# p-values. Deterministic: no random numbers, full-precision output.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
if (!requireNamespace("CompQuadForm", quietly = TRUE)) {
  stop("svychisq(statistic = 'lincom') needs the R package CompQuadForm (not in Debian ",
       "bookworm): R CMD INSTALL -l DIR its source, then rerun with R_LIBS=DIR")
}
options(stringsAsFactors = FALSE, survey.lonely.psu = "fail")

data_dir <- file.path("tests", "golden", "data")
rd <- function(f) read.csv(file.path(data_dir, f), stringsAsFactors = FALSE)
strat <- rd("apistrat.csv")
clus1 <- rd("apiclus1.csv")
clus2 <- rd("apiclus2.csv")

designs <- list(
  strat = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat),
  clus1 = svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1),
  clus2 = svydesign(id = ~dnum + snum, weights = ~pw, fpc = ~fpc1 + fpc2, data = clus2)
)
specs <- list(
  strat = list(data = "apistrat.csv", weight = "pw", strata = "stype", cluster = list(),
               fpc = list("fpc"), fpc_kind = "population"),
  clus1 = list(data = "apiclus1.csv", weight = "pw", strata = NULL, cluster = list("dnum"),
               fpc = list("fpc"), fpc_kind = "population"),
  clus2 = list(data = "apiclus2.csv", weight = "pw", strata = NULL,
               cluster = list("dnum", "snum"), fpc = list("fpc1", "fpc2"),
               fpc_kind = "population")
)

cases <- list(
  list(design = "strat", row = "stype", col = "awards"),
  list(design = "strat", row = "sch_wide", col = "comp_imp"),
  list(design = "strat", row = "stype", col = "yr_rnd"),
  list(design = "clus1", row = "stype", col = "awards"),
  list(design = "clus1", row = "size46", col = "awards"),      # missing values
  list(design = "clus2", row = "sch_wide", col = "stype"),
  list(design = "clus2", row = "target_grp", col = "stype")    # missing values
)

# Delta as svychisq.survey.design computes it (survey 4.1), to evaluate the lincom p-value's
# distribution to high accuracy: svychisq asks Davies' algorithm for 1e-7 absolute accuracy only
delta_of <- function(f, des, row, col) {
  fsat <- as.formula(sprintf("~interaction(factor(%s), factor(%s)) - 1", row, col))
  mm <- model.matrix(fsat, model.frame(fsat, des$variables, na.action = na.pass))
  N <- nrow(mm)
  nr <- length(na.omit(unique(des$variables[[row]])))
  nc <- length(na.omit(unique(des$variables[[col]])))
  mf1 <- expand.grid(rows = 1:nr, cols = 1:nc)
  X1 <- model.matrix(~factor(rows) + factor(cols), mf1)
  X12 <- model.matrix(~factor(rows) * factor(cols), mf1)
  mean2 <- svymean(mm, des, na.rm = TRUE)
  Cmat <- qr.resid(qr(X1), X12[, -(1:(nr + nc - 1)), drop = FALSE])
  iDmat <- diag(ifelse(mean2 == 0, 0, 1 / mean2))
  denom <- t(Cmat) %*% (iDmat / N) %*% Cmat
  numr <- t(Cmat) %*% iDmat %*% attr(mean2, "var") %*% iDmat %*% Cmat
  solve(denom, numr)
}

num <- function(x) if (is.null(x)) NULL else unname(as.numeric(x))
one_test <- function(test) {
  list(statistic = num(test$statistic), ndf = num(test$parameter["ndf"]),
       ddf = num(test$parameter["ddf"]), p_value = num(test$p.value))
}

results <- lapply(cases, function(cs) {
  des <- designs[[cs$design]]
  f <- as.formula(paste("~", cs$row, "+", cs$col))
  tests <- list()
  for (statistic in c("Wald", "adjWald", "lincom", "saddlepoint")) {
    tests[[statistic]] <- withCallingHandlers(
      one_test(svychisq(f, des, statistic = statistic)),
      warning = function(w) {
        # chisq.test's small-expected-count warning is about the uncorrected test; a warning
        # about accuracy or a missing CompQuadForm would make the golden value wrong
        if (grepl("accuracy|CompQuadForm", conditionMessage(w))) {
          stop("svychisq(", statistic, ") warned: ", conditionMessage(w))
        }
        invokeRestart("muffleWarning")
      }
    )
  }
  # the inputs of pFsum: eigenvalues of Delta and the denominator df d0 * nu, from the F test
  rf <- suppressWarnings(svychisq(f, des, statistic = "F"))
  delta <- delta_of(f, des, cs$row, cs$col)
  pearson <- tests$lincom$statistic
  stopifnot(isTRUE(all.equal(pearson / sum(diag(delta)), num(rf$statistic), tolerance = 1e-12)))
  ddf <- num(rf$parameter["ddf"])
  lambda <- c(Re(eigen(delta, only.values = TRUE)$values), -pearson / ddf)
  h <- c(rep(1, ncol(delta)), as.integer(ddf))  # davies() truncates the df to integers
  exact <- CompQuadForm::imhof(0, lambda, h, epsabs = 1e-15, epsrel = 1e-13, limit = 10000)
  list(design = specs[[cs$design]], design_name = cs$design, variable = cs$row, by = cs$col,
       ddf = ddf, eigenvalues = lambda[-length(lambda)],
       lincom_exact = list(p_value = exact$Qq, abserr = exact$abserr), tests = tests)
})

# pFsum itself on chosen eigenvalues: the lincom and saddlepoint p-values of X^2 = x when Delta
# has eigenvalues a and the design nu degrees of freedom (ddf = d0 nu). The first case puts x
# where the saddlepoint is 0, so survey:::saddle gives NA and pFsum falls back to the F test.
pfsum_cases <- list(
  list(a = c(1.2, 0.8), nu = 50, x = NULL),
  list(a = c(2.5, 1, 0.3), nu = 30, x = 12),
  list(a = c(1.5), nu = 10, x = 8),
  list(a = c(3, 2, 1, 0.5, 0.2), nu = 200, x = 25),
  list(a = c(1.1, 0.9, 0.7), nu = 12, x = 4)
)
pfsum <- lapply(pfsum_cases, function(cs) {
  d0 <- sum(cs$a)^2 / sum(cs$a^2)
  ddf <- d0 * cs$nu
  x <- if (is.null(cs$x)) sum(cs$a) * ddf / floor(ddf) else cs$x
  k <- length(cs$a)
  lambda <- c(cs$a, -x / ddf)
  h <- c(rep(1, k), as.integer(ddf))
  lambda_rep <- rep(lambda / max(lambda), h)
  list(
    eigenvalues = I(cs$a), nu = cs$nu, x = x, ddf = ddf,
    saddlepoint_is_na = is.na(survey:::saddle(0, lambda_rep)),
    lincom = survey:::pFsum(x, rep(1, k), cs$a, ddf = ddf, method = "integration",
                            lower.tail = FALSE),
    lincom_exact = CompQuadForm::imhof(0, lambda, h, epsabs = 1e-15, epsrel = 1e-13,
                                       limit = 10000)$Qq,
    saddlepoint = survey:::pFsum(x, rep(1, k), cs$a, ddf = ddf, method = "saddlepoint",
                                 lower.tail = FALSE),
    f_p_value = pf(x / sum(cs$a), d0, ddf, lower.tail = FALSE)
  )
})

dir.create(file.path("tests", "golden", "chisq"), showWarnings = FALSE)
writeLines(
  toJSON(list(generator = "tests/golden/make_golden_chisq.R", r_version = R.version.string,
              survey_version = as.character(packageVersion("survey")),
              compquadform_version = as.character(packageVersion("CompQuadForm")),
              cases = results, pfsum = pfsum),
         auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
  file.path("tests", "golden", "chisq", "chisq.json")
)
cat("wrote tests/golden/chisq/chisq.json\n")
