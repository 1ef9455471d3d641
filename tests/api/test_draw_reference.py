"""The draw's method is published: tools/draw-reference.py, a second implementation written
from src/core/draw.h's description, gives the draw pinned in tests/unit/test_draw.c."""
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_reference_gives_the_pinned_draw():
    pinned = re.search(r'#define PINNED "([0-9 ]+)"',
                       (REPO / "tests/unit/test_draw.c").read_text()).group(1).split()
    population = "".join(f"M{i:02d} {0 if i < 10 else 1}\n" for i in range(20))
    r = subprocess.run([sys.executable, str(REPO / "tools/draw-reference.py"),
                        bytes(range(32)).hex(), "0.2,0.3"], input=population,
                       capture_output=True, text=True, check=True)
    assert r.stdout.split() == [f"M{int(i):02d}" for i in pinned]
