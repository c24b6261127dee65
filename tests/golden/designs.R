# The two designs most golden scripts share, with the spec the Python tests rebuild them from
# (tests/golden_design.py): apistrat (stratified, fpc) and apiclus2 (two stages, fpc at both).
# Sourced after the caller has read strat and clus2 from tests/golden/estimate/.
golden_designs <- function(strat, clus2) {
  list(
    strat = list(
      design = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat),
      spec = list(data = "apistrat.csv", weight = "pw", strata = "stype", cluster = list(),
                  fpc = list("fpc"), fpc_kind = "population")
    ),
    clus2 = list(
      design = svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, weights = ~pw, data = clus2),
      spec = list(data = "apiclus2.csv", weight = "pw", strata = NULL,
                  cluster = list("dnum", "snum"), fpc = list("fpc1", "fpc2"),
                  fpc_kind = "population")
    )
  )
}
