#!/usr/bin/env Rscript
# Golden replicate-weight estimates (survey.analysis.replicates, `survey estimate --replicates` and
# `--repweights`): R's as.svrepdesign (JK1, JKn, BRR, Fay, generated from a Taylor design) and
# svrepdesign (bootstrap weights R drew, written to a CSV and read back, and JKn weights with
# rscales), then svymean, svytotal, svyratio, svyvar, svyquantile and svyciprop, overall and by
# domain (svyby), with the degrees of freedom (degf) of the design and of each domain. Run from
# the repository root after make_golden_estimate.R (which writes the inputs):
#
#     Rscript tests/golden/make_golden_replicates.R
#
# Writes tests/golden/replicates/replicates.json and the replicate-weight CSVs it read back.
# Deterministic (the bootstrap draws use set.seed); full precision.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(stringsAsFactors = FALSE, survey.lonely.psu = "fail")
`%||%` <- function(a, b) if (is.null(a)) b else a

src <- file.path("tests", "golden", "estimate")
out <- file.path("tests", "golden", "replicates")
strat <- read.csv(file.path(src, "apistrat.csv"))
clus2 <- read.csv(file.path(src, "apiclus2.csv"))
# a design of PSU pairs for BRR and Fay: 7 strata of two PSUs (7 pairs: R's hadamard(7) is the
# Sylvester matrix of order 8), built from apistrat's rows in file order
pairs <- strat
k <- seq_len(nrow(pairs)) - 1
pairs$pair <- paste0("p", k %% 7 + 1)
pairs$half <- paste0(pairs$pair, "-", (k %/% 7) %% 2)
write.csv(pairs[, c("pair", "half", "pw", "stype", "api00", "api99", "api99_na", "enroll", "sch_wide")],
          file.path(out, "pairs.csv"), row.names = FALSE)

taylor_strat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat)
taylor_clus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, weights = ~pw, data = clus2)
taylor_pairs <- svydesign(id = ~half, strata = ~pair, weights = ~pw, data = pairs)

set.seed(20261204)
boot <- as.svrepdesign(taylor_strat, type = "bootstrap", replicates = 40, compress = FALSE)
bootw <- unclass(as.matrix(weights(boot, "analysis")))
colnames(bootw) <- sprintf("bw%02d", seq_len(ncol(bootw)))
write.csv(cbind(strat, bootw), file.path(out, "apistrat_boot.csv"), row.names = FALSE)
boot_read <- svrepdesign(data = cbind(strat, bootw), repweights = "^bw[0-9]+$", weights = ~pw,
                         type = "bootstrap", scale = boot$scale, rscales = boot$rscales,
                         combined.weights = TRUE)
jkn <- as.svrepdesign(taylor_strat, type = "JKn", compress = FALSE)
jknw <- unclass(as.matrix(weights(jkn, "analysis")))
colnames(jknw) <- sprintf("jk%03d", seq_len(ncol(jknw)))
write.csv(cbind(strat, jknw), file.path(out, "apistrat_jkn.csv"), row.names = FALSE)
write.csv(data.frame(rscale = jkn$rscales), file.path(out, "apistrat_jkn_rscales.csv"),
          row.names = FALSE)
jkn_read <- svrepdesign(data = cbind(strat, jknw), repweights = "^jk[0-9]+$", weights = ~pw,
                        type = "JKn", rscales = jkn$rscales, combined.weights = TRUE, mse = TRUE)

