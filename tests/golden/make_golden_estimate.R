#!/usr/bin/env Rscript
# Golden values for survey.analysis.estimate, computed with R's survey package (Lumley).
#
# Run from the repository root, after `.venv/bin/python tests/golden/make_golden_inputs.py`
# (which writes the synthetic-survey inputs wea2010.csv and beso2011.csv):
#
#     Rscript tests/golden/make_golden_estimate.R
#
# Writes tests/golden/estimate/api{strat,clus1,clus2}.csv (columns of R's `api` data, plus a few
# derived ones), reads every input back from its CSV (so that R and Python use byte-identical
# numbers) and writes tests/golden/estimate/estimate.json: one entry per case, with the design
# spec the Python test rebuilds and R's results. Deterministic: no random numbers; full precision.
# CI has no R; the outputs are committed.
#
# Conventions (those of estimate.py):
# - domains: R's subset design `design[rows, ]` (uncalibrated, so it keeps the full design's
#   PSU counts and fpc: the same variance as svyby on the full design; checked below);
# - missing values excluded (na.rm = TRUE); n = respondents with a valid value in the domain;
# - df = degf() of the domain's subset design (which keeps rows with a missing value);
# - means and totals: deff = "replace", CI = confint(..., df = degf(subset));
# - counts per level (stat "total" of a factor): svytotal(~factor) of the subset design,
#   deff = "replace", CI = confint(..., df = degf(subset)); n_level = respondents per level;
# - lonely.psu = "average": the subset design's own strata count (svyby; see onestage's
#   nstrat / nokstrat), so a domain averages over the strata that hold its rows; a domain whose
#   strata all have one PSU gets NaN (null) as in R; contrasts use svyby(covmat = TRUE), which
#   averages over every stratum of the design;
# - designs without weights but with fpc (`*_fpc_weights`): svydesign derives the weights from
#   the fpc, 1/pi per stage (weights.survey_fpc); R's weights(design) are recorded under
#   `weights` and compared row by row;
# - proportions: estimate, se, deff from svymean of the factor; CI logit = svyciprop(method =
#   "logit"), beta = svyciprop(method = "beta"), wald = confint(svymean, df = degf(subset)),
#   wilson = no R function, computed from R's p and SE by the formula in estimate.py;
# - ratios: svyratio, CI with t on degf(subset), no deff (NA);
# - contrasts: svycontrast(svyby(~y, ~g, design, svymean, covmat = TRUE), ...), t on degf(design);
# - an empty domain (a factor level without rows): R's svyby(drop.empty.groups = FALSE) gives NA
#   (checked below); recorded as n = 0, df = 0 and NA (null) estimates.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(stringsAsFactors = FALSE, survey.lonely.psu = "fail",
        survey.adjust.domain.lonely = FALSE, survey.ultimate.cluster = FALSE)

dir <- file.path("tests", "golden", "estimate")
data(api)

# ------------------------------------------------------------------ api inputs written for Python
num <- function(x) as.vector(x)
chr <- function(x) as.character(x)

strat <- data.frame(
  cds = chr(apistrat$cds), stype = chr(apistrat$stype), pw = num(apistrat$pw),
  fpc = num(apistrat$fpc), api00 = num(apistrat$api00), api99 = num(apistrat$api99),
  enroll = num(apistrat$enroll), awards = chr(apistrat$awards),
  sch_wide = chr(apistrat$sch.wide), both = chr(apistrat$both)
)
# sampling fractions n_h / N_h, for the same design given with fpc as fractions
strat$frac <- ave(rep(1, nrow(strat)), strat$stype, FUN = sum) / strat$fpc
# deterministic missing values: every 7th row
strat$api99_na <- ifelse(seq_len(nrow(strat)) %% 7 == 0, NA, strat$api99)
# a copy of stype for domains (the tests give it a fourth, empty level "X")
strat$stype_dom <- strat$stype
# the first row gets a stratum of its own: a lonely PSU
strat$stype_lonely <- strat$stype
strat$stype_lonely[1] <- "L"
# ... which, with this fpc, is sampled with certainty (N = n = 1): no variance, not lonely
strat$fpc_lonely <- ifelse(strat$stype_lonely == "L", 1, strat$fpc)
# counties as strata: 13 of the 40 counties have one sampled school (lonely PSUs), and the
# schools of those counties as a domain that lies in lonely strata only
strat$cname <- chr(apistrat$cname)
strat$county_alone <- ifelse(ave(rep(1, nrow(strat)), strat$cname, FUN = sum) == 1, "alone", "with")

