# The R side of the raking benchmark in benchmarks/run.py (--only rake).
# usage: Rscript benchmarks/rake.R data.csv margins.csv weights.csv epsilon maxit
#   data.csv: columns a, b, c (level labels) and w (base weights)
#   margins.csv: columns variable, level, target
# Writes R's raked weights (one column "weight", in row order) to weights.csv and prints one line
# "BENCH {json}" with R's own timings: system.time of rake() alone (file reading, factor
# conversion and svydesign excluded, reported separately).
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
input <- args[[1]]
margins_file <- args[[2]]
output <- args[[3]]
epsilon <- as.numeric(args[[4]])
maxit <- as.integer(args[[5]])

read_time <- system.time({
  if (requireNamespace("data.table", quietly = TRUE)) {
    d <- as.data.frame(data.table::fread(input, colClasses = list(character = c("a", "b", "c"))))
    reader <- "data.table::fread"
  } else {
    d <- read.csv(input, colClasses = c(a = "character", b = "character", c = "character"))
    reader <- "read.csv"
  }
  m <- read.csv(margins_file, colClasses = c(variable = "character", level = "character"))
})[["elapsed"]]

vars <- unique(m$variable)
pop <- list()
prep_time <- system.time({
  for (v in vars) {
    part <- m[m$variable == v, ]
    d[[v]] <- factor(d[[v]], levels = part$level)
    p <- data.frame(factor(part$level, levels = part$level), part$target)
    names(p) <- c(v, "Freq")
    pop[[v]] <- p
  }
})[["elapsed"]]

design_time <- system.time(
  des <- svydesign(ids = ~1, weights = ~w, data = d)
)[["elapsed"]]

sample_margins <- lapply(vars, function(v) as.formula(paste0("~", v)))
converged <- TRUE
rake_time <- system.time(
  raked <- withCallingHandlers(
    rake(des, sample_margins, unname(pop), control = list(maxit = maxit, epsilon = epsilon)),
    warning = function(w) {
      if (grepl("did not converge", conditionMessage(w))) converged <<- FALSE
      invokeRestart("muffleWarning")
    }
  )
)[["elapsed"]]

w <- weights(raked)
write.csv(data.frame(weight = sprintf("%.17g", w)), output, row.names = FALSE, quote = FALSE)

cat(sprintf(
  paste0('BENCH {"reader": "%s", "read_s": %.3f, "prepare_s": %.3f, "design_s": %.3f, ',
         '"rake_s": %.3f, "converged": %s, "epsilon_given": %.17g, "maxit": %d, ',
         '"r_version": "%s", "survey_version": "%s"}\n'),
  reader, read_time, prep_time, design_time, rake_time, tolower(as.character(converged)),
  epsilon, maxit,
  paste(R.version$major, R.version$minor, sep = "."), as.character(packageVersion("survey"))
))
