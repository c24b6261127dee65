"""Make text from data files safe for where the project writes it: CSV cells, terminals, XML.

Labels, variable names and values come from files the project did not make, so they may hold
what a spreadsheet, a terminal or an XML parser reads as instructions rather than text:

* a spreadsheet runs a CSV cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return as a formula (OWASP "CSV Injection"); :func:`csv_cell` and :func:`csv_frame` prefix such
  a text cell with a single quote, so it is shown as the text it is;
* a terminal obeys control characters and ANSI escape sequences (colours, cursor moves, window
  titles, hyperlinks), and Unicode bidi controls reorder what is shown ("Trojan Source");
  :func:`terminal_text` removes them and :func:`json_escape_unsafe` writes them in JSON as
  ``\\uXXXX`` escapes instead, so JSON stays lossless and still prints safely;
* XML 1.0 cannot hold most control characters at all; :func:`xml_text` removes them.

This module does not escape markup (``<``, ``&``): Jinja2, matplotlib and
:func:`xml.sax.saxutils.escape` do that where markup is written. It does not decide where
each function is applied (the CLI, the report export and the figure writer do).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = [
    "CSV_FORMULA_STARTS",
    "csv_cell",
    "csv_frame",
    "json_escape_unsafe",
    "terminal_text",
    "xml_text",
]

#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP).
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# A number as a spreadsheet reads it: "-0.12" and "+3" are numbers, not formulas.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

# ECMA-48 escape sequences, 7-bit (ESC ...) and 8-bit (C1 CSI U+009B, OSC U+009D, ...):
# CSI (colours, cursor moves), string commands (OSC window titles and hyperlinks, DCS, APC, PM,
# SOS) up to their terminator (BEL or ST), and the two- and three-character ESC sequences.
# An unterminated string command loses only its introducer; its text stays visible.
_ANSI = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"
)
# What is left after the sequences: C0 and C1 controls but tab and newline, DEL, the bidi
# embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), the LRM/RLM/ALM marks.
_TERMINAL_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
# Characters a terminal cannot be sent at all (lone surrogates from undecodable bytes).
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Inside a single-line field, line and column breaks become spaces.
_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
# What JSON may hold unescaped but a terminal must not see: DEL, C1, bidi controls.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
# Characters XML 1.0 cannot hold (https://www.w3.org/TR/xml/#charsets).
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def csv_cell(value: Any) -> Any:
    """Neutralise one CSV cell against formula injection.

    A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading single quote, which spreadsheets show as text and do not run. Numbers, missing
    values and text that is itself a plain number (``"-0.12"``, ``"+3"``, as a code column
    holds them) are returned unchanged: a spreadsheet reads those as numbers, never as formulas.

    Parameters
    ----------
    value
        The cell, of any type.

    Returns
    -------
    object
        ``value``, or ``"'" + value`` for text that a spreadsheet would run.

    References
    ----------
    OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection

    Examples
    --------
    >>> csv_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> csv_cell("-9--1"), csv_cell("-0.12"), csv_cell(-0.12), csv_cell("Noord-Brabant")
    ("'-9--1", '-0.12', -0.12, 'Noord-Brabant')
    """
    if isinstance(value, str) and value.startswith(CSV_FORMULA_STARTS):
        if not _NUMBER.fullmatch(value):
            return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a frame with every text cell and column name passed through :func:`csv_cell`.

    Numeric columns are not touched, so their numbers (negative ones included) are written as
    numbers; in text and mixed columns only the ``str`` cells change.

    Parameters
    ----------
    frame
        The frame about to be written with :meth:`pandas.DataFrame.to_csv`.

    Returns
    -------
    pandas.DataFrame
        A new frame; ``frame`` is unchanged.

    Examples
    --------
    >>> df = pd.DataFrame({"label": ["=1+1", "Ja"], "estimate": [-0.12, 0.5]})
    >>> print(csv_frame(df).to_csv(index=False), end="")
    label,estimate
    '=1+1,-0.12
    Ja,0.5
    """
    out = frame.copy()
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
            continue
        out.isetitem(position, column.astype(object).map(csv_cell))
    out.columns = pd.Index([csv_cell(name) for name in frame.columns])
    return out


def terminal_text(text: str, *, single_line: bool = False) -> str:
    """Text with nothing a terminal would obey: no escape sequences, controls or bidi controls.

    ANSI/ECMA-48 escape sequences are removed whole (``ESC [ 31 m``, an ``ESC ]`` window title
    up to its terminator); then the remaining C0 and C1 control characters (all but tab and
    newline), DEL and the Unicode bidi controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F,
    U+061C). Lone surrogates (from bytes that did not decode) become U+FFFD, so printing never
    fails. Everything else, accents and right-to-left letters included, is kept.

    Parameters
    ----------
    text
        A message or a formatted table, possibly holding text from a data file.
    single_line
        Also turn tabs, newlines and other line breaks into single spaces: for one value (a
        label) put inside a line, so it cannot start a line of its own.

    Returns
    -------
    str
        The text to print.

    Examples
    --------
    >>> terminal_text("\\x1b[31mrood\\x1b[0m\\tok\\r\\n\\u202eevil")
    'rood\\tok\\nevil'
    >>> terminal_text("label\\nerror: fake", single_line=True)
    'label error: fake'
    """
    text = _ANSI.sub("", text)
    if single_line:
        text = _BREAKS.sub(" ", text)
    text = _TERMINAL_UNSAFE.sub("", text)
    return _SURROGATE.sub("\ufffd", text)


def json_escape_unsafe(json_text: str) -> str:
    """JSON text with DEL, C1 controls and bidi controls written as ``\\uXXXX`` escapes.

    :func:`json.dumps` with ``ensure_ascii=False`` escapes C0 controls but leaves these as they
    are; escaped, the JSON decodes to the same values and prints safely on a terminal. Outside
    strings JSON text is ASCII, so every replaced character was inside a string.

    Parameters
    ----------
    json_text
        Output of :func:`json.dumps`.

    Returns
    -------
    str
        Equivalent JSON text.

    Examples
    --------
    >>> import json
    >>> text = json_escape_unsafe(json.dumps({"label": "a\\u202eb"}, ensure_ascii=False))
    >>> text, json.loads(text)["label"] == "a\\u202eb"
    ('{"label": "a\\\\u202eb"}', True)
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json_text)


def xml_text(text: str) -> str:
    """Text without the characters XML 1.0 cannot hold (most C0 controls, U+FFFE, U+FFFF).

    Tab, newline and carriage return are kept; markup characters are not escaped here.

    Parameters
    ----------
    text
        Text, or markup whose text may hold such characters.

    Returns
    -------
    str
        The text without them.

    Examples
    --------
    >>> xml_text("Ja\\x01\\x1b[0m")
    'Ja[0m'
    """
    return _XML_INVALID.sub("", text)
