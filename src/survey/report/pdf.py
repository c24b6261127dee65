"""Write the report HTML as a PDF with WeasyPrint.

The page size (A4), margins, page numbers ("3 / 12") and the per-page synthetic-data note come
from the ``@page`` rules in the HTML's own stylesheet, so the PDF and the printed HTML agree.
WeasyPrint makes PDF bookmarks from the ``h1``-``h3`` headings, embeds (subsets of) the fonts
it uses and writes real, selectable text.

The PDF is reproducible: no creation or modification date is written (WeasyPrint only writes
them when the HTML has ``dcterms.created``/``dcterms.modified`` meta elements, which the report
has not) and no random file identifier; the same HTML gives the same bytes with the same
WeasyPrint, Pango and font versions.

Nothing is fetched: every URL the HTML would load is refused, and such a reference is an error,
because the report must be self-contained.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from survey.errors import InputError
from survey.io import atomic_output

__all__ = ["write_pdf"]


def _refusing_fetcher() -> Any:
    """A WeasyPrint URL fetcher that fetches nothing and remembers what was asked for."""
    from weasyprint.urls import URLFetcher

    class RefuseFetcher(URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(allowed_protocols=())
            self.requested: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            self.requested.append(url)
            raise ValueError(f"the report must be self-contained; refusing to fetch {url}")

    return RefuseFetcher()


def write_pdf(html: str, path: str | os.PathLike[str]) -> None:
    """Render report HTML to a PDF file, atomically.

    Parameters
    ----------
    html
        A self-contained HTML document, as made by :func:`survey.report.render.render_html`.
    path
        The PDF to write; it is replaced only when the whole PDF is ready.

    Raises
    ------
    survey.errors.InputError
        When the HTML refers to an external resource (it would be missing from the PDF).
    """
    import weasyprint  # imported here: loading Pango takes a moment and only the PDF needs it

    fetcher = _refusing_fetcher()
    # WeasyPrint logs refused fetches as warnings; the check below reports them instead.
    logger = logging.getLogger("weasyprint")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).render()
    finally:
        logger.setLevel(previous)
    if fetcher.requested:
        raise InputError(
            "the report HTML refers to resources outside the file: "
            + ", ".join(sorted(set(fetcher.requested))),
            hint="inline them (CSS in <style>, figures as inline SVG)",
        )
    with atomic_output(path) as tmp:
        document.write_pdf(tmp, pdf_identifier=None, pdf_tags=True)