clus1 <- data.frame(
  dnum = num(apiclus1$dnum), pw = num(apiclus1$pw), fpc = num(apiclus1$fpc),
  stype = chr(apiclus1$stype), api00 = num(apiclus1$api00), api99 = num(apiclus1$api99),
  enroll = num(apiclus1$enroll), awards = chr(apiclus1$awards),
  acs_46 = num(apiclus1$acs.46)  # has missing values
)
clus2 <- data.frame(
  dnum = num(apiclus2$dnum), snum = num(apiclus2$snum), pw = num(apiclus2$pw),
  fpc1 = num(apiclus2$fpc1), fpc2 = num(apiclus2$fpc2), stype = chr(apiclus2$stype),
  api00 = num(apiclus2$api00), api99 = num(apiclus2$api99),
  enroll = num(apiclus2$enroll),  # has missing values
  awards = chr(apiclus2$awards)
)
# the same fpc as sampling fractions: districts sampled / in the population, schools sampled in
# the district / in the district
clus2$frac1 <- length(unique(clus2$dnum)) / clus2$fpc1
clus2$frac2 <- ave(rep(1, nrow(clus2)), clus2$dnum, FUN = sum) / clus2$fpc2
write.csv(strat, file.path(dir, "apistrat.csv"), row.names = FALSE)
write.csv(clus1, file.path(dir, "apiclus1.csv"), row.names = FALSE)
write.csv(clus2, file.path(dir, "apiclus2.csv"), row.names = FALSE)

# ------------------------------------------------------------------ read every input back
rd <- function(f) {
  d <- read.csv(file.path(dir, f), stringsAsFactors = FALSE, check.names = FALSE,
                na.strings = c("NA", ""))
  # text columns become factors with levels in code-point order (as Python's sorted())
  for (v in names(d)) if (is.character(d[[v]])) d[[v]] <- factor(d[[v]], levels = sort(unique(d[[v]]), method = "radix"))
  d
}
data <- list(
  strat = rd("apistrat.csv"), clus1 = rd("apiclus1.csv"), clus2 = rd("apiclus2.csv"),
  beso = rd("beso2011.csv"), wea = rd("wea2010.csv")
)
data$clus2$inf2 <- Inf  # R's way of saying "no fpc at stage 2" when stage 1 has one

# ------------------------------------------------------------------ designs
# `r`: the R design; `py`: the spec the Python test gives SurveyDesign (column names as in the CSV)
spec <- function(file, weight = NA, strata = NA, cluster = character(0), fpc = character(0),
                 fpc_kind = NA, lonely_psu = "fail") {
  list(data = file, weight = weight, strata = strata, cluster = as.list(cluster),
       fpc = as.list(fpc), fpc_kind = fpc_kind, lonely_psu = lonely_psu)
}
designs <- list(
  strat_population = list(
    r = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = data$strat),
    py = spec("apistrat.csv", "pw", "stype", fpc = "fpc", fpc_kind = "population")),
  strat_fraction = list(
    r = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~frac, data = data$strat),
    py = spec("apistrat.csv", "pw", "stype", fpc = "frac", fpc_kind = "fraction")),
  clus1 = list(
    r = svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = data$clus1),
    py = spec("apiclus1.csv", "pw", cluster = "dnum", fpc = "fpc", fpc_kind = "population")),
  clus2 = list(
    r = svydesign(id = ~dnum + snum, weights = ~pw, fpc = ~fpc1 + fpc2, data = data$clus2),
    py = spec("apiclus2.csv", "pw", cluster = c("dnum", "snum"), fpc = c("fpc1", "fpc2"),
              fpc_kind = "population")),
  # fpc at stage 1 only: districts with one sampled school are lonely at stage 2
  clus2_fpc1_remove = list(
    r = svydesign(id = ~dnum + snum, weights = ~pw, fpc = ~fpc1 + inf2, data = data$clus2),
    py = spec("apiclus2.csv", "pw", cluster = c("dnum", "snum"), fpc = "fpc1",
              fpc_kind = "population", lonely_psu = "remove")),
  clus2_fpc1_adjust = list(
    r = svydesign(id = ~dnum + snum, weights = ~pw, fpc = ~fpc1 + inf2, data = data$clus2),
    py = spec("apiclus2.csv", "pw", cluster = c("dnum", "snum"), fpc = "fpc1",
              fpc_kind = "population", lonely_psu = "adjust")),
  beso = list(
    r = suppressWarnings(svydesign(id = ~1, data = data$beso)),  # "assuming equal probability"
    py = spec("beso2011.csv")),
  wea = list(
    r = svydesign(id = ~1, strata = ~size_class, weights = ~weight, data = data$wea),
    py = spec("wea2010.csv", "weight", "size_class"))
)
designs$lonely_average_certain_fpc <- list(
  r = svydesign(id = ~1, strata = ~stype_lonely, weights = ~pw, fpc = ~fpc_lonely,
                data = data$strat),
  py = spec("apistrat.csv", "pw", "stype_lonely", fpc = "fpc_lonely", fpc_kind = "population",
            lonely_psu = "average"))
