"""Design-based analysis: the survey design, estimates, tests and models."""
