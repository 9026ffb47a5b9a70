"""The report's A4 PDF (WeasyPrint): page size, extractable text, index, determinism.

Built once per module from the small synthetic publication of ``test_report`` (six social
spaces), read back with ``pypdf``:

- every page is an A4 sheet (595 x 842 pt) and there are two pages per Steckbrief;
- the text is extractable and holds the Steckbrief of a named space, which starts on a
  page of its own and continues on the next one (its indicator table);
- the Sozialindex of that space in the PDF is the ``social_index`` of the GeoPackage
  written from the same publication, under the same name;
- two writes of the same input give byte-identical files (no creation date, identifier
  from the content), and the write is atomic (no temporary file left).
"""

import pytest

from pipeline.publish.report import build_report, write_report
from tests.publish.test_report import _catalog, _publication

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf")
    pub, munis, county = _publication()
    html = folder / "sozialraumbericht.html"
    pdf = folder / "sozialraumbericht.pdf"
    write_report(html, pub, _catalog(), munis, county, county_name="Kreis Rurtal",
                 pdf_path=pdf)
    return pub, html, pdf


@pytest.fixture(scope="module")
def pages(written):
    reader = pypdf.PdfReader(written[2])
    return reader, [page.extract_text() for page in reader.pages]


def test_every_page_is_a4(pages):
    reader, texts = pages
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
             for p in reader.pages}
    assert sizes == {(595, 842)}
    assert len(texts) >= 2 * 6 + 3  # two pages per Steckbrief, summary, index, method
    assert "Seite 1 von" in texts[0]


def test_steckbrief_of_a_named_space_on_two_pages(pages):
    _, texts = pages
    first = [i for i, t in enumerate(texts) if "Nr. 3 · Jülfeld (SR-05399-003)" in t]
    assert len(first) == 1
    page = texts[first[0]]
    assert "Kennzahlen" in page and "Einwohner" in page and "2\u202f600" in page
    assert "Gemeinden" in page and "Jülfeld" in page
    assert "Nr. 3 · Jülfeld: Indikatoren" in texts[first[0] + 1]
    assert "Anteil unter 18 Jahren" in texts[first[0] + 1]


def test_index_name_and_value_agree_with_the_geopackage(written, pages, tmp_path):
    import pyogrio

    from pipeline.publish.geopackage import publish_geopackage

    pub, _, _ = written
    gpkg = publish_geopackage(tmp_path / "sozialraeume.gpkg", {"sozialraeume": pub.regions})
    layer = pyogrio.read_dataframe(gpkg, layer="sozialraeume")
    value = float(layer.set_index("sr_id").loc["SR-05399-004", "social_index"])
    _, texts = pages
    page = next(t for t in texts if "Nr. 4 · Nideck (SR-05399-004)" in t)
    shown = f"{value:+.2f}".replace(".", ",")
    assert f"Sozialindex\n{shown}" in page or f"Sozialindex {shown}" in page
    assert "social_index" not in "".join(texts)


def test_same_input_same_bytes(written, tmp_path):
    from pipeline.publish.pdf import write_pdf

    pub, html, pdf = written
    again = write_pdf(tmp_path / "again.pdf", html.read_text(encoding="utf-8"))
    assert again.read_bytes() == pdf.read_bytes()
    assert b"/CreationDate" not in pdf.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["again.pdf"]  # no temporary file left
    # the same publication built again gives the same HTML, hence the same PDF
    pub2, munis, county = _publication()
    assert build_report(pub2, _catalog(), munis, county, county_name="Kreis Rurtal") \
        == html.read_text(encoding="utf-8")


def test_the_same_report_reuses_the_last_pdf_and_a_changed_one_is_laid_out(
        written, tmp_path, monkeypatch):
    """A publication whose report is the last one's copies that PDF (a nightly refresh with
    unchanged inputs); another report gets its own PDF."""
    import pipeline.publish.pdf as pdf_module

    pub, html, pdf = written
    laid_out = []
    real = pdf_module.write_pdf
    monkeypatch.setattr(pdf_module, "write_pdf",
                        lambda path, text: laid_out.append(path) or real(path, text))
    same = tmp_path / "same"
    same.mkdir()
    write_report(same / html.name, pub, _catalog(), *_publication()[1:],
                 county_name="Kreis Rurtal", pdf_path=same / pdf.name, previous=html.parent)
    assert laid_out == []
    assert (same / pdf.name).read_bytes() == pdf.read_bytes()
    other = tmp_path / "other"
    other.mkdir()
    write_report(other / html.name, pub, _catalog(), *_publication()[1:],
                 county_name="Kreis Nebental", pdf_path=other / pdf.name, previous=html.parent)
    assert laid_out == [other / pdf.name]
    assert "Kreis Nebental" in pypdf.PdfReader(other / pdf.name).pages[0].extract_text()
