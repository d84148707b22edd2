"""Orders import: detection, whole-file validation, nothing half-imported, updates."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from amsplan.errors import InputError, NotFound
from amsplan.services.orders import import_orders
from amsplan.services.views import status_counts
from amsplan.store.models import Order
from tests.helpers import HEADER, order_row, write_orders

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


def orders(ws) -> dict[str, Order]:
    with ws.context().session() as s:
        return {o.order_no: o for o in s.exec(select(Order))}


def test_sample_file_imports_with_norwegian_headers_bom_and_semicolons(workspace):
    result = import_orders(workspace.context(), SAMPLE / "orders.csv")
    assert (result.created, result.encoding, result.delimiter) == (360, "utf-8-sig", ";")
    stored = orders(workspace)
    assert len(stored) == 360
    first = stored["AMS-2026-000116"]
    assert first.status == "open"
    assert len(first.meter_point_id) == 18
    assert first.latitude is not None and 60 < first.latitude < 62  # "60,79" decimal comma


def test_every_bad_row_is_reported_and_nothing_is_imported(workspace):
    with pytest.raises(InputError) as err:
        import_orders(workspace.context(), SAMPLE / "orders_bad.csv")
    problems = "\n".join(err.value.problems)
    assert "orders_bad.csv:3: Ordrenr: missing" in problems
    assert "orders_bad.csv:4: Målepunkt-ID" in problems
    assert "orders_bad.csv:5: Postnr: '12345'" in problems
    assert "orders_bad.csv:6: Ordrenr: 'AMS-2026-900001' already on line 2" in problems
    assert "orders_bad.csv:7: Breddegrad: 'abc' is not a number" in problems
    assert len(err.value.problems) == 5
    assert sum(status_counts(workspace.context()).values()) == 0


def test_skip_invalid_imports_the_good_rows_and_writes_the_bad_ones(workspace, tmp_path):
    rejects = tmp_path / "rejects.csv"
    result = import_orders(workspace.context(), SAMPLE / "orders_bad.csv", True, rejects)
    assert (result.created, result.invalid) == (5, 5)
    lines = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 6  # header + 5 bad rows, each with its line number and reason
    assert lines[1].startswith("3,") and "missing" in lines[1]


def test_windows_1252_with_commas_and_english_headers(workspace, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(
        "order_no,meter_point_id,customer_name,street,postcode,city,phone\r\n"
        "X-1,707057500000000001,Åse Ødegård,Bjørkeveien 3,2317,HAMAR,412 34 567\r\n".encode(
            "cp1252"
        )
    )
    result = import_orders(workspace.context(), path)
    assert (result.created, result.encoding, result.delimiter) == (1, "windows-1252", ",")
    order = orders(workspace)["X-1"]
    assert (order.customer_name, order.street) == ("Åse Ødegård", "Bjørkeveien 3")
    assert order.mobile == "+4741234567"


def test_landline_is_kept_but_is_not_a_mobile(workspace, tmp_path):
    path = write_orders(tmp_path / "o.csv", [order_row(1, phone="62 51 23 45")])
    import_orders(workspace.context(), path)
    order = orders(workspace)["AMS-00001"]
    assert (order.phone, order.mobile) == ("62 51 23 45", None)


def test_reimport_updates_fields_and_never_moves_status(workspace, tmp_path):
    path = write_orders(tmp_path / "o.csv", [order_row(1), order_row(2)])
    import_orders(workspace.context(), path)
    ctx = workspace.context()
    with ctx.session() as s:
        order = s.exec(select(Order).where(Order.order_no == "AMS-00001")).one()
        order.status = "ready_for_execution"
        s.add(order)
    path = write_orders(tmp_path / "o.csv", [order_row(1, street="Ny gate 9"), order_row(2)])
    result = import_orders(ctx, path)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert result.changed_after_booking == 1  # a booked order: taken, and followed up
    order = orders(workspace)["AMS-00001"]
    assert (order.street, order.status) == ("Ny gate 9", "ready_for_execution")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        (HEADER + "\n", None),
        ("Navn;Adresse\nKari;Storgata 1\n", "missing column order_no"),
        ("Ordrenr;Ordrenr;Målepunkt-ID\n1;2;707057500000000001\n", "both order_no"),
        (HEADER + "\nAMS-1;707057500000000001\n", "wrong number of fields"),
        (HEADER + '\n"AMS-1;707057500000000001\n', "broken CSV"),
    ],
)
def test_unusable_files_are_refused_with_a_reason(workspace, tmp_path, content, message):
    path = tmp_path / "o.csv"
    path.write_text(content, encoding="utf-8")
    if message is None:  # a header and no rows: nothing to do, not an error
        assert import_orders(workspace.context(), path).created == 0
        return
    with pytest.raises(InputError) as err:
        import_orders(workspace.context(), path)
    assert message in str(err.value) + " ".join(err.value.problems)
    assert sum(status_counts(workspace.context()).values()) == 0


def test_binary_and_missing_files(workspace, tmp_path):
    binary = tmp_path / "o.csv"
    binary.write_bytes(b"Ordrenr;X\n\x00\x01\x02")
    with pytest.raises(InputError, match="NUL"):
        import_orders(workspace.context(), binary)
    with pytest.raises(NotFound):
        import_orders(workspace.context(), tmp_path / "nope.csv")


def test_control_characters_and_bad_flags_are_rejected(workspace, tmp_path):
    rows = [order_row(1, name="Kari\x07"), order_row(2, important="kanskje")]
    with pytest.raises(InputError) as err:
        import_orders(workspace.context(), write_orders(tmp_path / "o.csv", rows))
    problems = "\n".join(err.value.problems)
    assert "o.csv:2: Navn: contains control characters" in problems
    assert "o.csv:3: Viktig info: 'kanskje' is not Ja/Nei" in problems


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "Kari\nNordmann"), ("street", "Storgata\t1"), ("name", "Kari \u202eNordmann"),
     ("name", "Ka\x85ri"), ("postcode", "٢٣١٧")],
)  # fmt: skip
def test_line_breaks_bidi_overrides_and_foreign_digits_are_refused(
    workspace, tmp_path, field, value
):
    path = tmp_path / "o.csv"
    import csv as _csv

    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = _csv.writer(f, delimiter=";")
        writer.writerow(HEADER.split(";"))
        writer.writerow(order_row(1, **{field: value}).split(";"))
    with pytest.raises(InputError):
        import_orders(workspace.context(), path)
    assert sum(status_counts(workspace.context()).values()) == 0
