#!/usr/bin/env Rscript
# Golden values for survey.weighting (and calibration-aware variances in SurveyDesign), computed
# with R's survey package (Lumley).
#
# Run from the repository root, after `.venv/bin/python tests/golden/make_golden_weighting_inputs.py`
# (which writes the synthetic WEA 2010 inputs wea2010.csv and margins2010.csv):
#
#     Rscript tests/golden/make_golden_weighting.R
#
# Writes, in tests/golden/weighting/:
# - apistrat.csv, apiclus1.csv: columns of R's `api` data (sch.wide as sch_wide);
# - margins_*.csv: population margins (variable,level,target) counted from `apipop`, in the format
#   of survey.weighting.read_margins (two-way margins as `a+b`, levels `x|y`);
# - weighting.json: one entry per case with the design spec, the margins file and method the Python
#   test rebuilds, R's calibrated weights (every row, in file order) and R's estimates with their
#   calibration-aware SE (`se`) and the SE with the same weights taken as fixed (`se_fixed`,
#   a fresh svydesign with the calibrated weights); plus trimWeights cases.
# Every input is read back from its CSV, so R and Python use byte-identical numbers. Deterministic;
# full precision. CI has no R: the outputs are committed.
#
# R calls (designs: apistrat `svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc)`, apiclus1
# `svydesign(id=~dnum, weights=~pw, fpc=~fpc)`):
# - poststratify: postStratify(design, ~stype + sch_wide, <joint table of stype x sch_wide>), and
#   postStratify(design, ~sch_wide, <its table>) (base weights that vary within post-strata);
# - rake: rake(design, <one formula per margin>, <one table per margin, a two-way margin as its
#   joint table>, control = list(maxit = 1000, epsilon = 1e-12)), so that R is fully converged;
# - linear: calibrate(design, ~ <margin variables; a two-way margin as one factor of its cells>,
#   population = <its totals>, calfun = "linear");
# - estimates after each: svymean(~api00), svymean(~sch_wide) (proportions), svytotal(~enroll),
#   svyby(~api00, ~stype, design, svymean);
# - trimWeights(calibrated design, upper, lower, strict = TRUE and FALSE): the weights;
# - wea2010: svydesign(ids=~1, strata=~size_class, weights=rep(1, n)), no fpc, raked to province
#   and sector x size_class (joint table); weights and svyby(~hired_vulnerable, ~region, svymean,
#   na.rm = TRUE) plus the overall svymean(~hired_vulnerable, na.rm = TRUE).

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(stringsAsFactors = FALSE, survey.lonely.psu = "fail", survey.ultimate.cluster = FALSE)

dir <- file.path("tests", "golden", "weighting")
data(api)
num <- function(x) as.vector(x)
chr <- function(x) as.character(x)

# ------------------------------------------------------------------ api inputs written for Python
strat <- data.frame(
  cds = chr(apistrat$cds), stype = chr(apistrat$stype), pw = num(apistrat$pw),
  fpc = num(apistrat$fpc), api00 = num(apistrat$api00), enroll = num(apistrat$enroll),
  sch_wide = chr(apistrat$sch.wide), awards = chr(apistrat$awards)
)
clus1 <- data.frame(
  cds = chr(apiclus1$cds), dnum = num(apiclus1$dnum), pw = num(apiclus1$pw),
  fpc = num(apiclus1$fpc), stype = chr(apiclus1$stype), api00 = num(apiclus1$api00),
  enroll = num(apiclus1$enroll), sch_wide = chr(apiclus1$sch.wide), awards = chr(apiclus1$awards)
)
write.csv(strat, file.path(dir, "apistrat.csv"), row.names = FALSE)
write.csv(clus1, file.path(dir, "apiclus1.csv"), row.names = FALSE)

# population margins from apipop
pop <- data.frame(stype = chr(apipop$stype), sch_wide = chr(apipop$sch.wide),
                  awards = chr(apipop$awards))
