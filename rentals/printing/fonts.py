"""Fonts for documents: the start-up check and the pre-subset Chinese font.

WeasyPrint subsets fonts with HarfBuzz when ``libharfbuzz-subset0`` is installed and
falls back to fontTools otherwise (about 80 times slower on Noto CJK), so a missing
library or font is reported at start-up with the Debian package that provides it.

The pre-subset font is Noto Sans CJK SC cut down to GB2312 level 1 plus every character
of our templates (about 0.9 MB instead of 16 MB): WeasyPrint then loads and re-subsets a
small font, which more than halves the time of a plaque.  It is built once by
``scripts/setup.sh`` (``python -m rentals.printing.fonts build``) into a cache directory
and never committed; without it documents use the system font, only slower.
"""

from __future__ import annotations

import functools
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
#: Family name of the pre-subset font in ``@font-face`` (see templates/print/print.css).
SUBSET_FAMILY = "Rentals CJK SC"
#: File names carry the build recipe's version: a changed recipe builds new files.
SUBSET_FILES = {"normal": "rentals-cjk-sc-regular-2.otf", "bold": "rentals-cjk-sc-bold-2.otf"}

APT_HINT = "sudo apt-get install -y --no-install-recommends {pkg}  (or run scripts/setup.sh)"


@dataclass(frozen=True)
class FontProblem:
    what: str
    package: str

    def __str__(self) -> str:
        return f"{self.what}: " + APT_HINT.format(pkg=self.package)


class PrintingUnavailable(RuntimeError):
    """Documents cannot be printed correctly on this machine; the message says what to install."""


def font_dir() -> Path:
    """Where the pre-subset font lives (``RENTALS_FONT_DIR``, default ``instance/fonts``)."""
    return Path(os.environ.get("RENTALS_FONT_DIR", str(ROOT / "instance" / "fonts")))


def subset_fonts() -> dict[str, Path]:
    """Weight -> path of the pre-subset font files that exist (empty until built)."""
    found = {w: font_dir() / name for w, name in SUBSET_FILES.items()}
    return {w: p for w, p in found.items() if p.is_file()}


def _families(lang: str) -> set[str]:
    try:
        out = subprocess.run(
            ["fc-list", f":lang={lang}", "family"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    return {name.strip() for line in out.splitlines() for name in line.split(",")}


@functools.lru_cache(maxsize=1)
def problems() -> tuple[FontProblem, ...]:
    """What is missing for fast, correct Chinese and Tibetan documents (empty when all is well)."""
    from weasyprint.text import ffi

    found: list[FontProblem] = []
    if getattr(ffi, "harfbuzz_subset", None) is None:
        found.append(
            FontProblem(
                "HarfBuzz subsetting is not available (PDFs would be 80x slower)",
                "libharfbuzz-subset0",
            )
        )
    if "Noto Sans CJK SC" not in _families("zh-cn"):
        found.append(FontProblem("Font 'Noto Sans CJK SC' is not installed", "fonts-noto-cjk"))
    tibetan = _families("bo")
    if not {"Noto Serif Tibetan", "Tibetan Machine Uni"} & tibetan:
        found.append(
            FontProblem(
                "No Tibetan font ('Noto Serif Tibetan' or 'Tibetan Machine Uni') is installed",
                "fonts-noto-core fonts-tibetan-machine",
            )
        )
    return tuple(found)


def check() -> None:
    """Raise PrintingUnavailable naming the packages to install when something is missing."""
    found = problems()
    if found:
        raise PrintingUnavailable(
            "Printing is not available:\n" + "\n".join(f"  - {p}" for p in found)
        )


def log_problems() -> None:
    """Start-up check: the app still serves pages, but operators see what to install."""
    for problem in problems():
        log.error("Printing: %s", problem)


# -- the pre-subset font ------------------------------------------------------------


def _gb2312_level1() -> str:
    """Symbols (rows 1-9) and the 3,755 common characters of level 1 (rows 16-55)."""
    chars = []
    for row in [*range(0xA1, 0xAA), *range(0xB0, 0xD8)]:
        for cell in range(0xA1, 0xFF):
            try:
                chars.append(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def _template_chars() -> str:
    """Every character our document templates and messages can print."""
    text = []
    for folder in (ROOT / "templates" / "print", ROOT / "rentals" / "printing"):
        for path in folder.glob("*.*"):
            if path.suffix in {".html", ".css", ".py"}:
                text.append(path.read_text(encoding="utf-8"))
    # ASCII, Latin-1 punctuation (· is U+00B7), general punctuation (— …), CJK punctuation
    # and full-width forms: cheap, and a missing one drags the 16 MB system font in.
    for low, high in (
        (0x20, 0x7F),
        (0xA0, 0x100),
        (0x2000, 0x2070),
        (0x2190, 0x2200),
        (0x2460, 0x24FF),
        (0x25A0, 0x2700),
        (0x3000, 0x3040),
        (0xFF00, 0xFFF0),
    ):
        text.append("".join(chr(c) for c in range(low, high)))
    return "".join(sorted(set("".join(text))))


def _system_font(weight: str) -> tuple[str, int]:
    style = "Bold" if weight == "bold" else "Regular"
    out = subprocess.run(
        ["fc-match", "-f", "%{file}:%{index}", f"Noto Sans CJK SC:style={style}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    path, _sep, index = out.rpartition(":")
    return path, int(index or 0)


def build_subset_fonts(*, force: bool = False) -> dict[str, Path]:
    """Write the pre-subset fonts (idempotent; a few seconds each)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    target = font_dir()
    target.mkdir(parents=True, exist_ok=True)
    text = _gb2312_level1() + _template_chars()
    for weight, name in SUBSET_FILES.items():
        out = target / name
        if out.is_file() and not force:
            continue
        path, index = _system_font(weight)
        font = TTFont(path, fontNumber=index, lazy=False)
        options = subset.Options()
        # Every document re-subsets this font: only what horizontal Chinese and Latin
        # text uses is kept (no vertical metrics, no locl forms for other regions: the
        # SC font's default glyphs are the Simplified ones), and the outlines are
        # desubroutinized once here rather than by HarfBuzz on each document.  Half
        # the size, and about 3 ms off every document.
        options.layout_features = ["kern", "ccmp"]
        options.drop_tables += ["VORG", "vhea", "vmtx", "BASE"]
        options.desubroutinize = True
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = False
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        tmp = out.with_suffix(".tmp")
        font.save(tmp)
        tmp.replace(out)
        log.info("Built %s (%d bytes)", out, out.stat().st_size)
    return subset_fonts()


def main(argv: list[str]) -> int:
    if argv[:1] == ["build"]:
        built = build_subset_fonts(force="--force" in argv)
        for weight, path in built.items():
            print(f"{weight}: {path} ({path.stat().st_size // 1024} KiB)")
        return 0
    if argv[:1] == ["check"]:
        for problem in problems():
            print(problem)
        return 1 if problems() else 0
    print("usage: python -m rentals.printing.fonts build [--force] | check")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
