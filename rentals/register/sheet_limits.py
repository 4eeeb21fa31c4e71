"""Limits an uploaded ledger must keep before any parser sees it (issue 14.1).

A 1.6 KB XLSX whose sheet declares one cell at XFD1048576 made the spreadsheet reader
allocate ~550 GB: readers size their grid from the declared ``<dimension>`` or from the
largest cell reference. So every file is checked first, cheaply and with bounded memory:

- its size (before it is read, for a file on disk);
- an XLSX as a zip: number of members, declared uncompressed sizes (zip bombs);
- each worksheet's XML, streamed through expat (no tree is built) from a reader that
  stops after a byte budget:
  the ``<dimension ref=…>`` and the largest row and column of any cell or row, however
  they are written (a cell reference, or the implicit next position), against the row,
  column and cell limits. Nothing is kept but counters;
- a CSV: rows and fields, counted while it is read.

The limits are settings (``LEDGER_MAX_*``, see ``Limits``) with the defaults below.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l


class LedgerError(Exception):
    """The file as a whole cannot be read (limits, format, encoding, headers)."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 12 * 1024 * 1024  #: the file as uploaded
    max_rows: int = 200_000
    max_columns: int = 64
    #: rows × columns a reader may lay out (a 200,000-row ledger of 9 columns is 1.8 M)
    max_cells: int = 4_000_000
    max_zip_members: int = 1_000
    #: declared uncompressed size of all members together; also the XML scan budget
    max_uncompressed: int = 256 * 1024 * 1024

    @classmethod
    def configured(cls) -> Limits:
        """The defaults, overridden by ``LEDGER_MAX_BYTES``, ``LEDGER_MAX_ROWS``, …"""
        if not has_app_context():
            return cls()
        config = current_app.config
        return cls(
            **{
                f.name: int(config[f"LEDGER_{f.name.upper()}"])
                for f in fields(cls)
                if config.get(f"LEDGER_{f.name.upper()}") is not None
            }
        )


class _Refused(Exception):
    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def _too_big(limits: Limits) -> LedgerError:
    return LedgerError(
        _l(
            "文件超过 %(mb)s MB，请分成几个文件导入。",
            mb=max(1, limits.max_bytes // (1024 * 1024)),
        )
    )


def read_upload(path: Path | str, limits: Limits | None = None) -> bytes:
    """A ledger file from disk, refused by its size before it is read."""
    limits = limits or Limits.configured()
    path = Path(path)
    if path.stat().st_size > limits.max_bytes:
        raise _too_big(limits)
    return path.read_bytes()


def read_stream(stream: IO[bytes], limits: Limits | None = None) -> bytes:
    """An uploaded file, read no further than the size limit allows."""
    limits = limits or Limits.configured()
    data = stream.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise _too_big(limits)
    return data


def check_upload(data: bytes, limits: Limits | None = None) -> None:
    """Refuse (``LedgerError``, translated) a file beyond the limits; CSV rows and fields
    are counted by ``check_csv_rows`` as the CSV is read."""
    limits = limits or Limits.configured()
    if len(data) > limits.max_bytes:
        raise _too_big(limits)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerError(_l("不支持旧版 Excel（.xls）文件，请另存为 XLSX 或 CSV 后导入。"))
    if data.startswith(b"PK"):
        check_xlsx(data, limits)


# --- XLSX -------------------------------------------------------------------------------


class _Budget:
    """A zip member read through a byte budget shared by every member scanned."""

    def __init__(self, raw: IO[bytes], budget: list[int]) -> None:
        self.raw = raw
        self.budget = budget

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size if 0 < size <= 1024 * 1024 else 1024 * 1024)
        self.budget[0] -= len(chunk)
        if self.budget[0] < 0:
            raise _Refused(_l("表格文件解压后过大，无法导入。"))
        return chunk


_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")
_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def _cell(ref: str) -> tuple[int, int] | None:
    match = _CELL.fullmatch(ref.strip())
    return (int(match[2]), _column_number(match[1])) if match else None


class _Extent:
    """The largest row and column seen, checked against the limits at every step."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.rows = 0
        self.columns = 0

    def see(self, row: int, column: int) -> None:
        if row > self.rows:
            self.rows = row
        if column > self.columns:
            self.columns = column
        limits = self.limits
        if self.rows > limits.max_rows:
            raise _Refused(_l("文件超过 %(n)s 行，请分批导入。", n=limits.max_rows))
        if self.columns > limits.max_columns:
            raise _Refused(_l("表格超过 %(n)s 列，请删去多余的列。", n=limits.max_columns))
        if self.rows * self.columns > limits.max_cells:
            raise _Refused(
                _l(
                    "表格的范围过大（%(rows)s 行 × %(columns)s 列），请删去多余的行列或分批导入。",
                    rows=self.rows,
                    columns=self.columns,
                )
            )


def _scan_sheet(stream: _Budget, limits: Limits) -> None:
    """Stream one worksheet's XML through expat, keeping only counters: no element
    tree is built, and a DTD (entity expansion) is refused outright."""
    extent = _Extent(limits)
    position = [0, 0]  # the current row and column

    def start(name: str, attributes: dict[str, str]) -> None:
        tag = name.rpartition(":")[2]
        if tag == "c":
            ref = _cell(attributes.get("r") or "")
            if ref is not None:
                position[0], position[1] = ref
            else:
                position[1] += 1
            extent.see(max(position[0], 1), position[1])
        elif tag == "row":
            given = attributes.get("r", "")
            position[0] = int(given) if given.isdigit() and len(given) < 9 else position[0] + 1
            position[1] = 0
            extent.see(position[0], 1)
        elif tag == "dimension":
            corner = _cell(attributes.get("ref", "").split(":")[-1])
            if corner is not None:
                extent.see(*corner)

    def no_dtd(*_args: Any) -> None:
        raise _Refused(_l("表格文件含有不允许的内容（DTD），无法导入。"))

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    while chunk := stream.read(256 * 1024):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def check_xlsx(data: bytes, limits: Limits) -> None:
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise LedgerError(_l("这不是有效的 XLSX 文件。")) from None
    with book:
        members = book.infolist()
        if len(members) > limits.max_zip_members:
            raise LedgerError(_l("表格文件内部的文件过多，无法导入。"))
        if sum(m.file_size for m in members) > limits.max_uncompressed:
            raise LedgerError(_l("表格文件解压后过大，无法导入。"))
        sheets = [m for m in members if _SHEET.fullmatch(m.filename)]
        if not sheets:
            raise LedgerError(_l("这不是有效的 XLSX 文件。"))
        budget = [limits.max_uncompressed]
        for member in sheets:
            try:
                with book.open(member) as raw:
                    _scan_sheet(_Budget(raw, budget), limits)
            except _Refused as err:
                raise LedgerError(err.message) from None
            except (expat.ExpatError, zipfile.BadZipFile, OSError, ValueError, EOFError):
                raise LedgerError(_l("表格文件已损坏，无法读取。")) from None


# --- CSV --------------------------------------------------------------------------------


def check_csv_rows(rows: Iterator[list[str]], limits: Limits | None = None) -> list[list[str]]:
    """The rows of a CSV reader, refused as soon as there are too many rows or fields."""
    limits = limits or Limits.configured()
    extent = _Extent(limits)
    result: list[list[str]] = []
    for index, row in enumerate(rows, start=1):
        try:
            extent.see(index, len(row))
        except _Refused as err:
            raise LedgerError(err.message) from None
        result.append(row)
    return result