designs <- list(
  strat_jkn = list(design = jkn, spec = list(data = "estimate/apistrat.csv", weight = "pw",
    strata = "stype", cluster = list(), fpc = list("fpc"), fpc_kind = "population",
    replicates = "JKn"), by = "awards", factor = "sch_wide"),
  clus2_jk1 = list(design = suppressWarnings(as.svrepdesign(taylor_clus2, type = "JK1")),
    spec = list(data = "estimate/apiclus2.csv", weight = "pw", strata = NULL,
    cluster = list("dnum", "snum"), fpc = list("fpc1", "fpc2"), fpc_kind = "population",
    replicates = "JK1"), by = "stype", factor = "awards"),
  pairs_brr = list(design = as.svrepdesign(taylor_pairs, type = "BRR"),
    spec = list(data = "replicates/pairs.csv", weight = "pw", strata = "pair",
    cluster = list("half"), fpc = list(), fpc_kind = NULL, replicates = "BRR"),
    by = "stype", factor = "sch_wide"),
  pairs_fay = list(design = as.svrepdesign(taylor_pairs, type = "Fay", fay.rho = 0.3),
    spec = list(data = "replicates/pairs.csv", weight = "pw", strata = "pair",
    cluster = list("half"), fpc = list(), fpc_kind = NULL, replicates = "Fay", rho = 0.3),
    by = "stype", factor = "sch_wide"),
  strat_boot = list(design = boot_read, spec = list(data = "replicates/apistrat_boot.csv",
    weight = "pw", repweights = "^bw[0-9]+$", rep_type = "bootstrap", rep_scale = boot$scale),
    by = "awards", factor = "sch_wide"),
  strat_jkn_read = list(design = jkn_read, spec = list(data = "replicates/apistrat_jkn.csv",
    weight = "pw", repweights = "^jk[0-9]+$", rep_type = "JKn",
    rep_rscales = "replicates/apistrat_jkn_rscales.csv", mse = TRUE),
    by = "awards", factor = "sch_wide")
)

# survey 4.5's qrule_math (as make_golden_quantiles.R: Debian's 4.1 tests `wlow == 0`)
qrule_math45 <- function(x, w, p) {
  if (any(zero <- w == 0)) { w <- w[!zero]; x <- x[!zero] }
  qdata <- survey:::qs(x, w, p)
  if (qdata$wlow <= 0) qdata$qlow else qdata$qup
}

rows_of <- function(est, se, group = NULL, level = NULL) {
  lapply(seq_along(est), function(i) list(group = group, level = (level %||% names(est))[i],
                                          estimate = unname(est[i]), se = unname(se[i])))
}

cases <- list()
add <- function(name, stat, variable, rows, df = NULL) {
  cases[[length(cases) + 1]] <<- list(design = name, stat = stat, variable = variable, rows = rows)
}

