"""Survey-analytics pipeline for employer surveys delivered as SPSS exports.

The package turns raw SPSS exports of the WEA and BESO employer surveys into validated,
cleaned and weighted data, design-based estimates and a report. Each stage is a module with
one responsibility; the ``survey`` command, the Makefile and the notebooks call the same
functions.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("survey")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
