"""Generators of hostile spreadsheets (issue 14.1), written from the OOXML parts up so the
tests do not depend on a writer library that would refuse to make them."""

from __future__ import annotations

import io
import struct
import zipfile

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_NS}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>单元编号</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>姓名</t></is></c></row>'
)


def xlsx(sheet_data: str, *, dimension: str | None = None, prolog: str = "") -> bytes:
    """A one-sheet workbook around ``sheet_data`` (the ``<row>`` elements)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{_NS}">{dim}'
        f"<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for name, part in _PARTS.items():
            book.writestr(name, part)
        book.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def sparse_bomb(cell: str = "XFD1048576", *, declare: bool = True) -> bytes:
    """One real header row and one cell far away; with ``declare`` the sheet's
    ``<dimension>`` names that corner too (the 1.6 KB file of issue 14)."""
    row = int("".join(ch for ch in cell if ch.isdigit()))
    data = HEADER_ROW + f'<row r="{row}"><c r="{cell}"><v>1</v></c></row>'
    return xlsx(data, dimension=f"A1:{cell}" if declare else None)


def unreferenced_columns(n: int) -> bytes:
    """A row of ``n`` cells written without ``r`` (positions implied by order)."""
    return xlsx(HEADER_ROW + "<row>" + "<c><v>1</v></c>" * n + "</row>")


def unreferenced_rows(n: int) -> bytes:
    """``n`` rows written without ``r`` attributes, each one empty cell."""
    return xlsx(HEADER_ROW + "<row><c/></row>" * n)


def billion_laughs() -> bytes:
    entities = '<!ENTITY a "ha">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    return xlsx(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&j;</t></is></c></row>',
        prolog=f"<!DOCTYPE worksheet [{entities}]>",
    )


def many_members(n: int) -> bytes:
    base = io.BytesIO(sparse_bomb("B2"))
    with zipfile.ZipFile(base, "a", zipfile.ZIP_STORED) as book:
        for i in range(n):
            book.writestr(f"xl/media/x{i}.bin", b"")
    return base.getvalue()


def declared_huge(size: int = 0xFFFF_FF00) -> bytes:
    """A small workbook whose sheet member declares ``size`` uncompressed bytes, in the
    local header and the central directory alike (a zip bomb as the index sees it)."""
    data = bytearray(sparse_bomb("B2"))
    name = b"xl/worksheets/sheet1.xml"
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                struct.pack_into("<I", data, start + offset, size)
            start += 4
    return bytes(data)