for (name in names(designs)) {
  d <- designs[[name]]$design
  by <- as.formula(paste0("~", designs[[name]]$by))
  fac <- designs[[name]]$factor
  d <- update(d, fac_ = factor(get(fac)))
  groups <- function(b) as.character(b[[designs[[name]]$by]])
  # degrees of freedom: the design, each domain, and with the missing values of api99_na left out
  dfs <- list(list(group = NULL, variable = NULL, df = degf(d)))
  for (g in sort(unique(as.character(d$variables[[designs[[name]]$by]])))) {
    sub <- d[d$variables[[designs[[name]]$by]] == g, ]
    dfs[[length(dfs) + 1]] <- list(group = g, variable = NULL, df = degf(sub))
  }
  cases[[length(cases) + 1]] <- list(design = name, stat = "df", rows = dfs)
  for (v in c("api00", "enroll")) {
    f <- as.formula(paste0("~", v))
    m <- svymean(f, d, na.rm = TRUE)
    b <- svyby(f, by, d, svymean, na.rm = TRUE)
    add(name, "mean", v, c(rows_of(coef(m), SE(m), level = v),
      lapply(seq_len(nrow(b)), function(i) list(group = groups(b)[i], level = v,
        estimate = unname(coef(b)[i]), se = unname(SE(b)[i])))))
    t <- svytotal(f, d, na.rm = TRUE)
    bt <- svyby(f, by, d, svytotal, na.rm = TRUE)
    add(name, "total", v, c(rows_of(coef(t), SE(t), level = v),
      lapply(seq_len(nrow(bt)), function(i) list(group = groups(bt)[i], level = v,
        estimate = unname(coef(bt)[i]), se = unname(SE(bt)[i])))))
    vv <- svyvar(f, d, na.rm = TRUE)
    bv <- svyby(f, by, d, svyvar, na.rm = TRUE)
    add(name, "variance", v, c(list(list(group = NULL, level = v, estimate = unname(coef(vv)[1]),
      se = unname(SE(vv)[1]))),
      lapply(seq_len(nrow(bv)), function(i) list(group = groups(bv)[i], level = v,
        estimate = unname(coef(bv)[i]), se = unname(SE(bv)[i])))))
  }
  # proportions of a factor, and the counts per level
  p <- svymean(~fac_, d, na.rm = TRUE)
  bp <- svyby(~fac_, by, d, svymean, na.rm = TRUE)
  lv <- levels(d$variables$fac_)
  prow <- rows_of(coef(p), SE(p), level = lv)
  for (i in seq_len(nrow(bp))) {
    prow <- c(prow, rows_of(unlist(bp[i, paste0("fac_", lv)]),
                            unlist(SE(bp)[i, ]), group = groups(bp)[i], level = lv))
  }
  add(name, "proportion", fac, prow)
  tp <- svytotal(~fac_, d, na.rm = TRUE)
  btp <- svyby(~fac_, by, d, svytotal, na.rm = TRUE)
  trow <- rows_of(coef(tp), SE(tp), level = lv)
  for (i in seq_len(nrow(btp))) {
    trow <- c(trow, rows_of(unlist(btp[i, paste0("fac_", lv)]),
                            unlist(SE(btp)[i, ]), group = groups(btp)[i], level = lv))
  }
  add(name, "level_total", fac, trow)
  # logit intervals of the share of the last level (svyciprop), overall and by domain
  last <- lv[length(lv)]
  d <- update(d, last_ = as.numeric(fac_ == last))
  ci <- svyciprop(~last_, d, method = "logit", na.rm = TRUE)
  cirows <- list(list(group = NULL, level = last, estimate = as.numeric(coef(ci)),
    ci_low = as.numeric(confint(ci)[1]), ci_high = as.numeric(confint(ci)[2]), df = degf(d)))
  for (g in sort(unique(as.character(d$variables[[designs[[name]]$by]])))) {
    sub <- d[d$variables[[designs[[name]]$by]] == g & !is.na(d$variables$last_), ]
    c2 <- svyciprop(~last_, sub, method = "logit")
    cirows[[length(cirows) + 1]] <- list(group = g, level = last, estimate = as.numeric(coef(c2)),
      ci_low = as.numeric(confint(c2)[1]), ci_high = as.numeric(confint(c2)[2]), df = degf(sub))
  }
  add(name, "ciprop_logit", fac, cirows)
  # a ratio of totals, and quantiles (Woodruff intervals on the replicate SE of the share)
  r <- svyratio(~api00, ~api99, d)
  br <- svyby(~api00, by, d, svyratio, denominator = ~api99)
  add(name, "ratio", "api00/api99", c(list(list(group = NULL, level = NULL,
    estimate = unname(coef(r)[1]), se = unname(SE(r)[1]))),
    lapply(seq_len(nrow(br)), function(i) list(group = groups(br)[i], level = NULL,
      estimate = unname(coef(br)[i]), se = unname(SE(br)[i])))))
  q <- svyquantile(~api00, d, c(0.25, 0.5, 0.75), ci = TRUE, qrule = qrule_math45)
  qm <- q[[1]]
  qrows <- lapply(seq_len(nrow(qm)), function(i) list(group = NULL, level = rownames(qm)[i],
    estimate = unname(qm[i, 1]), ci_low = unname(qm[i, 2]), ci_high = unname(qm[i, 3]),
    se = unname(qm[i, 4])))
  for (g in sort(unique(as.character(d$variables[[designs[[name]]$by]])))) {
    sub <- d[d$variables[[designs[[name]]$by]] == g, ]
    qs <- svyquantile(~api00, sub, c(0.25, 0.5, 0.75), ci = TRUE, qrule = qrule_math45)[[1]]
    for (i in seq_len(nrow(qs))) {
      qrows[[length(qrows) + 1]] <- list(group = g, level = rownames(qs)[i],
        estimate = unname(qs[i, 1]), ci_low = unname(qs[i, 2]), ci_high = unname(qs[i, 3]),
        se = unname(qs[i, 4]))
    }
  }
  add(name, "quantile", "api00", qrows)
  # interval.type = "quantile": the quantile re-estimated with every replicate (R's repCI)
  rq <- function(des) suppressWarnings(svyquantile(~api00, des, c(0.25, 0.5, 0.75), ci = TRUE,
    interval.type = "quantile", qrule = qrule_math45))[[1]]
  qm <- rq(d)
  rqrows <- lapply(seq_len(nrow(qm)), function(i) list(group = NULL, level = rownames(qm)[i],
    estimate = unname(qm[i, 1]), ci_low = unname(qm[i, 2]), ci_high = unname(qm[i, 3]),
    se = unname(qm[i, 4])))
  for (g in sort(unique(as.character(d$variables[[designs[[name]]$by]])))) {
    qs <- rq(d[d$variables[[designs[[name]]$by]] == g, ])
    for (i in seq_len(nrow(qs))) {
      rqrows[[length(rqrows) + 1]] <- list(group = g, level = rownames(qs)[i],
        estimate = unname(qs[i, 1]), ci_low = unname(qs[i, 2]), ci_high = unname(qs[i, 3]),
        se = unname(qs[i, 4]))
    }
  }
  add(name, "quantile_replicate", "api00", rqrows)
  # a contrast of two domain means (svycontrast on svyby with covmat): the first two groups
  bc <- svyby(~api00, by, d, svymean, covmat = TRUE)
  weights_c <- c(-1, 1, rep(0, nrow(bc) - 2))
  con <- svycontrast(bc, weights_c)
  add(name, "contrast", "api00", list(list(group = groups(bc)[2], level = groups(bc)[1],
    estimate = as.numeric(coef(con)), se = as.numeric(SE(con)))))
  # design-based t-tests (svyttest refits svyglm in every replicate), two groups of the domain
  # variable and one sample against 0
  tt <- svyttest(as.formula(paste0("api00 ~ ", fac)), d)
  t1 <- svyttest(enroll ~ 0, d, na.rm = TRUE)
  add(name, "ttest", "api00", list(
    list(group = fac, level = NULL, estimate = unname(tt$estimate),
         t = unname(tt$statistic), df = unname(tt$parameter), p_value = tt$p.value),
    list(group = NULL, level = "enroll", estimate = unname(t1$estimate),
         t = unname(t1$statistic), df = unname(t1$parameter), p_value = t1$p.value)))
}

