"""The report as a print-ready A4 PDF, made from the same HTML with WeasyPrint.

WeasyPrint (https://weasyprint.org, BSD licence, Pango for the text) lays out the report's
HTML with its print stylesheet (``@page { size: A4 }``, a page break before every
Steckbrief, page numbers in the footer; see :data:`pipeline.publish.report.PRINT_CSS`).
The maps and charts are inline SVG, so they stay vectors in the PDF.

The PDF is deterministic: the same HTML gives the same bytes. WeasyPrint takes creation
and modification dates only from ``<meta name="dcterms.created">``/``modified`` (the report
writes none), the file identifier is derived from the content here
(``pdf_identifier``), and the embedded font subsets get a fixed ``head.modified`` date
(fontTools stamps them with the clock unless ``SOURCE_DATE_EPOCH`` is set, so it is set
while rendering): nothing comes from the clock. Nothing is fetched while rendering: a URL
fetcher refuses everything but ``data:`` URLs, so a stray link fails the write instead of
reaching the internet.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from pipeline.files import atomic_path

__all__ = ["PdfError", "html_to_pdf", "write_pdf"]

#: Date the embedded font subsets carry (2022-05-15, the Zensus reference day), as seconds
_FONT_EPOCH = "1652572800"


class PdfError(RuntimeError):
    """The PDF could not be made (WeasyPrint or its Pango libraries missing, bad HTML)."""


def _fetcher():
    """A WeasyPrint URL fetcher that serves ``data:`` URLs and refuses all others."""
    from weasyprint.urls import URLFetcher

    class _Offline(URLFetcher):
        def fetch(self, url, headers=None):  # noqa: D401 - WeasyPrint's interface
            if not str(url).startswith("data:"):
                raise PdfError(f"the report links to {url!r}: nothing may be fetched")
            return super().fetch(url, headers)

    return _Offline()


def html_to_pdf(text: str) -> bytes:
    """The PDF of an HTML document (with its print CSS) as bytes, the same for the same text.

    Raises
    ------
    PdfError
        When WeasyPrint cannot be imported (``pip install weasyprint``; Debian
        ``libpango-1.0-0 libpangoft2-1.0-0``) or cannot render the document.
    """
    try:
        import weasyprint
    except (ImportError, OSError) as err:  # OSError: Pango libraries missing
        raise PdfError(f"WeasyPrint is not usable ({err}); install the Python package "
                       "weasyprint and the Debian packages libpango-1.0-0 libpangoft2-1.0-0"
                       ) from err
    identifier = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32].encode("ascii")
    # WeasyPrint warns about CSS it ignores (screen-only properties); not the user's concern
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = _FONT_EPOCH  # fontTools' subsets: no clock in the bytes
    try:
        document = weasyprint.HTML(string=text, base_url=None,
                                   url_fetcher=_fetcher()).render()
        document.metadata.created = None
        document.metadata.modified = None
        return document.write_pdf(pdf_identifier=identifier)
    except PdfError:
        raise
    except Exception as err:  # WeasyPrint raises many kinds; say what failed
        raise PdfError(f"WeasyPrint could not render the report: {err}") from err
    finally:
        if epoch is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = epoch


def write_pdf(path: str | os.PathLike, text: str) -> Path:
    """Write the PDF of the HTML ``text`` atomically to ``path``; returns the path."""
    data = html_to_pdf(text)
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path
