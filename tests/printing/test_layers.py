"""Documents printed in two layers: shared backgrounds, a light front page each.

Plaques and rosters are drawn as a background (everything their pages share, rendered
once) with a transparent front page over it (rentals/printing/plaque_pdf.py, rosters.py,
render.join_pdfs).  These tests check that every page still shows its own values on
its own background, in the places the background leaves for them.
"""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader

from rentals.printing import plaque_pdf, plaques, qr, render, rosters
from tests.printing.helpers import pages, roster_rows, text

BASE = "http://plaques.test"


def _source(i: int, status: str, stars: int) -> dict:
    serial = plaques.new_serial()
    return {
        "unit_code": f"ZX-T-{i:03d}",
        "address": f"扎细路{i}号",
        "area": "南区",
        "community": "扎细社区",
        "community_bo": "བཀྲ་ཤིས་སྡོད་ཁུལ།",
        "issuer": "扎细社区居委会",
        "stars": stars,
        "rating_status": status,
        "valid_until": date(2027, 11, 30),
        "serial": serial,
        "qr_url": plaques.public_url(BASE, serial),
    }


RATINGS = (
    ("three", 3, "三星 · 绿色放心型"),
    ("two", 2, "二星 · 黄色一般型"),
    ("one", 1, "一星 · 红色重点关注型"),
)


def _plaques(n: int) -> tuple[list[dict], bytes]:
    sources = [_source(i, *RATINGS[i % 3][:2]) for i in range(n)]
    chunks = [plaques.plaque_context(sources[i : i + 4]) for i in range(0, n, 4)]
    return sources, plaque_pdf.render_plaques(chunks, workers=2)


def test_each_plaque_page_shows_its_own_values_on_its_own_background():
    sources, pdf = _plaques(7)
    assert pages(pdf) == 7
    for i, source in enumerate(sources):
        body = text(pdf, i + 1)
        for key in ("unit_code", "address", "serial"):
            assert source[key] in body
        assert "2027-11-30" in body and "扎细社区居委会" in body
        names = [name for _status, _stars, name in RATINGS]
        own = RATINGS[i % 3][2]
        assert own in body and not any(n in body for n in names if n != own)


def test_a_background_is_embedded_once_however_many_pages_show_it():
    _sources, pdf = _plaques(12)
    forms = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        xobjects = page["/Resources"]["/XObject"]
        forms |= {xobjects.raw_get(n).idnum for n in xobjects if n.startswith("/RentalsBg")}
    assert len(forms) == 3  # three ratings, one community
    assert len(pdf) < 12 * 25_000  # the fronts are small; a whole plaque page is ~60 kB


def test_the_printed_qr_code_decodes_to_the_plaques_public_page(tmp_path):
    """Sample the module centres of the code as printed on the page (300 dpi)."""
    [source], pdf = _plaques(1)
    (tmp_path / "p.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-gray", "-singlefile", tmp_path / "p.pdf", tmp_path / "p"],
        check=True,
    )
    from PIL import Image

    expected = qr.modules(source["qr_url"])
    rem = 3.5  # mm, on A5
    left = 5.6 + (0.18 + 41.72) * rem  # page margin, frame, position in the frame
    top = 5.6 + (0.18 + 7.12) * rem
    module = 13 * rem / len(expected)
    with Image.open(tmp_path / "p.pgm") as image:
        px = image.load()
        dots = 300 / 25.4
        seen = [
            [
                px[(left + (x + 0.5) * module) * dots, (top + (y + 0.5) * module) * dots] < 128
                for x in range(len(expected))
            ]
            for y in range(len(expected))
        ]
    assert seen == expected


def test_front_values_sit_under_their_labels(tmp_path):
    [source], pdf = _plaques(1)
    words = _words(pdf, tmp_path)
    label, code = words["编号"], words[source["unit_code"]]
    assert abs(label[0] - code[0]) < 2 and 0 < code[1] - label[1] < 30  # below, aligned
    serial = words[source["serial"]]
    scan = words["扫码核验"]
    assert serial[1] > scan[1]  # the serial prints under the caption, in the white box


def _words(pdf: bytes, tmp_path) -> dict[str, tuple[float, float]]:
    """Word -> (xMin, yMin) in points, from pdftotext -bbox."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return {
        m.group(3): (float(m.group(1)), float(m.group(2)))
        for m in re.finditer(r'xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]+)</word>', out)
    }


def test_join_refuses_a_background_of_another_size_or_count():
    _sources, a5 = _plaques(1)
    a4 = plaque_pdf.render_plaques([plaques.plaque_context([_source(9, "two", 2)], size="A4")])
    with pytest.raises(ValueError, match="size"):
        render.join_pdfs([a5], backgrounds=[a4], which=[0])
    with pytest.raises(ValueError, match="backgrounds chosen"):
        render.join_pdfs([a5], backgrounds=[a5], which=[0, 0])


def _roster(n: int) -> bytes:
    contexts = rosters.roster_contexts(
        roster_rows(n),
        title="台账",
        area="南区",
        period="二月",
        inspector="",
        printed=date(2027, 1, 30),
        pages_per_chunk=2,
    )
    return rosters.render_roster(contexts, workers=2)


def test_roster_header_row_and_footer_on_every_page_title_on_the_first():
    n = rosters.ROWS_FIRST_PAGE + 2 * rosters.ROWS_PER_PAGE + 3
    pdf = _roster(n)
    total = pages(pdf)
    assert total == rosters.page_count(n) == 4
    for page in range(1, total + 1):
        body = text(pdf, page)
        assert "编号 / 地址" in body and "签名" in body and "检查结果" in body
        assert "打印日期 2027-01-30" in body and re.search(rf"\b{page}\s*/\s*{total}\b", body)
        assert ("区域：南区" in body) == (page == 1)
    assert re.search(r"\b1\s+ZX-0000\b", text(pdf, 1))  # number and code share the line


def test_row_numbers_print_whole_up_to_four_digits():
    width = rosters.COLUMNS_MM[0]
    for n in (9, 99, 100, 1000, 9999):
        assert rosters._cell(n, width) == str(n)


def test_a_long_address_prints_whole_in_a_smaller_size():
    source = _source(1, "two", 2)
    source["address"] = "扎细路南6巷15号院内东侧二单元三楼三零二室靠楼梯口左手边那一间"
    assert len(source["address"]) > plaques.LONG_ADDRESS
    pdf = plaque_pdf.render_plaques([plaques.plaque_context([source])])
    assert source["address"] in "".join(text(pdf).split())
