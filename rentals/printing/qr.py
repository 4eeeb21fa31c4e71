"""QR codes for plaques: a tiny PNG, one pixel a module, scaled up with ``pixelated``.

SVG paths cost most of the write time of a big batch of plaques; a 41x41-pixel PNG is a
few hundred bytes and prints as sharp squares.  Error level H tolerates 30 % damage, which
a plaque nailed to a door in Lhasa's sun and dust will need.
"""

from __future__ import annotations

import io

import segno

#: Quiet zone in modules (ISO 18004 asks for 4).
BORDER = 4


def make(url: str) -> segno.QRCode:
    return segno.make(url, error="h", micro=False)


def png_data_uri(url: str) -> str:
    """``data:image/png;base64,...`` of the code for ``url`` at one pixel per module."""
    return make(url).png_data_uri(scale=1, border=BORDER)


def modules(url: str) -> list[list[bool]]:
    """The dark/light matrix with its quiet zone, as a reader of the PNG would see it."""
    code = make(url)
    return [[bool(v) for v in row] for row in code.matrix_iter(scale=1, border=BORDER)]


def decode_png(data: bytes) -> list[list[bool]]:
    """Read a 1-px-per-module PNG back into a matrix (tests compare it with ``modules``)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        grey = img.convert("L")
        width, height = grey.size
        pixels = grey.load()
        return [[pixels[x, y] < 128 for x in range(width)] for y in range(height)]