margin_rows <- function(vars) {
  tab <- as.data.frame(table(pop[vars]), stringsAsFactors = FALSE)
  stopifnot(all(tab$Freq > 0))
  level <- apply(as.matrix(tab[vars]), 1, paste, collapse = "|")
  data.frame(variable = paste(vars, collapse = "+"), level = unname(level), target = tab$Freq)
}
margin_sets <- list(
  cross = list(c("stype", "sch_wide")),
  # one variable that cuts across apistrat's strata, so that the base weights vary within each
  # post-stratum (svyrecvar's `oldweights` then matter)
  one = list("sch_wide"),
  two = list("stype", "sch_wide"),
  three = list("stype", "sch_wide", "awards"),
  mixed = list("awards", c("stype", "sch_wide"))
)
for (nm in names(margin_sets)) {
  rows <- do.call(rbind, lapply(margin_sets[[nm]], margin_rows))
  write.csv(rows, file.path(dir, paste0("margins_", nm, ".csv")), row.names = FALSE)
}

# ------------------------------------------------------------------ read every input back
# text columns become factors with levels in code-point order (as Python's sorted())
as_factors <- function(d) {
  for (v in names(d)) if (is.character(d[[v]])) {
    d[[v]] <- factor(d[[v]], levels = sort(unique(d[[v]]), method = "radix"))
  }
  d
}
rd <- function(f) {
  as_factors(read.csv(file.path(dir, f), stringsAsFactors = FALSE, check.names = FALSE,
                      na.strings = c("NA", ""), encoding = "UTF-8"))
}
read_margins <- function(f) {
  m <- read.csv(file.path(dir, f), stringsAsFactors = FALSE, comment.char = "#",
                encoding = "UTF-8")
  lapply(split(m, factor(m$variable, levels = unique(m$variable))), function(part) {
    vars <- strsplit(part$variable[1], "+", fixed = TRUE)[[1]]
    cells <- do.call(rbind, strsplit(part$level, "|", fixed = TRUE))
    frame <- as.data.frame(cells, stringsAsFactors = FALSE)
    names(frame) <- vars
    frame$target <- part$target
    list(vars = vars, table = xtabs(fml(paste("target ~", paste(vars, collapse = " + "))),
                                    data = frame))
  })
}
fml <- function(text) as.formula(text, env = globalenv())

data <- list(strat = rd("apistrat.csv"), clus1 = rd("apiclus1.csv"))
# the cells of stype x sch_wide as one factor (for calibrate's model matrix)
cell <- function(d) {
  d$stype_x_sch_wide <- factor(paste(d$stype, d$sch_wide, sep = "|"))
  d
}
data <- lapply(data, cell)

spec <- function(file, weight = NA, strata = NA, cluster = character(0), fpc = character(0),
                 fpc_kind = NA) {
  list(data = file, weight = weight, strata = strata, cluster = as.list(cluster),
       fpc = as.list(fpc), fpc_kind = fpc_kind, lonely_psu = "fail")
}
# a design of each kind, for given weights (a column name of `d`)
make_design <- list(
  apistrat = function(d, w = "pw") svydesign(id = ~1, strata = ~stype, weights = fml(paste0("~", w)),
                                             fpc = ~fpc, data = d),
  apiclus1 = function(d, w = "pw") svydesign(id = ~dnum, weights = fml(paste0("~", w)),
                                             fpc = ~fpc, data = d)
)
specs <- list(
  apistrat = spec("apistrat.csv", "pw", "stype", fpc = "fpc", fpc_kind = "population"),
  apiclus1 = spec("apiclus1.csv", "pw", cluster = "dnum", fpc = "fpc", fpc_kind = "population")
)
frames <- list(apistrat = data$strat, apiclus1 = data$clus1)

