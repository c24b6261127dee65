"""Whether a labelled numeric variable is categorical: one rule for estimates and skeletons.

SPSS, PSPP and R's haven write the measure level ``scale`` for every numeric variable unless
someone changes it, so the measure a file declares is advice, not truth: a yes/no item coded
1/2 with value labels is usually marked ``scale`` and its mean (1.4) means nothing. Labels
decide instead, by one rule (:func:`label_coverage`), which ``survey estimate`` uses to choose
between proportions and a mean (``estimate(stat=None)``) and ``survey codebook --format yaml``
uses to write ``measure`` in a skeleton.

**The rule.** A numeric variable is *categorical* when

1. at least two of its valid codes carry a value label (codes that are declared missing, in the
   file or in the codebook, do not count), and
2. every valid value observed in the data carries a value label (without data this holds).

Otherwise it is numeric: unlabelled; labelled only for special codes (98 "weet niet", 99 "geen
antwoord", declared missing or not); a 0-10 scale with labels for its end points; a count with a
label for 0 only. Text variables are always categorical. The declared measure plays no part: a
codebook that wants a labelled variable treated as numbers says so with ``range`` (``clean``
then keeps it numeric and drops its labels), and ``survey estimate --stat mean`` asks for a mean
of anything numeric.

It does not read files and does not decide which codes are missing (the file's declared missing
values and the codebook's ``missing`` do).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey.io.meta import VariableMeta

__all__ = ["LabelCoverage", "label_coverage"]

#: How many unlabelled values a coverage keeps as examples (for messages).
EXAMPLES = 3


@dataclass(frozen=True)
class LabelCoverage:
    """How the value labels of a variable cover its valid codes and its observed values.

    Attributes
    ----------
    name
        The variable.
    text
        True for a string variable (always categorical).
    labelled
        Valid codes (not missing) that carry a label, in the file's order.
    n_unlabelled
        Number of distinct valid values observed in the data without a label (0 without data).
    examples
        The smallest of those values, at most :data:`EXAMPLES`.
    labelled_rows
        Code -> number of rows holding that labelled valid code (empty without data).
    """

    name: str
    text: bool
    labelled: tuple[Any, ...]
    n_unlabelled: int = 0
    examples: tuple[float, ...] = ()
    labelled_rows: tuple[tuple[Any, int], ...] = ()

    @property
    def categorical(self) -> bool:
        """True when the variable is categorical by the rule of this module."""
        return self.text or (len(self.labelled) >= 2 and self.n_unlabelled == 0)

    def reason(self) -> str:
        """Why a labelled numeric variable is numeric, in words for a message ('' if it is not)."""
        if self.categorical or not self.labelled:
            return ""
        if self.n_unlabelled:
            shown = ", ".join(f"{x:g}" for x in self.examples)
            more = ", ..." if self.n_unlabelled > len(self.examples) else ""
            return f"{self.n_unlabelled} observed value(s) have no label ({shown}{more})"
        return "only one valid code has a label"


def label_coverage(
    var: VariableMeta, values: pd.Series | None = None, missing: Collection[Any] = ()
) -> LabelCoverage:
    """Compare a variable's value labels with its valid codes and observed values.

    Parameters
    ----------
    var
        The variable's metadata (value labels, declared missing values and ranges).
    values
        Its data (raw codes, or with user-missing values already NaN), or None: the rule then
        looks at the labels only.
    missing
        Further codes that are no valid answer (a codebook's ``missing``).

    Returns
    -------
    LabelCoverage
        The coverage; ``.categorical`` applies the rule of this module.

    Examples
    --------
    >>> yes_no = VariableMeta("q1", measure="scale", value_labels={1.0: "Ja", 2.0: "Nee",
    ...                       9.0: "Weet niet"}, missing_values=(9.0,))
    >>> label_coverage(yes_no, pd.Series([1.0, 2.0, 9.0, 1.0])).categorical
    True
    >>> age = VariableMeta("age", value_labels={98.0: "weet niet", 99.0: "geen antwoord"})
    >>> coverage = label_coverage(age, pd.Series([23.0, 41.0, 99.0]))
    >>> coverage.categorical, coverage.reason()
    (False, '2 observed value(s) have no label (23, 41)')
    """
    if var.type == "string":
        return LabelCoverage(var.name, True, tuple(var.value_labels))
    gone = set(missing)
    codes = pd.Series(list(var.value_labels), dtype=float)
    declared = var.is_user_missing(codes).to_numpy()
    labelled = tuple(
        code
        for code, is_missing in zip(var.value_labels, declared, strict=True)
        if not is_missing and code not in gone
    )
    if values is None:
        return LabelCoverage(var.name, False, labelled)
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    valid = numbers[~numbers.isin(list(gone)) & ~var.is_user_missing(numbers)]
    counts = valid.value_counts()
    observed = np.asarray(counts.index, dtype=float)
    unlabelled = np.sort(observed[~np.isin(observed, np.asarray(labelled, dtype=float))])
    return LabelCoverage(
        var.name,
        False,
        labelled,
        n_unlabelled=int(unlabelled.size),
        examples=tuple(float(x) for x in unlabelled[:EXAMPLES]),
        labelled_rows=tuple((code, int(counts.get(code, 0))) for code in labelled),
    )
