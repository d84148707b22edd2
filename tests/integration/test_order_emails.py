"""Customers' e-mail addresses on orders (issue 16.1), on both databases: imported and
validated, re-imported like the phone, searched, edited, exported, purged, and found by
the reply side (store.orders.awaiting_from_email)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from amsplan.domain.followups import FollowupKind
from amsplan.errors import InputError
from amsplan.services import booking, exports, planning
from amsplan.services.orders import edit_order, import_orders, order_detail
from amsplan.services.privacy import ANONYMOUS, purge
from amsplan.services.search import OrderFilter, search
from amsplan.services.technicians import add_technician
from amsplan.store.models import EmailMessage, FollowupFlag, Order, Reply
from amsplan.store.orders import awaiting_from_email
from tests.helpers import HEADER, assign_all, order_row, write_orders

ADDRESSES = {
    1: "Kari.Nordmann@Eksempel.NO",
    2: "",
    3: "mailto:ola.hansen@example.com;",
    4: "<kari.nordmann@eksempel.no>",  # the same address as 1, another case
}


def with_emails(path: Path, emails: dict[int, str], **overrides: str) -> Path:
    """An orders file with an E-post column: order n with the address emails[n]."""
    quoted = {n: '"' + address.replace('"', '""') + '"' for n, address in emails.items()}
    rows = [f"{order_row(n, **overrides)};{quoted[n]}" for n in emails]
    path.write_text("\n".join([HEADER + ";E-post", *rows]) + "\n", encoding="utf-8-sig")
    return path


def stored(ws) -> dict[str, Order]:
    with ws.context().session() as s:
        return {o.order_no: o for o in s.exec(select(Order))}


def found(ws, text: str) -> list[str]:
    return sorted(o.order_no for o in search(ws.context(), OrderFilter(text=text))[0])


def booked(ws, emails: dict[int, str]) -> list[str]:
    """Orders with these addresses, planned and locked (ready to print: booked)."""
    ctx = ws.context()
    add_technician(ctx, "T01", "Ola Montør", "41234567", "07:00", "16:00")
    import_orders(ctx, with_emails(ws.path / "orders.csv", emails))
    order_nos = [f"AMS-{n:05d}" for n in emails]
    assign_all(ws, order_nos)
    assert not planning.lock(ctx, order_nos).refused
    return order_nos


def sent_by_email(ws, order_nos: list[str]) -> None:
    """The booking e-mails of these (locked) orders were sent: they await an answer."""
    result = booking.transition_orders(ws.context(), order_nos, "email_sent", channel="email")
    assert not result.refused, result.refused


def test_import_stores_the_address_normalised_and_an_empty_cell_is_none(workspace, tmp_path):
    result = import_orders(workspace.context(), with_emails(tmp_path / "o.csv", ADDRESSES))

    assert result.created == 4
    orders = stored(workspace)
    assert orders["AMS-00001"].email == "Kari.Nordmann@eksempel.no"
    assert orders["AMS-00002"].email == ""
    assert orders["AMS-00003"].email == "ola.hansen@example.com"
    assert orders["AMS-00004"].email == "kari.nordmann@eksempel.no"


def test_a_bad_address_names_line_and_field_and_nothing_is_imported(workspace, tmp_path):
    emails = {1: "kari@eksempel.no", 2: "kari.nordmann@eksempel", 3: "a.b@x.no; c.d@y.no"}

    with pytest.raises(InputError) as err:
        import_orders(workspace.context(), with_emails(tmp_path / "o.csv", emails))

    assert "2 of 3 rows are invalid; nothing was imported" in str(err.value)
    assert err.value.problems == [
        "o.csv:3: E-post: not a valid e-mail address: The part after the @-sign is not "
        "valid. It should have a period.",
        "o.csv:4: E-post: several e-mail addresses; one address per order",
    ]
    assert stored(workspace) == {}


def test_skip_invalid_writes_a_bad_address_to_the_rejects_file(workspace, tmp_path):
    emails = {1: "kari@eksempel.no", 2: "kari.nordmann@eksempel"}
    result = import_orders(workspace.context(), with_emails(tmp_path / "o.csv", emails), True)

    assert (result.created, result.invalid) == (1, 1)
    with open(tmp_path / "o.rejected.csv", encoding="utf-8-sig") as f:
        rejected = list(csv.reader(f, delimiter=";"))
    assert rejected[1][:2] == ["3", "E-post: not a valid e-mail address: The part after the "
                                     "@-sign is not valid. It should have a period."]  # fmt: skip


def test_search_finds_an_order_by_its_address_whole_or_part_in_any_case(workspace, tmp_path):
    import_orders(workspace.context(), with_emails(tmp_path / "o.csv", ADDRESSES))

    assert found(workspace, "kari.nordmann@") == ["AMS-00001", "AMS-00004"]
    assert found(workspace, "KARI.NORDMANN@EKSEMPEL.NO") == ["AMS-00001", "AMS-00004"]
    assert found(workspace, "@eksempel.no") == ["AMS-00001", "AMS-00004"]
    assert found(workspace, "ola.hansen@example.com") == ["AMS-00003"]
    assert found(workspace, "@example.org") == []


def test_a_file_without_the_column_keeps_the_addresses_and_their_search(workspace, tmp_path):
    import_orders(workspace.context(), with_emails(tmp_path / "o.csv", ADDRESSES))
    plain = write_orders(tmp_path / "plain.csv", [order_row(1, street="Nygata 1"), order_row(3)])

    result = import_orders(workspace.context(), plain)

    assert (result.updated, result.unchanged) == (1, 1)
    orders = stored(workspace)
    assert (orders["AMS-00001"].street, orders["AMS-00001"].email) == (
        "Nygata 1", "Kari.Nordmann@eksempel.no",
    )  # fmt: skip
    assert found(workspace, "nygata 1 ") == ["AMS-00001"]
    assert found(workspace, "kari.nordmann@eksempel.no") == ["AMS-00001", "AMS-00004"]


def test_an_address_given_or_changed_on_an_open_order_is_a_plain_update(workspace, tmp_path):
    import_orders(workspace.context(), with_emails(tmp_path / "o.csv", ADDRESSES))
    changed = {**ADDRESSES, 1: "kari@example.com", 2: "per@eksempel.no"}

    result = import_orders(workspace.context(), with_emails(tmp_path / "o.csv", changed))

    assert (result.updated, result.unchanged, result.changed_after_booking) == (2, 2, 0)
    assert found(workspace, "kari.nordmann@") == ["AMS-00004"]
    assert found(workspace, "per@eksempel") == ["AMS-00002"]


def test_a_changed_address_of_a_booked_order_is_taken_and_followed_up(workspace):
    first, second = booked(workspace, {1: "kari@eksempel.no", 2: "ola@eksempel.no"})
    sent_by_email(workspace, [first])
    changed = {1: "kari.nordmann@example.com", 2: "ola@eksempel.no"}

    result = import_orders(workspace.context(), with_emails(workspace.path / "o.csv", changed))

    assert (result.changed_after_booking, result.unchanged) == (1, 1)
    order = stored(workspace)[first]
    assert (order.email, order.status) == ("kari.nordmann@example.com", "awaiting_response")
    assert order.followup_reason == "changed after booking: e-mail"  # the field, no address
    with workspace.context().session() as s:
        flags = s.exec(select(FollowupFlag).where(FollowupFlag.order_id == order.id)).all()
    assert [(f.kind, f.reason) for f in flags] == [
        (FollowupKind.CHANGED, "changed after booking: e-mail")
    ]
    timeline = order_detail(workspace.context(), first).timeline
    assert any(e.kind == "import" and "e-mail: " in e.text for e in timeline)
    assert found(workspace, "kari.nordmann@example") == [first]


def test_a_first_address_of_a_booked_order_is_taken_without_follow_up(workspace):
    first, second = booked(workspace, {1: "", 2: "ola@eksempel.no"})
    given = {1: "kari@eksempel.no", 2: "ola@eksempel.no"}

    result = import_orders(workspace.context(), with_emails(workspace.path / "o.csv", given))

    assert (result.updated, result.changed_after_booking) == (1, 0)
    order = stored(workspace)[first]
    assert (order.email, order.status, order.followup_reason) == (
        "kari@eksempel.no", "ready_to_print", None,
    )  # fmt: skip
    assert found(workspace, "kari@eksempel") == [first]


def test_a_blanked_address_is_refused_only_for_an_order_booked_by_email(workspace):
    first, second = booked(workspace, {1: "kari@eksempel.no", 2: "ola@eksempel.no"})
    sent_by_email(workspace, [first])  # the second was booked, not by e-mail

    with pytest.raises(InputError) as err:
        import_orders(workspace.context(), with_emails(workspace.path / "o.csv", {1: "", 2: ""}))

    assert err.value.problems == [
        "o.csv:2: E-post: would blank the e-mail address of a booked order (Awaiting response)"
    ]
    assert stored(workspace)[first].email == "kari@eksempel.no"
    assert stored(workspace)[second].email == "ola@eksempel.no"  # nothing imported


def test_a_purged_order_keeps_no_address_and_a_reimport_brings_none_back(workspace, tmp_path):
    import_orders(workspace.context(), with_emails(tmp_path / "o.csv", ADDRESSES))
    booking.transition_orders(
        workspace.context(), ["AMS-00001"], "close", "Kari ville ikke", resolution="Kansellert"
    )
    with workspace.context().session() as s:
        order = s.exec(select(Order).where(Order.order_no == "AMS-00001")).one()
        s.add(
            EmailMessage(
                kind="booking",
                order_id=order.id,
                to=order.email,
                subject="Ny strømmåler: Kari Nordmann",
                message_id="<1@amsplan>",
            )
        )
        s.add(Reply(source_file="INBOX", source_sha256="0" * 64, line_no=1, fingerprint="1",
                    sender=order.email, text="Passer ikke", subject="SV: Ny strømmåler",
                    order_id=order.id, channel="email", outcome="reply_other"))  # fmt: skip

    dry = purge(workspace.context(), date(2026, 4, 2), dry_run=True)
    assert (dry.orders, dry.replies, dry.emails) == (1, 1, 1)
    purge(workspace.context(), date(2026, 4, 2))

    gone = stored(workspace)["AMS-00001"]
    assert (gone.customer_name, gone.email) == (ANONYMOUS, "")
    with workspace.context().session() as s:
        sent = s.exec(select(EmailMessage)).one()
        reply = s.exec(select(Reply)).one()
    assert (sent.to, sent.subject, sent.kind) == ("", ANONYMOUS, "booking")
    assert (reply.sender, reply.text, reply.subject) == ("", ANONYMOUS, None)
    assert found(workspace, "kari.nordmann@") == ["AMS-00004"]

    result = import_orders(workspace.context(), with_emails(tmp_path / "o.csv", ADDRESSES))

    assert result.purged_kept == 1
    assert stored(workspace)["AMS-00001"].email == ""
    assert stored(workspace)["AMS-00004"].email == "kari.nordmann@eksempel.no"


def test_edit_validates_records_and_clears_the_address(workspace, tmp_path):
    import_orders(workspace.context(), with_emails(tmp_path / "o.csv", ADDRESSES))
    ctx = workspace.context()

    done = edit_order(ctx, "AMS-00002", email=" MAILTO:Per.Hansen@Eksempel.NO ")

    assert done == ["E-mail: '' → 'Per.Hansen@eksempel.no'"]
    assert found(workspace, "per.hansen@eksempel.no") == ["AMS-00002"]
    assert edit_order(ctx, "AMS-00002", email="Per.Hansen@eksempel.no") == []  # no change
    for bad, why in (("per.hansen@eksempel", "not a valid e-mail address"),
                     ("a@eksempel.no; b@eksempel.no", "several e-mail addresses")):  # fmt: skip
        with pytest.raises(InputError, match=f"--email: {why}"):
            edit_order(ctx, "AMS-00002", email=bad)
    assert stored(workspace)["AMS-00002"].email == "Per.Hansen@eksempel.no"

    assert edit_order(ctx, "AMS-00002", email="") == ["E-mail: 'Per.Hansen@eksempel.no' → ''"]
    assert stored(workspace)["AMS-00002"].email == ""
    assert found(workspace, "per.hansen@") == []
    edits = [e.text for e in order_detail(ctx, "AMS-00002").timeline if e.kind == "edit"]
    assert edits == [
        "Endret email: '' → 'Per.Hansen@eksempel.no'",
        "Endret email: 'Per.Hansen@eksempel.no' → ''",
    ]


def test_waiting_orders_are_found_by_address_in_any_case(workspace):
    emails = {1: "kari@eksempel.no", 2: "KARI@Eksempel.no", 3: "kari@eksempel.no",
              4: "ola@eksempel.no", 5: "ÅSE@eksempel.no", 6: "per@eksempel.no"}  # fmt: skip
    order_nos = booked(workspace, emails)
    sent_by_email(workspace, order_nos[:2] + order_nos[3:5])  # 3 and 6: not waiting
    with workspace.context().session() as s:
        cancelled = s.exec(select(Order).where(Order.order_no == "AMS-00004")).one()
        cancelled.cancelled = True
        s.add(cancelled)

    with workspace.context().session() as s:
        waiting = awaiting_from_email(
            s, ["Kari@EKSEMPEL.NO", "ola@eksempel.no", "ÅSE@eksempel.no", "per@eksempel.no",
                "nobody@eksempel.no"],
        )  # fmt: skip
        by_address = {a: [o.order_no for o in orders] for a, orders in waiting.items()}

    assert by_address == {
        "kari@eksempel.no": ["AMS-00001", "AMS-00002"],
        "åse@eksempel.no": ["AMS-00005"],  # asked for as stored: found on both databases
    }


def test_the_mobile_export_carries_the_address(workspace, tmp_path):
    first, second = booked(workspace, {1: "kari@eksempel.no", 2: ""})
    sent_by_email(workspace, [first, second])
    assert not booking.transition_orders(workspace.context(), [first, second], "reply_ok").refused

    exports.export_mobile(workspace.context(), tmp_path / "mobil.csv")

    with open(tmp_path / "mobil.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert [(r["order_no"], r["email"]) for r in rows] == [
        (first, "kari@eksempel.no"), (second, ""),
    ]  # fmt: skip


def test_an_edit_cannot_empty_what_a_booking_went_by(workspace):
    """The re-import rule holds for a planner's edit too: the address of an order waiting
    for the answer to its booking e-mail (or the phone of an SMS booking) is not emptied
    by an edit; a new address is taken, and an unbooked order's address may be cleared."""
    from tests.data.mail.build import booked_by_email

    (order_no, _, address), (other_no, _, _) = booked_by_email(workspace, 2)
    ctx = workspace.context()
    with pytest.raises(InputError, match="booked by e-mail: an edit cannot empty its e-mail"):
        edit_order(ctx, order_no, email="")
    with ctx.session() as s:
        assert s.exec(select(Order).where(Order.order_no == order_no)).one().email == address
    assert edit_order(ctx, order_no, email="ny.adresse@example.no")  # a new one is fine
    with ctx.session() as s:  # an order no longer booked may lose its address
        order = s.exec(select(Order).where(Order.order_no == other_no)).one()
        order.booking_code, order.status = None, "open"
        s.add(order)
    assert edit_order(ctx, other_no, email="")