# ------------------------------------------------------------------ calibrations
calibrated <- function(d, method, margins) {
  if (method == "poststratify") {
    stopifnot(length(margins) == 1)
    m <- margins[[1]]
    return(postStratify(d, fml(paste("~", paste(m$vars, collapse = " + "))), m$table))
  }
  if (method == "rake") {
    return(rake(d, lapply(margins, function(m) fml(paste("~", paste(m$vars, collapse = " + ")))),
                lapply(margins, function(m) m$table),
                control = list(maxit = 1000, epsilon = 1e-12)))
  }
  stopifnot(method == "linear")
  terms <- vapply(margins, function(m) paste(m$vars, collapse = "_x_"), "")
  f <- fml(paste("~", paste(terms, collapse = " + ")))
  # population totals of the model matrix columns: the intercept and every non-reference level
  total <- sum(margins[[1]]$table)
  population <- c(`(Intercept)` = total)
  for (i in seq_along(margins)) {
    tab <- as.data.frame(margins[[i]]$table, stringsAsFactors = FALSE)
    level <- apply(as.matrix(tab[margins[[i]]$vars]), 1, paste, collapse = "|")
    population[paste0(terms[i], level)] <- tab$Freq
  }
  columns <- colnames(model.matrix(f, model.frame(f, d$variables)))
  stopifnot(all(columns %in% names(population)))
  calibrate(d, f, population = population[columns], calfun = "linear")
}

row <- function(stat, variable, estimate, se, se_fixed, group = NA, level = NA) {
  list(stat = stat, variable = variable, group = group, level = level, estimate = estimate,
       se = se, se_fixed = se_fixed)
}

api_estimates <- function(cd, fixed) {
  out <- list()
  m <- svymean(~api00, cd)
  mf <- svymean(~api00, fixed)
  out[[length(out) + 1]] <- row("mean", "api00", coef(m)[[1]], SE(m)[[1]], SE(mf)[[1]])
  p <- svymean(~sch_wide, cd)
  pf <- svymean(~sch_wide, fixed)
  levs <- levels(cd$variables$sch_wide)
  for (j in seq_along(levs)) {
    out[[length(out) + 1]] <- row("proportion", "sch_wide", coef(p)[[j]], SE(p)[[j]],
                                  SE(pf)[[j]], level = levs[j])
  }
  t <- svytotal(~enroll, cd)
  tf <- svytotal(~enroll, fixed)
  out[[length(out) + 1]] <- row("total", "enroll", coef(t)[[1]], SE(t)[[1]], SE(tf)[[1]])
  b <- svyby(~api00, ~stype, cd, svymean)
  bf <- svyby(~api00, ~stype, fixed, svymean)
  groups <- as.character(b$stype)
  for (j in seq_along(groups)) {
    out[[length(out) + 1]] <- row("mean", "api00", unname(coef(b))[j], unname(SE(b))[j],
                                  unname(SE(bf))[j], group = groups[j])
  }
  out
}

margin_files <- c(cross = "margins_cross.csv", one = "margins_one.csv", two = "margins_two.csv",
                  three = "margins_three.csv", mixed = "margins_mixed.csv")
plan <- list(
  list("poststratify", "cross"), list("poststratify", "one"),
  list("rake", "two"), list("rake", "three"), list("rake", "mixed"),
  list("linear", "two"), list("linear", "three"), list("linear", "mixed")
)

cases <- list()
designs_after <- list()
for (dn in names(make_design)) {
  base <- make_design[[dn]](frames[[dn]])
  for (p in plan) {
    method <- p[[1]]
    file <- margin_files[[p[[2]]]]
    name <- paste(dn, method, p[[2]], sep = ".")
    cd <- calibrated(base, method, read_margins(file))
    w <- weights(cd)
    fixed_frame <- frames[[dn]]
    fixed_frame$w_cal <- w
    fixed <- make_design[[dn]](fixed_frame, "w_cal")
    # the calibrated weights meet the margins
    for (m in read_margins(file)) {
      got <- as.data.frame(svytable(fml(paste("~", paste(m$vars, collapse = " + "))), cd))
      both <- merge(got, as.data.frame(m$table), by = m$vars)
      stopifnot(nrow(both) == length(m$table),
                max(abs(both$Freq.x - both$Freq.y) / both$Freq.y) < 1e-9)
    }
    designs_after[[name]] <- cd
    cases[[name]] <- list(kind = "calibration", design = specs[[dn]], method = method,
                          margins = file, weights = unname(w),
                          estimates = api_estimates(cd, fixed))
  }
}

