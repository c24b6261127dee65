"""The one number formatter: how every number is written for people, in Dutch or English.

Figures (labels, ticks, alt text), report tables, the reproduction table, the terminal table of
``survey estimate`` and the notebooks all write numbers with these functions, so that a value
reads the same everywhere: the same rounding, the same separators, the same decimals for an
estimate and its confidence interval, the same dash for a missing value.

The rules:

* **Rounding is half up** (half away from zero), as printed reports round: 0.025 is "3%",
  0.0285 is "2,9%" at one decimal, -2.25 is "−2,3" at one decimal. A float is first read at
  15 significant digits (``format(x, ".15g")``, the precision a double holds reliably) and then
  rounded as a :class:`decimal.Decimal`, so neither the binary representation (0.285 is stored
  as 0.28499999999999997...) nor the error of a scaling multiplication
  (``0.575 * 100 == 57.49999999999999``) can turn a half down. Percentages are scaled by 100
  in decimal arithmetic, after that reading.
* **Separators**: ``"nl"`` writes a decimal comma and a thousands point (``1.234,5``), ``"en"``
  a decimal point and a thousands comma (``1,234.5``).
* **Negative numbers** carry the minus sign U+2212 (``−2,3``), the sign the figures' axes
  write too (matplotlib's ``axes.unicode_minus``), not the hyphen-minus of a word break or of
  "Noord-Brabant"; a value that rounds to zero is written without a sign (``0,0``, never
  ``−0,0``). Files that machines read (CSV, XLSX) keep their raw numbers and never pass through
  this module.
* **Missing values** (``None``, NaN, ``pd.NA``, infinities) are written as :data:`MISSING`,
  ``[x]`` ("not available", the flag of government statistics tables) as the report shows it.
* **An estimate and its interval** are written with the same decimals (:func:`format_ci`,
  :func:`format_with_ci`); an interval with a missing bound is missing as a whole.
* **An interval** is ``low–high`` with an en dash (``21–29%``); when a bound is negative the dash
  would read as a second minus, so the bounds are joined by the word ``tot``/``to``
  (``−16,2 tot −5,6%``, ``−16.2 to −5.6%``).

This module does not decide which decimals a table column or a figure uses (the report layout
and the chart functions do), does not translate words (``survey.report.texts`` and the figures'
own few words) and does not suppress or flag cells (``survey.disclosure``, ``survey.report.render``).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal
from numbers import Integral
from typing import Any

__all__ = [
    "LANGUAGES",
    "MINUS",
    "MISSING",
    "format_ci",
    "format_count",
    "format_number",
    "format_percent",
    "format_pvalue",
    "format_with_ci",
    "percent_decimals",
    "round_half_up",
]

#: The languages numbers can be written in.
LANGUAGES: tuple[str, ...] = ("nl", "en")

#: What a missing value is written as: an en dash.
MISSING = "[x]"

#: The dash between the bounds of an interval.
_RANGE_DASH = "\u2013"

#: The word between the bounds of an interval with a negative bound, per language.
_RANGE_WORD = {"nl": " tot ", "en": " to "}

#: The minus sign of a negative number (U+2212, not the hyphen-minus).
MINUS = "\u2212"

#: Significant digits a float is read at before it is rounded (the reliable digits of a double).
_SIGNIFICANT = 15

#: Decimal context with room for any double's digits (the default 28 is too few for 1e30).
_CONTEXT = Context(prec=400)

#: Dutch separators: decimal comma, thousands point (swapped from the English format).
_NL_SEPARATORS = str.maketrans(",.", ".,")

_HUNDRED = Decimal(100)


def _language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} for numbers; use one of {list(LANGUAGES)}")
    return lang


def _decimal(value: Any) -> Decimal | None:
    """The value as a Decimal read at 15 significant digits; None when missing or not finite."""
    if value is None:
        return None
    if isinstance(value, str | bytes):
        raise TypeError(f"cannot format the text {value!r} as a number")
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, Integral) and not isinstance(value, bool):
        return Decimal(int(value))
    try:
        number = float(value)
    except (TypeError, ValueError):
        # pd.NA and pd.NaT cannot be converted; anything else that cannot is not a number
        if _is_na(value):
            return None
        raise TypeError(f"cannot format {value!r} as a number") from None
    if not math.isfinite(number):
        return None
    return Decimal(format(number, f".{_SIGNIFICANT}g"))


def _is_na(value: Any) -> bool:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        return False
    return value is pd.NA or value is pd.NaT


def _rounded(number: Decimal, decimals: int) -> Decimal:
    """Half away from zero to ``decimals`` places; a zero loses its sign."""
    if decimals < 0:
        raise ValueError(f"decimals must be 0 or more, got {decimals}")
    rounded = number.quantize(
        Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=_CONTEXT
    )
    return rounded.copy_abs() if rounded.is_zero() else rounded


def _written(number: Decimal, lang: str, decimals: int) -> str:
    text = f"{_rounded(number, decimals):,.{decimals}f}".replace("-", MINUS)
    return text.translate(_NL_SEPARATORS) if lang == "nl" else text


def round_half_up(value: float | Decimal | None, decimals: int = 0) -> float:
    """Round as printed figures are rounded: half away from zero.

    Parameters
    ----------
    value
        The value.
    decimals
        Digits after the decimal point (0 or more).

    Returns
    -------
    float
        The rounded value; NaN for a missing value, an infinity unchanged. Never ``-0.0``.

    Notes
    -----
    The float is read at 15 significant digits and rounded as a :class:`decimal.Decimal`
    (``ROUND_HALF_UP``), so a half stays a half whatever its binary representation or the error
    of the multiplication that made it. Python's :func:`round` rounds half to even on the
    binary value instead (``round(2.5) == 2``, ``round(0.285, 2) == 0.28``).

    Examples
    --------
    >>> round_half_up(2.5), round_half_up(3.85, 1), round_half_up(0.575 * 100)
    (3.0, 3.9, 58.0)
    >>> round_half_up(-2.25, 1), round_half_up(-0.0001, 1)
    (-2.3, 0.0)
    """
    number = _decimal(value)
    if number is None:
        if isinstance(value, float | int) and not isinstance(value, bool):
            return float(value)  # NaN or an infinity
        return math.nan
    return float(_rounded(number, decimals))


def format_number(value: float | Decimal | None, lang: str = "nl", decimals: int = 1) -> str:
    """Write a number as the language does, rounded half up.

    Parameters
    ----------
    value
        The number.
    lang
        ``"nl"`` (decimal comma, thousands point) or ``"en"`` (decimal point, thousands comma).
    decimals
        Digits after the decimal separator.

    Returns
    -------
    str
        The number, with the minus sign :data:`MINUS` for negative values; :data:`MISSING` for
        a missing one.

    Raises
    ------
    ValueError
        An unknown language.

    Examples
    --------
    >>> format_number(1234.56, "nl"), format_number(1234.56, "en")
    ('1.234,6', '1,234.6')
    >>> format_number(2.675, "en", 2), format_number(-2.25, "nl"), format_number(None, "en")
    ('2.68', '−2,3', '[x]')
    """
    _language(lang)
    number = _decimal(value)
    if number is None:
        return MISSING
    return _written(number, lang, decimals)


def percent_decimals(p: float | Decimal | None) -> int:
    """The decimals of a percentage label that shows about two digits.

    One decimal below 10% unless the value rounds to a whole percentage anyway, none from 10% up;
    the rule of the figures' data labels.

    Parameters
    ----------
    p
        A proportion (0-1).

    Returns
    -------
    int
        1 or 0 (0 for a missing value).

    Examples
    --------
    >>> percent_decimals(0.039), percent_decimals(0.04), percent_decimals(0.263)
    (1, 0, 0)
    """
    number = _decimal(p)
    if number is None:
        return 0
    pct = number * _HUNDRED
    if abs(pct) < 10 and _rounded(pct, 1) != _rounded(pct, 0):
        return 1
    return 0


def format_percent(p: float | Decimal | None, lang: str = "nl", decimals: int | None = None) -> str:
    """Write a proportion (0-1) as a percentage, rounded half up.

    Parameters
    ----------
    p
        The proportion.
    lang
        ``"nl"`` or ``"en"``.
    decimals
        Digits after the decimal separator; None for the label rule of
        :func:`percent_decimals` (one below 10%, unless whole, else none).

    Returns
    -------
    str
        For example ``"26%"`` or ``"3,9%"`` (``"3.9%"`` in English); :data:`MISSING` for a
        missing value.

    Examples
    --------
    >>> format_percent(0.039), format_percent(0.039, "en"), format_percent(0.263)
    ('3,9%', '3.9%', '26%')
    >>> format_percent(0.025, "nl", 0), format_percent(0.0285, "en", 1)
    ('3%', '2.9%')
    """
    _language(lang)
    number = _decimal(p)
    if number is None:
        return MISSING
    places = percent_decimals(number) if decimals is None else decimals
    return f"{_written(number * _HUNDRED, lang, places)}%"


def format_ci(
    low: float | Decimal | None,
    high: float | Decimal | None,
    lang: str = "nl",
    decimals: int = 0,
    percent: bool = True,
) -> str:
    """Write a confidence interval as ``low–high``, both bounds with the same decimals.

    An interval with a negative bound is written ``low tot high`` (``to`` in English): an en
    dash beside a minus sign reads as a second minus (``−16,2–−5,6%``).

    Parameters
    ----------
    low, high
        The bounds: proportions (0-1) when ``percent``, else numbers.
    lang
        ``"nl"`` or ``"en"``.
    decimals
        Digits after the decimal separator, the same as the estimate's.
    percent
        Write the bounds as percentages, with one ``%`` after the upper bound.

    Returns
    -------
    str
        For example ``"21–29%"``, ``"27,30–35,60"`` or ``"−16,2 tot −5,6%"``; :data:`MISSING`
        when either bound is missing.

    Examples
    --------
    >>> format_ci(0.213, 0.291, "en")
    '21–29%'
    >>> format_ci(0.2134, 0.2917, "nl", 1), format_ci(27.3, 35.6, "nl", 2, percent=False)
    ('21,3–29,2%', '27,30–35,60')
    >>> format_ci(-0.162, -0.056, "nl", 1), format_ci(-0.162, 0.056, "en", 1)
    ('−16,2 tot −5,6%', '−16.2 to 5.6%')
    >>> format_ci(float("nan"), 0.2)
    '[x]'
    """
    _language(lang)
    lower, upper = _decimal(low), _decimal(high)
    if lower is None or upper is None:
        return MISSING
    scale = _HUNDRED if percent else Decimal(1)
    lo, hi = _written(lower * scale, lang, decimals), _written(upper * scale, lang, decimals)
    between = _RANGE_WORD[lang] if MINUS in lo + hi else _RANGE_DASH
    return f"{lo}{between}{hi}{'%' if percent else ''}"


def format_with_ci(
    estimate: float | Decimal | None,
    ci_low: float | Decimal | None,
    ci_high: float | Decimal | None,
    lang: str = "nl",
    decimals: int | None = None,
    percent: bool = True,
) -> str:
    """Write an estimate with its confidence interval, e.g. ``"26% (21–31%)"``.

    Parameters
    ----------
    estimate, ci_low, ci_high
        The estimate and its interval (proportions 0-1 when ``percent``).
    lang
        ``"nl"`` or ``"en"``.
    decimals
        Digits after the decimal separator, for the estimate and both bounds; None for
        :func:`percent_decimals` of the estimate (percentages) or 2 (numbers).
    percent
        Write percentages.

    Returns
    -------
    str
        The estimate and, when both bounds are there, the interval in brackets;
        :data:`MISSING` for a missing estimate.

    Examples
    --------
    >>> format_with_ci(0.2612, 0.2101, 0.3149, "en", 0)
    '26% (21–31%)'
    >>> format_with_ci(0.039, 0.025, 0.055)
    '3,9% (2,5–5,5%)'
    >>> format_with_ci(3.214, 3.01, 3.42, "en", percent=False), format_with_ci(0.5, None, 0.6)
    ('3.21 (3.01–3.42)', '50%')
    """
    _language(lang)
    point = _decimal(estimate)
    if point is None:
        return MISSING
    if decimals is None:
        decimals = percent_decimals(point) if percent else 2
    text = (
        format_percent(point, lang, decimals) if percent else format_number(point, lang, decimals)
    )
    interval = format_ci(ci_low, ci_high, lang, decimals, percent)
    return text if interval == MISSING else f"{text} ({interval})"


def format_pvalue(p: float | Decimal | None, lang: str = "nl") -> str:
    """Write a p-value: three decimals, or ``"< 0,001"`` below 0.001.

    Parameters
    ----------
    p
        The p-value.
    lang
        ``"nl"`` or ``"en"``.

    Returns
    -------
    str
        For example ``"0,032"`` or ``"< 0,001"``; :data:`MISSING` for a missing value.

    Examples
    --------
    >>> format_pvalue(0.0004), format_pvalue(0.0321, "en"), format_pvalue(0.0325, "en")
    ('< 0,001', '0.032', '0.033')
    """
    _language(lang)
    number = _decimal(p)
    if number is None:
        return MISSING
    if number < Decimal("0.001"):
        return f"< {_written(Decimal('0.001'), lang, 3)}"
    return _written(number, lang, 3)


def format_count(n: float | Decimal | None, lang: str = "nl") -> str:
    """Write a count: a whole number with thousands separators.

    Parameters
    ----------
    n
        The count (a weighted count is rounded half up).
    lang
        ``"nl"`` or ``"en"``.

    Returns
    -------
    str
        For example ``"1.234"`` (``"1,234"`` in English); :data:`MISSING` for a missing value.

    Examples
    --------
    >>> format_count(1234, "nl"), format_count(1234, "en"), format_count(12.5, "en")
    ('1.234', '1,234', '13')
    """
    return format_number(n, lang, 0)
