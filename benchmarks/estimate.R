# The R side of benchmarks/run.py: the same proportions by domain with R's survey package.
# usage: Rscript benchmarks/estimate.R data.csv estimates.csv
# Prints one line "BENCH {json}" with R's own timings (system.time, file reading excluded).
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
input <- args[[1]]
output <- args[[2]]

read_time <- system.time({
  if (requireNamespace("data.table", quietly = TRUE)) {
    d <- as.data.frame(data.table::fread(input, na.strings = c("", "NA")))
    reader <- "data.table::fread"
  } else {
    d <- read.csv(input, na.strings = c("", "NA"))
    reader <- "read.csv"
  }
})[["elapsed"]]

vars <- grep("^v[0-9]+$", names(d), value = TRUE)
vars <- vars[order(as.integer(sub("^v", "", vars)))]
prep_time <- system.time({
  for (v in vars) {
    levels <- sort(unique(d[[v]][!is.na(d[[v]])]))
    d[[v]] <- factor(d[[v]], levels = levels, labels = paste0("_", levels))
  }
  d$domain <- factor(d$domain)
})[["elapsed"]]

design_time <- system.time(
  des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
)[["elapsed"]]

results <- vector("list", length(vars))
names(results) <- vars
per_variable <- numeric(length(vars))
estimate_time <- system.time({
  for (i in seq_along(vars)) {
    v <- vars[[i]]
    per_variable[[i]] <- system.time(
      results[[v]] <- svyby(as.formula(paste0("~", v)), ~domain, des, svymean,
                            na.rm = TRUE, vartype = "se")
    )[["elapsed"]]
  }
})[["elapsed"]]

# long format: variable, domain, level, estimate, se
rows <- list()
for (v in vars) {
  r <- as.data.frame(results[[v]])
  est_cols <- grep(paste0("^", v, "_"), names(r), value = TRUE)
  for (col in est_cols) {
    rows[[length(rows) + 1]] <- data.frame(
      variable = v,
      domain = as.character(r$domain),
      level = sub(paste0("^", v, "_"), "", col),
      estimate = r[[col]],
      se = r[[paste0("se.", col)]]
    )
  }
}
write.csv(do.call(rbind, rows), output, row.names = FALSE)

cat(sprintf(
  paste0('BENCH {"reader": "%s", "read_s": %.3f, "prepare_s": %.3f, "design_s": %.3f, ',
         '"estimate_s": %.3f, "per_variable_s": [%s], "r_version": "%s", "survey_version": "%s"}\n'),
  reader, read_time, prep_time, design_time, estimate_time,
  paste(sprintf("%.3f", per_variable), collapse = ", "),
  paste(R.version$major, R.version$minor, sep = "."), as.character(packageVersion("survey"))
))