# ------------------------------------------------------------------ trimWeights
# bounds chosen so that R's single pass (strict = FALSE) leaves weights above the cap: what was
# cut from the largest weights, shared out, lifts the next ones over it
trim_plan <- list(
  list(source = "apistrat.rake.mixed", upper = 45.6, lower = 14),
  list(source = "apiclus1.linear.mixed", upper = 39.2, lower = 29)
)
trims <- list()
for (tp in trim_plan) {
  cd <- designs_after[[tp$source]]
  w <- weights(cd)
  upper <- tp$upper
  lower <- tp$lower
  for (strict in c(TRUE, FALSE)) {
    tw <- weights(trimWeights(cd, upper = upper, lower = lower, strict = strict))
    above <- sum(tw > upper * (1 + 1e-12))
    if (strict) stopifnot(above == 0) else stopifnot(above > 0)
    name <- paste(tp$source, if (strict) "trim_strict" else "trim_single_pass", sep = ".")
    trims[[name]] <- list(source = tp$source, upper = upper, lower = lower, strict = strict,
                          weights_before = unname(w), weights = unname(tw),
                          above_upper = above, total = sum(tw))
  }
}

# ------------------------------------------------------------------ synthetic WEA 2010
wea <- rd("wea2010.csv")
stopifnot(!anyNA(wea[c("province", "sector", "size_class", "region")]))
wea$one <- rep(1, nrow(wea))
wea_design <- svydesign(ids = ~1, strata = ~size_class, weights = ~one, data = wea)
wea_margins <- read_margins("margins2010.csv")
wea_raked <- calibrated(wea_design, "rake", wea_margins)
wea_fixed <- svydesign(ids = ~1, strata = ~size_class, weights = ~w_cal,
                       data = transform(wea, w_cal = weights(wea_raked)))
hv_levels <- levels(wea$hired_vulnerable)
wea_rows <- list()
overall <- svymean(~hired_vulnerable, wea_raked, na.rm = TRUE)
overall_fixed <- svymean(~hired_vulnerable, wea_fixed, na.rm = TRUE)
for (j in seq_along(hv_levels)) {
  wea_rows[[length(wea_rows) + 1]] <- row("proportion", "hired_vulnerable", coef(overall)[[j]],
                                          SE(overall)[[j]], SE(overall_fixed)[[j]],
                                          level = hv_levels[j])
}
by_region <- svyby(~hired_vulnerable, ~region, wea_raked, svymean, na.rm = TRUE)
by_region_fixed <- svyby(~hired_vulnerable, ~region, wea_fixed, svymean, na.rm = TRUE)
regions <- as.character(by_region$region)
stopifnot(identical(regions, as.character(by_region_fixed$region)))
for (i in seq_along(regions)) {
  for (l in hv_levels) {
    est <- by_region[i, paste0("hired_vulnerable", l)]
    se <- by_region[i, paste0("se.hired_vulnerable", l)]
    se_fixed <- by_region_fixed[i, paste0("se.hired_vulnerable", l)]
    wea_rows[[length(wea_rows) + 1]] <- row("proportion", "hired_vulnerable", est, se, se_fixed,
                                            group = regions[i], level = l)
  }
}
cases[["wea2010.rake.margins2010"]] <- list(
  kind = "calibration",
  design = list(data = "wea2010.csv", weight = NA, strata = "size_class", cluster = list(),
                fpc = list(), fpc_kind = NA, lonely_psu = "fail"),
  method = "rake", margins = "margins2010.csv", weights = unname(weights(wea_raked)),
  estimates = wea_rows
)

out <- list(
  generated_by = "tests/golden/make_golden_weighting.R",
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  cases = cases,
  trim = trims
)
write_json(out, file.path(dir, "weighting.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE,
           na = "null")
cat("wrote", length(cases), "calibration cases and", length(trims), "trim cases to",
    file.path(dir, "weighting.json"), "\n")