designs$lonely_county_average <- list(
  r = svydesign(id = ~1, strata = ~cname, weights = ~pw, data = data$strat),
  py = spec("apistrat.csv", "pw", "cname", lonely_psu = "average"))
# no weights: svydesign computes them from the fpc (population sizes or sampling fractions)
designs$strat_fpc_weights <- list(
  r = svydesign(id = ~1, strata = ~stype, fpc = ~fpc, data = data$strat),
  py = spec("apistrat.csv", strata = "stype", fpc = "fpc", fpc_kind = "population"))
designs$strat_frac_fpc_weights <- list(
  r = svydesign(id = ~1, strata = ~stype, fpc = ~frac, data = data$strat),
  py = spec("apistrat.csv", strata = "stype", fpc = "frac", fpc_kind = "fraction"))
designs$clus1_fpc_weights <- list(
  r = svydesign(id = ~dnum, fpc = ~fpc, data = data$clus1),
  py = spec("apiclus1.csv", cluster = "dnum", fpc = "fpc", fpc_kind = "population"))
designs$clus2_fpc_weights <- list(
  r = svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = data$clus2),
  py = spec("apiclus2.csv", cluster = c("dnum", "snum"), fpc = c("fpc1", "fpc2"),
            fpc_kind = "population"))
designs$clus2_frac_fpc_weights <- list(
  r = svydesign(id = ~dnum + snum, fpc = ~frac1 + frac2, data = data$clus2),
  py = spec("apiclus2.csv", cluster = c("dnum", "snum"), fpc = c("frac1", "frac2"),
            fpc_kind = "fraction"))
for (policy in c("remove", "adjust", "average", "certainty")) {
  designs[[paste0("lonely_", policy)]] <- list(
    r = svydesign(id = ~1, strata = ~stype_lonely, weights = ~pw, data = data$strat),
    py = spec("apistrat.csv", "pw", "stype_lonely", lonely_psu = policy))
}

# ------------------------------------------------------------------ estimators
fml <- function(text) as.formula(text, env = globalenv())
level_formula <- function(variable, lev) fml(sprintf('~as.numeric(%s == "%s")', variable, lev))
tq <- function(df) qt(0.975, df)

# Wilson score interval with n_eff = p(1 - p)/se^2 and t(df) in place of z. R's survey has no
# such method: this is the formula of estimate.proportion_ci, applied to R's p and SE.
wilson <- function(p, se, df) {
  t <- tq(df)
  n_eff <- p * (1 - p) / se^2
  denominator <- 1 + t^2 / n_eff
  centre <- (p + t^2 / (2 * n_eff)) / denominator
  half <- t * sqrt(p * (1 - p) / n_eff + t^2 / (4 * n_eff^2)) / denominator
  c(centre - half, centre + half)
}

empty_row <- function(group, level = NA) {
  list(group = group, level = level, estimate = NA_real_, se = NA_real_, ci_low = NA_real_,
       ci_high = NA_real_, df = 0L, deff = NA_real_, n = 0L)
}

