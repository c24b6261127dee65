# The R side of benchmarks/replicates.py: quantiles on a Taylor design, or a JKn replicate design
# made from it (as.svrepdesign) and the mean of x by domain.
# usage: Rscript benchmarks/replicates.R data.csv quantile|jkn
# Prints one line "BENCH {json}" with R's own timings (system.time) and the results.
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
input <- args[[1]]
task <- args[[2]]

read_time <- system.time(d <- as.data.frame(data.table::fread(input)))[["elapsed"]]
design_time <- system.time(
  des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
)[["elapsed"]]
out <- list(read_s = read_time, design_s = design_time, rows = nrow(d))
if (task == "quantile") {
  out$estimate_s <- system.time(
    q <- svyquantile(~x, des, c(0.25, 0.5, 0.75), ci = TRUE)
  )[["elapsed"]]
  m <- q[[1]]
  out$results <- lapply(seq_len(nrow(m)), function(i) list(
    quantile = as.numeric(rownames(m)[i]), estimate = m[i, 1], ci_low = m[i, 2],
    ci_high = m[i, 3], se = m[i, 4]))
} else {
  out$replicates_s <- system.time(rep <- as.svrepdesign(des, type = "JKn"))[["elapsed"]]
  out$estimate_s <- system.time(
    b <- svyby(~x, ~domain, rep, svymean)
  )[["elapsed"]]
  out$results <- lapply(seq_len(nrow(b)), function(i) list(
    group = as.character(b$domain[i]), estimate = unname(coef(b)[i]), se = unname(SE(b)[i])))
  out$replicates <- ncol(rep$repweights$weights)
  out$df <- degf(rep)
}
cat("BENCH", toJSON(out, auto_unbox = TRUE, digits = NA), "\n")
