"""Make the bundled Hangul font: a subset of NanumGothic (SIL OFL 1.1), renamed.

The window ships this so that Korean renders on machines without a CJK font.
The OFL reserves the name "NanumGothic" for the original, so the subset is
renamed "JWT Lab Gothic". Run by hand when the font changes (needs fonttools):

    apt-get download fonts-nanum && dpkg-deb -x fonts-nanum_*.deb nanum
    pip install fonttools
    python tools/subset_font.py nanum/usr/share/fonts/truetype/nanum/NanumGothic.ttf

It keeps every Hangul syllable and jamo, ASCII and Latin-1, and the
punctuation the catalogue uses; everything else falls back to the system font.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FAMILY = "JWT Lab Gothic"
OUT = Path(__file__).resolve().parent.parent / "client" / "assets" / "fonts" / "JWTLabGothic.ttf"
RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2010, 0x2027),  # dashes, quotes, ellipsis
    (0x3000, 0x303F),  # CJK punctuation
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0xAC00, 0xD7A3),  # Hangul syllables
]


def main(source: str) -> None:
    font = TTFont(source)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False  # smaller; Qt renders it smoothly without
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for lo, hi in RANGES for c in range(lo, hi + 1)])
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = FAMILY
        elif record.nameID == 6:
            record.string = FAMILY.replace(" ", "")
        elif record.nameID == 3:
            record.string = f"{FAMILY}; subset of NanumGothic"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(OUT)
    print(f"{OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main(sys.argv[1])
