"""Customers' e-mail addresses (issue 16.1): a cell repaired when certain, else refused
with a reason that never repeats the address; searched and re-imported like the phone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amsplan.domain import reimport
from amsplan.domain.cells import email_address
from amsplan.store.models import search_text_of


@pytest.mark.parametrize(
    ("cell", "address"),
    [
        ("kari.nordmann@eksempel.no", "kari.nordmann@eksempel.no"),
        ("Kari.Nordmann@Eksempel.NO", "Kari.Nordmann@eksempel.no"),  # the domain's case only
        ("  kari@eksempel.no\u00a0", "kari@eksempel.no"),  # spaces, a non-breaking one too
        ("kari@eksempel.no;", "kari@eksempel.no"),  # the end of a list in Outlook
        ("kari@eksempel.no , ", "kari@eksempel.no"),
        ("kari@eksempel.no\r\n", "kari@eksempel.no"),  # a line end is space around
        ("mailto:kari@eksempel.no", "kari@eksempel.no"),  # a spreadsheet's link
        ("MAILTO:kari@eksempel.no", "kari@eksempel.no"),
        ("<kari@eksempel.no>", "kari@eksempel.no"),
        ("Kari Nordmann <kari@eksempel.no>", "kari@eksempel.no"),
        ('"Nordmann, Kari" <mailto:kari@eksempel.no>;', "kari@eksempel.no"),
        ("ola@blåbær.no", "ola@blåbær.no"),  # an international domain, kept readable
        ("ola@BLÅBÆR.no", "ola@blåbær.no"),
        ("åse@example.com", "åse@example.com"),
        ("", ""),  # no address
        ("   ", ""),
    ],
)
def test_addresses_are_normalised_and_excel_damage_repaired(cell, address):
    assert email_address(cell) == (address, None)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("kari@eksempel.no; ola@eksempel.no", "several e-mail addresses; one address per order"),
        ("kari@eksempel.no,ola@eksempel.no", "several e-mail addresses"),
        ("kari@eksempel.no ola@eksempel.no", "several e-mail addresses"),
        ("Kari <kari@eksempel.no> <ola@eksempel.no>", "several e-mail addresses"),
        ("kari.eksempel.no", "must have an @-sign"),
        ("kari@eksempel", "It should have a period"),
        ("kari nordmann@eksempel.no", "invalid characters before the @-sign"),
        ("kari@@eksempel.no", "invalid characters"),
        ("kari@eksempel..no", "two periods in a row"),
        ("kari@eksempel.invalid", "special-use or reserved name"),
        ("kari@localhost", "not valid"),
        ("kari@eksempel.no\nBcc: x@y.no", "several e-mail addresses"),  # header injection
        ("kari@eks\nempel.no", "contains invalid characters: U+000A"),  # a line break
        ('"kari nordmann"@eksempel.no', "Quoting"),
        ("kari@xn--zz.no", "not valid IDNA"),
        ("ikke oppgitt", "must have an @-sign"),
    ],
)
def test_what_is_not_one_address_is_refused_with_a_reason(cell, reason):
    address, problem = email_address(cell)
    assert address == ""
    assert problem is not None and reason in problem


def test_a_reason_never_repeats_the_address():
    # The last one: the validator's reason quotes the domain (left out here).
    for cell in ("kari.nordmann@eksempel", "kari.nordmann@xn--zz.no", "kari.nordmann@ex ample.no",
                 "kari.nordmann@eksempel.no; ola.hansen@eksempel.no",
                 "kari@nordmann\u1100.no"):  # fmt: skip
        _, problem = email_address(cell)
        assert problem is not None
        assert "nordmann" not in problem and "xn--zz" not in problem, problem


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_cell_gives_an_address_or_a_reason_never_an_exception(cell):
    address, problem = email_address(cell)
    assert (address == "") if problem else (problem is None)


_ATOM = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+-_'æøåÆØÅ",
                min_size=1, max_size=20)  # fmt: skip
_LABEL = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-æøåÆØÅ",
                 min_size=1, max_size=15)  # fmt: skip
_DECORATION = st.sampled_from(["{}", " {} ", "{};", "mailto:{}", "<{}>", "Kari <{}>", "{}, "])


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=60), st.builds(
    lambda local, labels, tld, decoration: decoration.format(f"{local}@{'.'.join(labels)}.{tld}"),
    _ATOM, st.lists(_LABEL, min_size=1, max_size=3), st.sampled_from(["no", "com", "NO", "se"]),
    _DECORATION,
)))  # fmt: skip
def test_every_accepted_address_is_accepted_again_as_it_is(cell):
    address, problem = email_address(cell)
    if problem is None and address:
        assert email_address(address) == (address, None)
        assert address == address.strip() and "@" in address


def test_search_text_holds_the_address_in_lower_case_after_name_and_phone():
    text = search_text_of(
        "Kari Nordmann", "Storgata 1", "HAMAR", "412 34 567", "+4741234567",
        "Kari.Nordmann@Eksempel.no",
    )  # fmt: skip
    assert text == "kari nordmann storgata 1 hamar 41234567 4741234567 kari.nordmann@eksempel.no"
    assert search_text_of("Kari", "Storgata 1", "HAMAR") == "kari storgata 1 hamar"  # as before


OLD = {"customer_name": "Kari", "street": "Storgata 1", "postcode": "2317", "city": "HAMAR",
       "phone": "41234567", "mobile": "+4741234567", "email": "kari@eksempel.no"}  # fmt: skip


def test_a_changed_address_is_a_contact_change_like_the_phone():
    assert reimport.contact_changes(OLD, {**OLD, "email": "kari@example.com"}) == ["email"]
    assert reimport.contact_changes(OLD, {**OLD, "email": ""}) == ["email"]
    assert reimport.contact_changes({**OLD, "email": ""}, {**OLD, "email": ""}) == []
    # A first address is taken without follow-up: nothing of the booking went by it.
    assert reimport.contact_changes({**OLD, "email": ""}, {**OLD, "email": "kari@x.no"}) == []
    assert reimport.contact_changes({**OLD, "phone": ""}, OLD) == ["phone"]  # as before
    assert reimport.contact_changes(OLD, {"street": "Storgata 1"}) == []  # no E-post column


def test_the_address_of_an_order_booked_by_email_may_not_be_blanked():
    blank = {**OLD, "email": "", "phone": "", "mobile": None}
    assert reimport.blanked(OLD, blank, "email") == ["email"]
    assert reimport.blanked(OLD, blank, "sms") == ["phone"]
    assert reimport.blanked(OLD, blank, "letter") == []
    assert reimport.blanked(OLD, {"street": "Storgata 1"}, "email") == []  # no E-post column
    assert reimport.blanked({**OLD, "email": ""}, blank, "email") == []  # had none


def test_a_purged_order_keeps_no_address():
    kept, restored = reimport.without_personal(
        {"customer_name": reimport.ANONYMOUS, "email": ""},
        {"email": "kari@eksempel.no", "stage": "E2"},
    )
    assert (kept, restored) == ({"stage": "E2"}, True)
