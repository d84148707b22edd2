"""amsplan letters generate|pending: real PDFs in the letters folder, in print order."""

from __future__ import annotations

from datetime import date

from pypdf import PdfReader

from amsplan.domain.codes import format_code
from tests.cli.support import data, error, fails, ok, order, row, run, statuses
from tests.helpers import assign_all, locked, seed

NAMES = [
    "2026-04-22_T01_001_AMS-00001.pdf",
    "2026-04-22_T01_002_AMS-00002.pdf",
    "2026-04-22_T01_003_AMS-00003.pdf",
]


def pdfs(ws) -> list[str]:
    return sorted(p.name for p in ws.letters.glob("*.pdf"))


def test_generate_writes_one_pdf_per_order_in_print_order(workspace):
    codes = dict(locked(workspace, 3))

    out = ok("letters", "generate").stdout

    assert "3 letters in" in out and str(workspace.letters) in out
    assert pdfs(workspace) == NAMES
    for name in NAMES:
        assert (workspace.letters / name).read_bytes().startswith(b"%PDF")
    text = PdfReader(workspace.letters / NAMES[1]).pages[0].extract_text()
    assert "Kari Nordmann 2" in text and "Testnett AS" in text
    assert "onsdag 22. april 2026 mellom kl. 09.00 og 10.00" in text
    assert format_code(codes["AMS-00002"]) in text
    assert statuses() == {"awaiting_response": 3}
    timeline = order("AMS-00001")["timeline"]
    assert any(e["kind"] == "letter" and NAMES[0] in e["text"] for e in timeline)

    pending = ok("letters", "pending").stdout
    assert "3 letters waiting to be printed" in pending
    assert "Kari Nordmann 2" in row(pending, NAMES[1], "AMS-00002")
    listed = data("letters", "pending")
    assert [p["file_name"] for p in listed] == NAMES
    assert [p["order_no"] for p in listed] == ["AMS-00001", "AMS-00002", "AMS-00003"]
    assert {p["status"] for p in listed} == {"awaiting_response"}


def test_generating_again_does_nothing_new_and_printed_letters_leave_pending(workspace):
    locked(workspace, 3)
    ok("letters", "generate")

    assert "0 letters in" in ok("letters", "generate").stdout
    assert pdfs(workspace) == NAMES
    assert statuses() == {"awaiting_response": 3}

    (workspace.letters / NAMES[1]).unlink()  # printed and put in the envelope
    assert [p["file_name"] for p in data("letters", "pending")] == [NAMES[0], NAMES[2]]
    assert "2 letters waiting" in ok("letters", "pending").stdout
    assert "0 letters in" in ok("letters", "generate").stdout
    assert pdfs(workspace) == [NAMES[0], NAMES[2]]


def test_combined_pdf_for_the_print_house(workspace):
    locked(workspace, 2)

    out = ok("letters", "generate", "--combined").stdout

    combined = list((workspace.letters / "combined").glob("*.pdf"))
    assert len(combined) == 1
    assert "Combined:" in out and combined[0].name in out
    pages = sum(len(PdfReader(workspace.letters / n).pages) for n in NAMES[:2])
    assert len(PdfReader(combined[0]).pages) == pages
    # The combined file is not a letter waiting to be printed.
    assert [p["file_name"] for p in data("letters", "pending")] == NAMES[:2]


def test_generate_json(workspace):
    locked(workspace, 2)
    result = data("letters", "generate")
    assert result["generated"] == NAMES[:2]
    assert (result["skipped"], result["recovered"], result["combined"]) == ([], 0, None)


def test_generate_for_one_day_only(workspace):
    order_nos = seed(workspace, 2)
    assign_all(workspace, order_nos[:1])
    assign_all(workspace, order_nos[1:], day=date(2026, 4, 23))
    ok("lock", *order_nos)

    out = ok("letters", "generate", "--tech", "T01", "--date", "2026-04-23").stdout

    assert "1 letter in" in out
    assert pdfs(workspace) == ["2026-04-23_T01_001_AMS-00002.pdf"]
    assert statuses() == {"ready_to_print": 1, "awaiting_response": 1}


def test_named_order_that_is_not_ready_is_skipped(workspace):
    order_nos = seed(workspace, 2)
    assign_all(workspace, order_nos)
    ok("lock", "AMS-00001")

    result = fails(1, "letters", "generate", "AMS-00001", "AMS-00002")

    assert "1 letter in" in result.stdout
    assert "skipped" in row(result.stdout, "AMS-00002", "is Planning, not ready to print")
    assert pdfs(workspace) == [NAMES[0]]
    assert statuses() == {"awaiting_response": 1, "planning": 1}


def test_orders_and_filters_together_are_refused(workspace):
    locked(workspace, 1)
    assert "not both" in error(5, "letters", "generate", "AMS-00001", "--tech", "T01")
    assert "2026-02-30" in error(5, "letters", "generate", "--date", "2026-02-30")
    assert "AMS-99999" in error(4, "letters", "generate", "AMS-99999")
    assert pdfs(workspace) == []
    assert statuses() == {"ready_to_print": 1}


def test_pending_names_files_it_does_not_know(workspace):
    (workspace.letters / "scan.pdf").write_bytes(b"%PDF-1.4\n")
    out = ok("letters", "pending").stdout
    assert "unknown file" in row(out, "scan.pdf")
    assert data("letters", "pending") == [
        {
            "file_name": "scan.pdf",
            "order_no": None,
            "customer_name": "",
            "status": None,
            "status_label": None,
            "generated_at": None,
        }
    ]


def test_pending_with_an_empty_folder(workspace):
    assert "0 letters waiting" in ok("letters", "pending").stdout
    assert data("letters", "pending") == []


def test_letters_folder_that_is_a_file_is_one_error_line(workspace):
    config = workspace.path / "amsplan.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[letters]\nfolder = "brev.txt"\n',
        encoding="utf-8",
    )
    (workspace.path / "brev.txt").write_text("not a folder", encoding="utf-8")
    result = run("letters", "pending")
    assert "Traceback" not in result.output
    assert result.exit_code in (3, 5), result.output
    assert result.stderr.startswith("Error:") and "brev.txt" in result.stderr
