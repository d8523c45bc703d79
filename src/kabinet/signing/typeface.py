"""The signature page's font: DejaVu Sans (``signing/fonts/``, Bitstream Vera licence beside it), embedded as a
subset so that names, titles and evidence appear in their own script — Cyrillic, Polish diacritics, Latin.

pyHanko's own OpenType support (``pyhanko.pdf_utils.font.opentype``) needs HarfBuzz as well as fontTools; the
scripts of this page need no shaping (every letter is one glyph of the font's character map), so this module
does the same job with fontTools alone: a Type0 font with a CIDFontType2 descendant, Identity-H encoded by glyph
id, the glyph widths, and a ``ToUnicode`` map so that the text can be searched, copied and extracted. The PDF
objects are built with pyHanko's public ``generic`` classes.
"""

from __future__ import annotations

import functools
import io
import logging
import secrets
import string
from pathlib import Path

from fontTools import subset, ttLib
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import BasePdfFileWriter

FONT_FILE = Path(__file__).resolve().parent / "fonts" / "DejaVuSans.ttf"
# fontTools reports every table it subsets at INFO: not news for the portal's logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)
FALLBACK = "?"  # a character the font does not have (none of Cyrillic, Latin, Polish, the usual punctuation)


@functools.cache
def font_bytes() -> bytes:
    return FONT_FILE.read_bytes()


@functools.cache
def _metrics() -> tuple[dict[int, int], dict[int, int], dict[str, float | list[float]]]:
    """(code point → glyph id, glyph id → width in 1/1000 em, descriptor values), read once per process."""
    font = ttLib.TTFont(io.BytesIO(font_bytes()), lazy=True)
    scale = 1000 / font["head"].unitsPerEm
    cmap = {code: font.getGlyphID(name) for code, name in font.getBestCmap().items()}
    hmtx = font["hmtx"]
    widths = {font.getGlyphID(name): round(hmtx[name][0] * scale) for name in font.getGlyphOrder()}
    head, hhea = font["head"], font["hhea"]
    descriptor = {
        "bbox": [head.xMin * scale, head.yMin * scale, head.xMax * scale, head.yMax * scale],
        "ascent": hhea.ascent * scale,
        "descent": hhea.descent * scale,
        "cap_height": 729,  # DejaVu Sans: the height of "H" in 1/1000 em
    }
    return cmap, widths, descriptor


