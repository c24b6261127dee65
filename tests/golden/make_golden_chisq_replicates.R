#!/usr/bin/env Rscript
# Golden svychisq on replicate-weight designs (survey.analysis.inference.rao_scott on a design
# with replicates, `survey estimate --test --replicates`): R's survey:::svychisq.svyrep.design
# with all six statistics ("F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint") on the
# replicate designs of make_golden_replicates.R (JKn on apistrat with fpc, JK1 on apiclus2, BRR
# and Fay on the PSU pairs, the bootstrap weights R drew read back, JKn weights read back with
# rscales and mse), including pairs with missing values.
#
# statistic = "lincom" needs R's CompQuadForm package (Farebrother's algorithm); without it
# survey falls back to the saddlepoint with only a warning, so this script stops instead.
# CompQuadForm is not packaged by Debian bookworm; install it from its source (R CMD INSTALL -l
# DIR) and point R_LIBS at it.
#
# Run from the repository root after make_golden_replicates.R (whose designs and data it reads):
#
#     Rscript tests/golden/make_golden_chisq_replicates.R
#
# Writes tests/golden/chisq/chisq_replicates.json: the design specs (as replicates.json) and per
# case and statistic R's statistic, degrees of freedom (null where R gives none) and p-value,
# with the uncorrected Pearson X^2, degf(design), the eigenvalues of the design-effect matrix
# (R's Delta, computed as svychisq.svyrep.design does) and lincom_exact: Farebrother's P(sum_j
# delta_j chi2_1 > X^2) asked for 1e-15 instead of svychisq's 1e-10. Deterministic, full
# precision.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
if (!requireNamespace("CompQuadForm", quietly = TRUE)) {
  stop("svychisq(statistic = 'lincom') needs the R package CompQuadForm (not in Debian ",
       "bookworm): R CMD INSTALL -l DIR its source, then rerun with R_LIBS=DIR")
}
options(stringsAsFactors = FALSE, survey.lonely.psu = "fail")

root <- file.path("tests", "golden")
specs <- fromJSON(file.path(root, "replicates", "replicates.json"),
                  simplifyVector = FALSE)$meta$designs

# the variables with missing values: a category is missing wherever api99_na (apistrat, pairs)
# or enroll (apiclus2) is; the Python test derives them the same way
with_missing <- function(frame) {
  if ("api99_na" %in% names(frame)) {
    frame$awards_na <- if ("awards" %in% names(frame)) {
      ifelse(is.na(frame$api99_na), NA, frame$awards)
    } else NULL
    frame$stype_na <- ifelse(is.na(frame$api99_na), NA, frame$stype)
  } else {
    frame$awards_na <- ifelse(is.na(frame$enroll), NA, frame$awards)
  }
  frame
}

build <- function(spec) {
  frame <- with_missing(read.csv(file.path(root, spec$data)))
  if (!is.null(spec$repweights)) {
    rscales <- if (is.null(spec$rep_rscales)) NULL else
      read.csv(file.path(root, spec$rep_rscales))$rscale
    return(svrepdesign(data = frame, repweights = spec$repweights, weights = ~pw,
                       type = spec$rep_type, scale = spec$rep_scale, rscales = rscales,
                       combined.weights = TRUE, mse = isTRUE(spec$mse)))
  }
  ids <- if (length(spec$cluster)) as.formula(paste("~", paste(spec$cluster, collapse = "+")))
         else ~1
  strata <- if (is.null(spec$strata)) NULL else as.formula(paste0("~", spec$strata))
  fpc <- if (length(spec$fpc)) as.formula(paste("~", paste(spec$fpc, collapse = "+"))) else NULL
  taylor <- svydesign(ids = ids, strata = strata, weights = ~pw, fpc = fpc, data = frame)
  if (identical(spec$replicates, "Fay")) {
    return(as.svrepdesign(taylor, type = "Fay", fay.rho = spec$rho))
  }
  suppressWarnings(as.svrepdesign(taylor, type = spec$replicates))  # JK1: R drops fpc2
}

pairs_of <- list(
  strat_jkn = list(c("sch_wide", "awards"), c("stype", "awards"), c("awards_na", "stype")),
  clus2_jk1 = list(c("stype", "awards"), c("awards_na", "stype")),
  pairs_brr = list(c("stype", "sch_wide"), c("stype_na", "sch_wide")),
  pairs_fay = list(c("stype", "sch_wide")),
  strat_boot = list(c("sch_wide", "awards"), c("stype", "awards"), c("awards_na", "stype")),
  strat_jkn_read = list(c("stype", "awards"))
)
statistics <- c("F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint")

# Delta as survey:::svychisq.svyrep.design computes it (survey 4.1)
delta_of <- function(f, design) {
  rows <- f[[2]][[2]]
  cols <- f[[2]][[3]]
  nr <- length(na.omit(unique(design$variables[, as.character(rows)])))
  nc <- length(na.omit(unique(design$variables[, as.character(cols)])))
  fsat <- eval(bquote(~interaction(factor(.(rows)), factor(.(cols))) - 1))
  mm <- model.matrix(fsat, model.frame(fsat, design$variables, na.action = na.pass))
  N <- nrow(mm)
  mf1 <- expand.grid(rows = 1:nr, cols = 1:nc)
  X1 <- model.matrix(~factor(rows) + factor(cols), mf1)
  X12 <- model.matrix(~factor(rows) * factor(cols), mf1)
  mean2 <- svymean(mm, design, na.rm = TRUE)
  Cmat <- qr.resid(qr(X1), X12[, -(1:(nr + nc - 1)), drop = FALSE])
  iDmat <- diag(ifelse(mean2 == 0, 0, 1 / mean2))
  denom <- t(Cmat) %*% (iDmat / N) %*% Cmat
  numr <- t(Cmat) %*% iDmat %*% attr(mean2, "var") %*% iDmat %*% Cmat
  solve(denom, numr)
}
num <- function(x) if (is.null(x)) NULL else unname(as.numeric(x))

cases <- list()
for (name in names(pairs_of)) {
  d <- build(specs[[name]])
  for (pair in pairs_of[[name]]) {
    f <- as.formula(paste0("~", pair[1], " + ", pair[2]))
    results <- list()
    for (s in statistics) {
      test <- svychisq(f, d, statistic = s)
      par <- num(test$parameter)
      results[[s]] <- list(statistic = num(test$statistic),
                           ndf = if (length(par) >= 1) par[1] else NULL,
                           ddf = if (length(par) >= 2) par[2] else NULL,
                           p_value = num(test$p.value))
    }
    pearson <- suppressWarnings(chisq.test(svytable(f, d, Ntotal = nrow(d$variables)),
                                           correct = FALSE))$statistic
    values <- eigen(delta_of(f, d), only.values = TRUE)$values
    exact <- CompQuadForm::farebrother(num(pearson), values, eps = 1e-15)$Qq
    cases[[length(cases) + 1]] <- list(design = name, row = pair[1], col = pair[2],
                                       degf = degf(d), chisq = num(pearson),
                                       eigenvalues = I(values), lincom_exact = exact,
                                       results = results)
  }
}

out <- list(generator = "tests/golden/make_golden_chisq_replicates.R",
            r_version = R.version$version.string,
            survey_version = as.character(packageVersion("survey")),
            compquadform_version = as.character(packageVersion("CompQuadForm")),
            designs = specs[names(pairs_of)], cases = cases)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
           file.path(root, "chisq", "chisq_replicates.json"))
