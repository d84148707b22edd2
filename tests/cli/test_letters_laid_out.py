"""amsplan letters generate names the letters it could not print the fast, direct way."""

from __future__ import annotations

from amsplan.services.orders import import_orders
from amsplan.services.technicians import add_technician
from tests import pdfcompare
from tests.cli.support import data, ok
from tests.helpers import assign_all, order_row, write_orders

NAMES = {2: "Kari Festmo 🎉", 4: "שרה כהן"}  # order number -> a name the direct path refuses


def test_generate_names_the_letters_laid_out_by_weasyprint_and_why(workspace):
    ctx = workspace.context()
    add_technician(ctx, "T01", "Ola Montør", "41234567", "07:00", "16:00")
    rows = [order_row(n, **({"name": NAMES[n]} if n in NAMES else {})) for n in range(1, 7)]
    import_orders(ctx, write_orders(workspace.path / "orders.csv", rows))
    order_nos = [f"AMS-{n:05d}" for n in range(1, 7)]
    assign_all(workspace, order_nos)
    ok("lock", *order_nos)

    out = ok("letters", "generate", "AMS-00001", "AMS-00002").stdout

    assert "2 letters in" in out
    assert "1 letter laid out by WeasyPrint (slower, same letter): 1 symbol or emoji" in out, out
    letter = workspace.letters / "2026-04-22_T01_002_AMS-00002.pdf"
    assert {"Kari", "Festmo"} <= {w.text for w in pdfcompare.words(letter.read_bytes())}

    result = data("letters", "generate", "AMS-00003", "AMS-00004")
    assert result["generated"] == [
        "2026-04-22_T01_003_AMS-00003.pdf",
        "2026-04-22_T01_004_AMS-00004.pdf",
    ]
    assert result["laid_out"] == [{"reason": "right-to-left text", "letters": 1}]

    # Letters that all go the direct way: no such line, nothing laid out.
    out = ok("letters", "generate").stdout
    assert "2 letters in" in out and "laid out" not in out, out
    assert data("letters", "generate")["laid_out"] == []