# rows of one domain (`sub`: the subset design, `g`: the group label or NA)
domain_rows <- function(cs, sub, g) {
  v <- sub$variables
  df <- degf(sub)
  numeric_stat <- cs$stat == "mean" || (cs$stat == "total" && !is.factor(v[[cs$variable]]))
  if (numeric_stat && all(is.na(v[[cs$variable]]))) {
    # no respondent in the domain: R's svymean/svytotal return 0 with SE 0 (from an empty
    # design); estimate.py gives no estimate (NA), with the domain's df. Recorded as NA.
    return(list(modifyList(empty_row(g), list(df = df))))
  }
  if (numeric_stat) {
    f <- fml(paste0("~", cs$variable))
    m <- if (cs$stat == "mean") svymean(f, sub, na.rm = TRUE, deff = "replace")
         else svytotal(f, sub, na.rm = TRUE, deff = "replace")
    ci <- confint(m, df = df)
    return(list(list(group = g, level = NA, estimate = coef(m)[[1]], se = SE(m)[[1]], ci_low = ci[1, 1],
                     ci_high = ci[1, 2], df = df, deff = deff(m)[[1]],
                     n = sum(!is.na(v[[cs$variable]])))))
  }
  if (cs$stat == "ratio") {
    m <- svyratio(fml(paste0("~", cs$variable)), fml(paste0("~", cs$denominator)), sub,
                  na.rm = TRUE)
    est <- coef(m)[[1]]
    se <- SE(m)[[1]]
    return(list(list(group = g, level = NA, estimate = est, se = se, ci_low = est - tq(df) * se,
                     ci_high = est + tq(df) * se, df = df, deff = NA_real_,
                     n = sum(!is.na(v[[cs$variable]]) & !is.na(v[[cs$denominator]])))))
  }
  levs <- levels(v[[cs$variable]])
  n_level <- as.vector(table(factor(v[[cs$variable]], levels = levs)))
  if (cs$stat == "total") {  # a factor: one population count per level
    m <- svytotal(fml(paste0("~", cs$variable)), sub, na.rm = TRUE, deff = "replace")
    ci <- confint(m, df = df)
    return(lapply(seq_along(levs), function(j) {
      list(group = g, level = levs[j], estimate = coef(m)[[j]], se = SE(m)[[j]],
           ci_low = ci[j, 1], ci_high = ci[j, 2], df = df, deff = deff(m)[[j]],
           n = sum(!is.na(v[[cs$variable]])), n_level = n_level[[j]])
    }))
  }
  stopifnot(cs$stat == "proportion")
  m <- svymean(fml(paste0("~", cs$variable)), sub, na.rm = TRUE, deff = "replace")
  wald <- confint(m, df = df)
  lapply(seq_along(levs), function(j) {
    p <- coef(m)[[j]]
    se <- SE(m)[[j]]
    ci <- switch(cs$ci,
      logit = as.vector(attr(svyciprop(level_formula(cs$variable, levs[j]), sub,
                                       method = "logit", na.rm = TRUE), "ci")),
      beta = as.vector(attr(svyciprop(level_formula(cs$variable, levs[j]), sub,
                                      method = "beta", na.rm = TRUE), "ci")),
      wald = as.vector(wald[j, ]),
      wilson = wilson(p, se, df))
    list(group = g, level = levs[j], estimate = p, se = se, ci_low = ci[1], ci_high = ci[2],
         df = df, deff = deff(m)[[j]], n = sum(!is.na(v[[cs$variable]])),
         n_level = n_level[[j]])
  })
}

run_case <- function(cs) {
  des <- designs[[cs$design]]
  options(survey.lonely.psu = des$py$lonely_psu)
  on.exit(options(survey.lonely.psu = "fail"))
  d <- des$r
  if (cs$stat == "contrast") return(run_contrast(cs, d))
  if (is.null(cs$by)) {
    rows <- domain_rows(cs, d, NA)
  } else {
    byv <- as.character(d$variables[[cs$by]])
    levs <- if (is.null(cs$by_levels)) sort(unique(byv), method = "radix") else cs$by_levels
    rows <- do.call(c, lapply(levs, function(g) {
      inset <- !is.na(byv) & byv == g
      if (!any(inset)) {
        if (is.factor(d$variables[[cs$variable]]) && cs$stat %in% c("proportion", "total")) {
          return(lapply(levels(d$variables[[cs$variable]]), function(l) empty_row(g, l)))
        }
        return(list(empty_row(g)))
      }
      domain_rows(cs, d[inset, ], g)
    }))
    check_svyby(cs, d, levs, rows)
  }
  list(design = des$py, stat = cs$stat, variable = cs$variable,
       denominator = if (is.null(cs$denominator)) NA else cs$denominator,
       by = if (is.null(cs$by)) NA else cs$by,
       by_levels = if (is.null(cs$by_levels)) NA else as.list(cs$by_levels),
       ci = if (is.null(cs$ci)) NA else cs$ci,
       domain_variance = "svyby",
       rows = rows)
}