# calibrated replicate designs: R post-stratifies and rakes every replicate with the full sample
# (postStratify / rake on a svyrep.design); margins as survey's margins files
margins <- data.frame(variable = c("awards", "awards", "stype", "stype", "stype"),
                      level = c("No", "Yes", "E", "H", "M"),
                      target = c(2500, 3694, 4421, 755, 1018))
write.csv(margins[1:2, ], file.path(out, "margins_awards.csv"), row.names = FALSE)
write.csv(margins, file.path(out, "margins_rake.csv"), row.names = FALSE)
calibrated <- list(
  poststratify = postStratify(jkn, ~awards, data.frame(awards = c("No", "Yes"), Freq = c(2500, 3694))),
  rake = rake(jkn, list(~stype, ~awards),
              list(data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018)),
                   data.frame(awards = c("No", "Yes"), Freq = c(2500, 3694))),
              control = list(maxit = 100, epsilon = 1e-10))
)
calibration_cases <- lapply(names(calibrated), function(method) {
  d <- calibrated[[method]]
  m <- svymean(~api00, d)
  t <- svytotal(~enroll, d, na.rm = TRUE)
  b <- svyby(~api00, ~stype, d, svymean)
  list(method = method, margins = if (method == "rake") "margins_rake.csv" else "margins_awards.csv",
       mean = list(estimate = unname(coef(m)), se = unname(SE(m))),
       total = list(estimate = unname(coef(t)), se = unname(SE(t))),
       by_stype = lapply(seq_len(nrow(b)), function(i) list(group = as.character(b$stype[i]),
         estimate = unname(coef(b)[i]), se = unname(SE(b)[i]))))
})

meta <- list(r = R.version.string, survey = as.character(packageVersion("survey")),
             designs = lapply(designs, function(x) c(x$spec, list(by = x$by, factor = x$factor))))
writeLines(toJSON(list(meta = meta, cases = cases, calibrated = calibration_cases), auto_unbox = TRUE, digits = NA, null = "null",
                  pretty = TRUE), file.path(out, "replicates.json"))
cat("wrote", length(cases), "cases to", file.path(out, "replicates.json"), "\n")