class PageFont:
    """The font of one PDF: encodes text as glyph ids and remembers which glyphs to embed."""

    def __init__(self) -> None:
        self.cmap, self.widths, self.descriptor = _metrics()
        self.used: dict[int, str] = {}  # glyph id → the character it shows (for ToUnicode)
        self.name = "".join(secrets.choice(string.ascii_uppercase) for _ in range(6)) + "+DejaVuSans"

    def glyphs(self, text: str) -> list[int]:
        fallback = self.cmap[ord(FALLBACK)]
        out = []
        for ch in text:
            gid = self.cmap.get(ord(ch), fallback)
            self.used.setdefault(gid, ch if gid != fallback else FALLBACK)
            out.append(gid)
        return out

    def show(self, text: str) -> str:
        """The operand of ``Tj`` for ``text``: a hex string of two-byte glyph ids."""
        return "<" + "".join(f"{gid:04X}" for gid in self.glyphs(text)) + ">"

    def width(self, text: str, size: float) -> float:
        """How wide ``text`` is at ``size`` points."""
        fallback = self.cmap[ord(FALLBACK)]
        return sum(self.widths.get(self.cmap.get(ord(ch), fallback), 0) for ch in text) * size / 1000

    def embed(self, writer: BasePdfFileWriter) -> generic.IndirectObject:
        """Write the subset and its dictionaries into ``writer``; answers the Type0 font to put in resources."""
        name = generic.NameObject("/" + self.name)
        descriptor = self.descriptor
        font_file = generic.StreamObject(stream_data=self._subset())
        font_file.compress()
        font_descriptor = generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/FontDescriptor"),
                generic.NameObject("/FontName"): name,
                generic.NameObject("/Flags"): generic.NumberObject(32),  # non-symbolic
                generic.NameObject("/FontBBox"): generic.ArrayObject(
                    generic.FloatObject(v) for v in descriptor["bbox"]
                ),
                generic.NameObject("/ItalicAngle"): generic.NumberObject(0),
                generic.NameObject("/Ascent"): generic.FloatObject(descriptor["ascent"]),
                generic.NameObject("/Descent"): generic.FloatObject(descriptor["descent"]),
                generic.NameObject("/CapHeight"): generic.FloatObject(descriptor["cap_height"]),
                generic.NameObject("/StemV"): generic.NumberObject(80),
                generic.NameObject("/FontFile2"): writer.add_object(font_file),
            }
        )
        widths = generic.ArrayObject()
        for gid in sorted(self.used):
            widths.append(generic.NumberObject(gid))
            widths.append(generic.ArrayObject([generic.NumberObject(self.widths.get(gid, 0))]))
        cid_font = generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Font"),
                generic.NameObject("/Subtype"): generic.NameObject("/CIDFontType2"),
                generic.NameObject("/BaseFont"): name,
                generic.NameObject("/CIDSystemInfo"): generic.DictionaryObject(
                    {
                        generic.NameObject("/Registry"): generic.TextStringObject("Adobe"),
                        generic.NameObject("/Ordering"): generic.TextStringObject("Identity"),
                        generic.NameObject("/Supplement"): generic.NumberObject(0),
                    }
                ),
                generic.NameObject("/FontDescriptor"): writer.add_object(font_descriptor),
                generic.NameObject("/DW"): generic.NumberObject(1000),
                generic.NameObject("/W"): widths,
                # The subset keeps the original glyph ids, so a CID is its glyph id.
                generic.NameObject("/CIDToGIDMap"): generic.NameObject("/Identity"),
            }
        )
        to_unicode = generic.StreamObject(stream_data=self._to_unicode())
        to_unicode.compress()
        return writer.add_object(
            generic.DictionaryObject(
                {
                    generic.NameObject("/Type"): generic.NameObject("/Font"),
                    generic.NameObject("/Subtype"): generic.NameObject("/Type0"),
                    generic.NameObject("/BaseFont"): name,
                    generic.NameObject("/Encoding"): generic.NameObject("/Identity-H"),
                    generic.NameObject("/DescendantFonts"): generic.ArrayObject(
                        [writer.add_object(cid_font)]
                    ),
                    generic.NameObject("/ToUnicode"): writer.add_object(to_unicode),
                }
            )
        )

    def _subset(self) -> bytes:
        """The font with only the glyphs used, at their original ids (``retain_gids``)."""
        font = ttLib.TTFont(io.BytesIO(font_bytes()))
        options = subset.Options()
        options.retain_gids = True
        options.notdef_outline = True
        options.layout_features = []  # no shaping here: the page picks glyphs by the character map
        options.hinting = False
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "MATH", "kern"]
        subsetter = subset.Subsetter(options=options)
        subsetter.populate(gids=sorted({0, *self.used}))
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()

    def _to_unicode(self) -> bytes:
        """The CMap that maps each glyph id back to its character (PDF 32000-1, 9.10.3)."""
        pairs = sorted(self.used.items())
        blocks = []
        for start in range(0, len(pairs), 100):  # at most 100 entries per bfchar block
            chunk = pairs[start : start + 100]
            rows = "\n".join(f"<{gid:04X}> <{ch.encode('utf-16-be').hex().upper()}>" for gid, ch in chunk)
            blocks.append(f"{len(chunk)} beginbfchar\n{rows}\nendbfchar")
        body = "\n".join(blocks)
        return (
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            f"{body}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
        ).encode("ascii")