# the subset route gives what svyby gives on the full design, and svyby gives NA for an empty level
check_svyby <- function(cs, d, levs, rows) {
  if (!cs$stat %in% c("mean", "total")) return(invisible())
  d$variables$by_f <- factor(as.character(d$variables[[cs$by]]), levels = levs)
  fun <- if (cs$stat == "mean") svymean else svytotal
  b <- svyby(fml(paste0("~", cs$variable)), ~by_f, d, fun, na.rm = TRUE,
             drop.empty.groups = FALSE)
  n_rows <- as.vector(table(d$variables$by_f))
  per_level <- if (is.factor(d$variables[[cs$variable]])) nlevels(d$variables[[cs$variable]]) else 1
  n <- sapply(rows, function(r) r$n)
  est <- sapply(rows, function(r) r$estimate)
  se <- sapply(rows, function(r) r$se)
  ok <- n > 0
  empty <- rep(n_rows == 0, each = per_level)
  # svyby's columns: the group, one estimate per level, one SE per level; rows: one per group
  coef_b <- as.vector(t(as.matrix(b[, 1 + seq_len(per_level)])))
  se_b <- as.vector(t(as.matrix(b[, 1 + per_level + seq_len(per_level)])))
  same <- function(a, b) isTRUE(all.equal(a, b, tolerance = 1e-12))
  stopifnot(same(coef_b[ok], est[ok]), same(se_b[ok], se[ok]), all(is.na(coef_b[empty])),
            all(is.na(se_b[empty])))
}

run_contrast <- function(cs, d) {
  if (is.null(cs$level_value)) {
    f <- fml(paste0("~", cs$variable))
  } else {
    f <- level_formula(cs$variable, cs$level_value)
  }
  b <- svyby(f, fml(paste0("~", cs$by)), d, svymean, covmat = TRUE)
  groups <- as.character(b[[cs$by]])
  weights <- as.numeric(groups == cs$group_a) - as.numeric(groups == cs$group_b)
  con <- svycontrast(b, weights)
  est <- coef(con)[[1]]
  se <- SE(con)[[1]]
  df <- degf(d)
  t <- est / se
  list(design = designs[[cs$design]]$py, stat = "contrast", variable = cs$variable, by = cs$by,
       group_a = cs$group_a, group_b = cs$group_b,
       level_value = if (is.null(cs$level_value)) NA else cs$level_value,
       result = list(estimate_a = coef(b)[[which(groups == cs$group_a)]],
                     estimate_b = coef(b)[[which(groups == cs$group_b)]],
                     difference = est, se = se, ci_low = est - tq(df) * se,
                     ci_high = est + tq(df) * se, t = t, df = df,
                     p_value = 2 * pt(-abs(t), df)))
}

