"""Write the report HTML as a PDF with WeasyPrint.

The page size (A4), margins, page numbers ("3 / 12") and the per-page synthetic-data note come
from the ``@page`` rules in the HTML's own stylesheet, so the PDF and the printed HTML agree.
WeasyPrint makes PDF bookmarks from the ``h1``-``h3`` headings, embeds (subsets of) the fonts
it uses and writes real, selectable text.

The PDF is PDF/UA-1 (ISO 14289-1, accessible PDF): WeasyPrint's ``pdf_variant="pdf/ua-1"``
writes a tagged PDF 1.7 (headings, paragraphs, lists, tables with TH and TD cells, captions,
figures whose alternate text is the ``<title>`` of their SVG), the document's language
(``<html lang>``) as ``/Lang``, the title (``<title>``) in the document information and as
``dc:title`` in the XMP metadata, which also declares ``pdfuaid:part 1``, and asks viewers to
show the title rather than the file name. What WeasyPrint reports as missing for PDF/UA (an
image without alternate text, a document without a language) is an error here, not a log line.

Pages are A4 portrait; a table that does not fit the width of a portrait page even at its
narrowest (its text columns at their minimum width, see the stylesheet) is laid out again on
A4 landscape pages of its own (:func:`wide_tables`): a table is never cut off at the page edge.

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
import re
from collections.abc import Iterator
from typing import Any

from survey.errors import InputError
from survey.io import atomic_output

__all__ = ["PDF_VARIANT", "wide_tables", "write_pdf"]

#: The PDF standard the report follows.
PDF_VARIANT = "pdf/ua-1"


class _Collect(logging.Handler):
    """Keeps WeasyPrint's error messages (an image without alt text, no document language)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


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


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


#: A long table (this many body rows or more) whose rows average more lines than this is
#: cramped on a portrait page: its text columns are squeezed to a few words.
_CRAMPED_ROWS, _CRAMPED_LINES = 10, 4.5


def _lines(row: Any) -> float:
    """The height of a table row in lines of its text."""
    size = float(row.style["font_size"])
    height = row.style["line_height"]  # "normal", a factor, or a length
    if height == "normal":
        line = 1.2 * size
    elif isinstance(height, int | float):
        line = float(height) * size
    else:
        line = height.value * size if height.unit is None else float(height.value)
    return float(row.height) / line


def wide_tables(document: Any) -> list[str]:
    """The report tables (``tab-<id>``) a portrait page is too narrow for.

    A table is too wide when it runs past the right edge of the page's text area even at its
    narrowest, or when it is long and cramped (10 rows or more, averaging over 4.5 lines a
    row: its text columns squeezed to a few words each).

    Parameters
    ----------
    document
        A rendered WeasyPrint document (``weasyprint.HTML(...).render()``).

    Returns
    -------
    list of str
        The table ids, e.g. ``["reproduction"]``, in the order they first appear.

    Examples
    --------
    >>> import weasyprint
    >>> html = '<table id="tab-t" style="width: 30cm"><tr><td>x</td></tr></table>'
    >>> wide_tables(weasyprint.HTML(string=html).render())
    ['t']
    """
    found: dict[str, None] = {}
    lines: dict[str, list[float]] = {}
    for page in document.pages:
        page_box = page._page_box  # WeasyPrint's layout tree (a private, stable attribute)
        right = page_box.content_box_x() + page_box.width
        for box in _boxes(page_box):
            element_id = box.element.get("id", "") if box.element is not None else ""
            if box.element_tag != "table" or not element_id.startswith("tab-"):
                continue
            table = element_id.removeprefix("tab-")
            if box.position_x + box.margin_width() > right + 1:  # CSS px; 1 px = 0.75 pt
                found[table] = None
            if hasattr(box, "column_widths"):  # the table itself, not its wrapper
                for group in box.children:
                    if group.element_tag == "tbody":
                        lines.setdefault(table, []).extend(_lines(row) for row in group.children)
    for table, heights in lines.items():
        if len(heights) >= _CRAMPED_ROWS and sum(heights) / len(heights) > _CRAMPED_LINES:
            found[table] = None
    return list(found)


_SECTION = re.compile(r'<section id="sec-[^"]+" class="([^"]+)"')
_FIRST_BLOCK = re.compile(r'<div class="table-block[^"]*" id="tab-([^"]+)-block">|</section>')


def _on_landscape_pages(html: str, tables: list[str]) -> str:
    """The HTML with ``tables`` classed ``wide`` (A4 landscape pages in the stylesheet).

    A wide table that is its section's first (after the heading and paragraphs) takes its
    whole section to landscape pages, so that the heading is not left alone on a portrait page.
    """
    wide = set(tables)
    out, position = [], 0
    for section in _SECTION.finditer(html):
        first = _FIRST_BLOCK.search(html, section.end())
        if first is not None and first.group(1) in wide:
            out.append(html[position : section.start(1)] + section.group(1) + " wide")
            position = section.end(1)
            wide.discard(first.group(1))
    html = "".join(out) + html[position:]
    for table in sorted(wide):
        block = re.compile(rf'(<div class="table-block[^"]*)(" id="tab-{re.escape(table)}-block">)')
        html = block.sub(r"\1 wide\2", html, count=1)
    return html


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
        When the HTML refers to an external resource (it would be missing from the PDF), or
        lacks what PDF/UA requires (alternate text of an image, the document's language).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "report.pdf"
    >>> write_pdf('<html lang="en"><title>T</title><p>Hello</p></html>', path)
    >>> path.read_bytes()[:8]
    b'%PDF-1.7'
    """
    import weasyprint  # imported here: loading Pango takes a moment and only the PDF needs it

    fetcher = _refusing_fetcher()
    # WeasyPrint logs refused fetches as warnings; the check below reports them instead. Its
    # errors (what PDF/UA misses) are collected and raised.
    logger = logging.getLogger("weasyprint")
    previous = logger.level
    errors = _Collect()
    logger.setLevel(logging.ERROR)
    logger.addHandler(errors)
    try:
        document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).render()
        too_wide = wide_tables(document)
        if too_wide:
            landscape = _on_landscape_pages(html, too_wide)
            document = weasyprint.HTML(
                string=landscape, base_url=None, url_fetcher=fetcher
            ).render()
        if fetcher.requested:
            raise InputError(
                "the report HTML refers to resources outside the file: "
                + ", ".join(sorted(set(fetcher.requested))),
                hint="inline them (CSS in <style>, figures as inline SVG)",
            )
        pdf = document.write_pdf(pdf_identifier=None, pdf_variant=PDF_VARIANT)
    finally:
        logger.removeHandler(errors)
        logger.setLevel(previous)
    if errors.messages:
        raise InputError(
            "the report PDF would not be accessible (PDF/UA-1): " + "; ".join(errors.messages),
            hint="give every image an alt text and the <html> element a lang attribute",
        )
    with atomic_output(path) as tmp:
        tmp.write_bytes(pdf)