# ------------------------------------------------------------------ cases
cs <- function(design, stat, variable, by = NULL, ci = NULL, ...) {
  list(design = design, stat = stat, variable = variable, by = by, ci = ci, ...)
}
cases <- list(
  # stratified, fpc as population sizes
  cs("strat_population", "mean", "api00"),
  cs("strat_population", "mean", "api00", by = "awards"),
  cs("strat_population", "total", "enroll"),
  cs("strat_population", "total", "enroll", by = "awards"),
  cs("strat_population", "ratio", "api00", denominator = "api99"),
  cs("strat_population", "ratio", "api00", by = "awards", denominator = "api99"),
  cs("strat_population", "proportion", "awards", ci = "logit"),
  cs("strat_population", "proportion", "awards", ci = "beta"),
  cs("strat_population", "proportion", "awards", by = "stype", ci = "logit"),
  cs("strat_population", "proportion", "awards", by = "stype", ci = "beta"),
  cs("strat_population", "proportion", "awards", by = "stype", ci = "wald"),
  cs("strat_population", "proportion", "awards", by = "stype", ci = "wilson"),
  cs("strat_population", "proportion", "sch_wide", by = "awards", ci = "wald"),
  # missing values
  cs("strat_population", "mean", "api99_na"),
  cs("strat_population", "mean", "api99_na", by = "awards"),
  cs("strat_population", "total", "api99_na", by = "awards"),
  cs("strat_population", "ratio", "api00", by = "awards", denominator = "api99_na"),
  # an empty domain
  cs("strat_population", "mean", "api00", by = "stype_dom", by_levels = c("E", "H", "M", "X")),
  cs("strat_population", "total", "enroll", by = "stype_dom", by_levels = c("E", "H", "M", "X")),
  cs("strat_population", "proportion", "awards", by = "stype_dom", ci = "logit",
     by_levels = c("E", "H", "M", "X")),
  # domain contrasts
  cs("strat_population", "contrast", "api00", by = "stype", group_a = "E", group_b = "H"),
  cs("strat_population", "contrast", "awards", by = "stype", group_a = "E", group_b = "M",
     level_value = "Yes"),
  # stratified, fpc as sampling fractions
  cs("strat_fraction", "mean", "api00"),
  cs("strat_fraction", "mean", "api00", by = "awards"),
  cs("strat_fraction", "total", "enroll", by = "awards"),
  cs("strat_fraction", "proportion", "awards", by = "stype", ci = "logit"),
  # one-stage cluster sample with fpc
  cs("clus1", "mean", "api00"),
  cs("clus1", "mean", "api00", by = "stype"),
  cs("clus1", "total", "enroll", by = "stype"),
  cs("clus1", "mean", "acs_46", by = "stype"),  # no valid value among the H schools
  cs("clus1", "ratio", "api00", by = "stype", denominator = "api99"),
  cs("clus1", "proportion", "awards", by = "stype", ci = "logit"),
  cs("clus1", "proportion", "awards", by = "stype", ci = "beta"),
  cs("clus1", "proportion", "awards", by = "stype", ci = "wilson"),
  cs("clus1", "contrast", "api00", by = "stype", group_a = "E", group_b = "M"),
  # two-stage cluster sample with fpc at both stages
  cs("clus2", "mean", "api00"),
  cs("clus2", "mean", "api00", by = "stype"),
  cs("clus2", "total", "enroll"),
  cs("clus2", "total", "enroll", by = "stype"),
  cs("clus2", "ratio", "api00", denominator = "api99"),
  cs("clus2", "proportion", "awards", by = "stype", ci = "logit"),
  cs("clus2", "contrast", "awards", by = "stype", group_a = "E", group_b = "H",
     level_value = "Yes"),
  # two-stage with fpc at stage 1 only
  cs("clus2_fpc1_remove", "mean", "api00"),
  cs("clus2_fpc1_remove", "mean", "api00", by = "stype"),
  cs("clus2_fpc1_remove", "proportion", "awards", ci = "logit"),
  cs("clus2_fpc1_adjust", "mean", "api00"),
  cs("clus2_fpc1_adjust", "total", "enroll", by = "stype"),
  # synthetic BESO 2011 (unweighted, unstratified) and WEA 2010 (cell weights, size strata)
  cs("beso", "proportion", "experience_group", ci = "logit"),
  cs("beso", "proportion", "experience_group", ci = "beta"),
  cs("beso", "proportion", "experience_group", ci = "wilson"),
  cs("beso", "proportion", "obstacle_no_applicants", by = "experience_group", ci = "logit"),
  cs("beso", "proportion", "obstacle_no_applicants", by = "experience_group", ci = "beta"),
  cs("wea", "proportion", "hired_vulnerable", by = "region", ci = "logit"),
  cs("wea", "proportion", "hired_vulnerable", by = "region", ci = "wald"),
  # counts per level of a factor (svytotal(~factor)), overall and by domain, every design kind
  cs("strat_population", "total", "awards"),
  cs("strat_population", "total", "awards", by = "stype"),
  cs("strat_population", "total", "awards", by = "stype_dom", by_levels = c("E", "H", "M", "X")),
  cs("strat_fraction", "total", "sch_wide", by = "awards"),
  cs("clus1", "total", "awards", by = "stype"),
  cs("clus2", "total", "awards", by = "stype"),
  cs("beso", "total", "obstacle_no_applicants", by = "experience_group"),
  cs("wea", "total", "hired_vulnerable", by = "region"),
  # lonely PSUs (13 single-school counties) under "average", by domain as svyby does it
  cs("lonely_county_average", "mean", "api00"),
  cs("lonely_county_average", "mean", "api00", by = "stype"),
  cs("lonely_county_average", "mean", "api99_na", by = "awards"),
  cs("lonely_county_average", "total", "enroll", by = "stype"),
  cs("lonely_county_average", "total", "awards", by = "stype"),
  cs("lonely_county_average", "ratio", "api00", by = "stype", denominator = "api99"),
  cs("lonely_county_average", "proportion", "awards", by = "stype", ci = "logit"),
  cs("lonely_county_average", "proportion", "sch_wide", by = "awards", ci = "beta"),
  cs("lonely_county_average", "mean", "api00", by = "county_alone"),  # NaN SE for "alone"
  cs("lonely_county_average", "contrast", "api00", by = "stype", group_a = "E", group_b = "H"),
  # weights from the fpc (no weights given)
  cs("strat_fpc_weights", "mean", "api00"),
  cs("strat_fpc_weights", "total", "enroll", by = "awards"),
  cs("strat_fpc_weights", "proportion", "awards", by = "stype", ci = "logit"),
  cs("strat_fpc_weights", "total", "awards"),
  cs("strat_frac_fpc_weights", "mean", "api00", by = "awards"),
  cs("strat_frac_fpc_weights", "total", "enroll"),
  cs("clus1_fpc_weights", "mean", "api00"),
  cs("clus1_fpc_weights", "total", "enroll", by = "stype"),
  cs("clus2_fpc_weights", "mean", "api00"),
  cs("clus2_fpc_weights", "total", "enroll"),
  cs("clus2_fpc_weights", "total", "awards", by = "stype"),
  cs("clus2_frac_fpc_weights", "mean", "api00", by = "stype"),
  cs("clus2_frac_fpc_weights", "total", "enroll"),
  # a single-PSU stratum sampled with certainty under "average": not counted as lonely
  cs("lonely_average_certain_fpc", "mean", "api00"),
  cs("lonely_average_certain_fpc", "proportion", "awards", ci = "logit")
)
# a lonely PSU under each policy
for (policy in c("remove", "adjust", "average", "certainty")) {
  key <- paste0("lonely_", policy)
  cases <- c(cases, list(
    cs(key, "mean", "api00"),
    cs(key, "total", "enroll"),
    cs(key, "proportion", "awards", ci = "logit"),
    cs(key, "mean", "api00", by = "stype")
  ))
}

case_name <- function(c) {
  parts <- c(c$design, c$stat, c$variable)
  if (!is.null(c$denominator)) parts <- c(parts, "per", c$denominator)
  if (!is.null(c$level_value)) parts <- c(parts, c$level_value)
  if (!is.null(c$by)) parts <- c(parts, "by", c$by)
  if (!is.null(c$group_a)) parts <- c(parts, c$group_a, "vs", c$group_b)
  if (!is.null(c$by_levels)) parts <- c(parts, "with_empty_level")
  if (!is.null(c$ci)) parts <- c(parts, c$ci)
  paste(parts, collapse = "_")
}
names(cases) <- vapply(cases, case_name, "")
stopifnot(!anyDuplicated(names(cases)))

# any R warning is reported with the name of its case
results <- lapply(names(cases), function(nm) {
  withCallingHandlers(run_case(cases[[nm]]),
                      warning = function(w) message(nm, ": ", conditionMessage(w)))
})
names(results) <- names(cases)

fpc_weights <- lapply(names(designs)[grepl("_fpc_weights$", names(designs))], function(nm) {
  list(name = nm, design = designs[[nm]]$py, weights = as.vector(weights(designs[[nm]]$r)))
})
names(fpc_weights) <- vapply(fpc_weights, function(x) x$name, "")

out <- list(
  generated_by = "tests/golden/make_golden_estimate.R",
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  weights = fpc_weights,
  cases = results
)
write_json(out, file.path(dir, "estimate.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE,
           na = "null")
cat("wrote", length(results), "cases to", file.path(dir, "estimate.json"), "\n")
