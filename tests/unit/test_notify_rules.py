"""The [notify] rules: checked when the configuration is read, who gets a change, and the
digests (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from amsplan.config import load_settings
from amsplan.domain import notify
from amsplan.domain.notify import FLAG, HISTORY, Change
from amsplan.errors import ConfigError

TZ = load_settings().tz
AT = datetime(2026, 4, 1, 6, 5, tzinfo=UTC)
USERS = {"kari": "Kari@Nett.Example", "ola": "ola@nett.example"}


def settings_from(tmp_path: Path, text: str):
    path = tmp_path / "amsplan.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


def test_rules_are_read_with_their_recipients_resolved(tmp_path):
    s = settings_from(tmp_path, """
[notify]
team = "planlegging@nett.example"
horizon_hours = 24
[notify.users]
kari = "Kari@Nett.Example"
[[notify.rule]]
when = ["reply_other", "followup:email_failed"]
to = ["owner", "team", "kari", "leder@NETT.example"]
[[notify.rule]]
when = "cancel_started"
to = "team"
""")  # fmt: skip
    rules = notify.parse(s.notify_rules, s.notify_users, s.notify_team)
    first, second = rules.rules
    assert first.to == (
        ("owner", ""), ("team", "planlegging@nett.example"), ("kari", "Kari@nett.example"),
        ("leder@NETT.example", "leder@nett.example"),
    )  # fmt: skip
    assert first.owner and not second.owner and second.when == ("cancel_started",)
    assert rules.users == {"kari": "Kari@nett.example"} and s.notify_horizon_hours == 24
    # What to read: the named transitions, those that set a named reason, and the
    # reasons the named transitions set (a transition and its flag are one row).
    assert {"reply_other", "cancel_started", "email_undelivered"} <= rules.transitions
    assert {"reply", "cancelled", "email_failed"} == set(rules.kinds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[notify.rule]]\nwhen = ["reply_othr"]\nto = ["team"]',
         "notify.rule 1: unknown transition 'reply_othr'"),
        ('[[notify.rule]]\nwhen = ["reply_other"]\nto = ["owner"]\n'
         '[[notify.rule]]\nwhen = ["followup:canceled"]\nto = ["owner"]',
         "notify.rule 2: unknown follow-up reason 'followup:canceled' (one of followup:cancelled"),
        ('[[notify.rule]]\nwhen = ["reply_other"]\nto = []', "notify.rule 1: `to` is empty"),
        ('[[notify.rule]]\nto = ["owner"]', "notify.rule 1: `when` is missing"),
        ('[[notify.rule]]\nwhen = [" "]\nto = ["owner"]', "notify.rule 1: `when` is empty"),
        ('[[notify.rule]]\nwhen = ["reply_other"]\nto = [1]',
         "notify.rule 1: `to` must be a list of names"),
        ('[[notify.rule]]\nwhen = ["reply_other"]\nto = ["kari@"]',
         "notify.rule 1: 'kari@' is not an e-mail address"),
        ('[[notify.rule]]\nwhen = ["reply_other"]\nto = ["per"]',
         "notify.rule 1: 'per' in `to` is not \"owner\", \"team\", a user in [notify.users]"),
        ('[[notify.rule]]\nwhen = ["reply_other"]\nto = ["team"]',
         'notify.rule 1: "team" in `to`, but [notify] team is not set'),
        ('[[notify.rule]]\nwhen = ["reply_other"]\ntoo = ["team"]',
         "notify.rule 1: unknown key 'too'"),
        ('[notify.users]\nkari = "kari at nett.example"', "notify.users.kari: 'kari at"),
        ('[notify]\nteam = "planlegging@"', "notify.team: 'planlegging@' is not an e-mail"),
        ('[notify.users]\nkare = "kåre@nett.example"',
         "notify.users.kare: 'kåre@nett.example' has letters outside ASCII before the @ (it"
         " would need SMTPUTF8)"),
        ("[notify]\nhorizon_hours = 0", "notify.horizon_hours must be positive"),
    ],
)  # fmt: skip
def test_a_bad_rule_is_one_clear_error_naming_the_rule_and_the_value(tmp_path, text, message):
    with pytest.raises(ConfigError) as err:
        settings_from(tmp_path, text)
    assert message in str(err.value)
    assert str(err.value).startswith(str(tmp_path / "amsplan.toml"))
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("written", "address"),
    [
        ("Kari@Nett.Example", "Kari@nett.example"),
        ("ola@bølgen.no", "ola@bølgen.no"),  # sent as ola@xn--blgen-vua.no: no SMTPUTF8
        ("ola@XN--BLGEN-VUA.no", "ola@bølgen.no"),  # one form, as an order's address
        (" <leder@nett.example> ", "leder@nett.example"),
    ],
)
def test_a_planner_s_address_is_normalised_as_an_order_s(written, address):
    assert notify.address(written) == address


def rules_of(*rules: dict) -> notify.Rules:
    return notify.parse(rules, USERS, "planlegging@nett.example")


def change(
    source: str, id_: int, event: str, *, order: int = 1, at: datetime = AT,
    owner: str | None = "kari", reason: str = "",
) -> Change:  # fmt: skip
    customer = f"Åse Ørnes {order}"
    return Change(source, id_, order, at, event, f"AMS-{order:05d}", customer, owner, "tester",
                  reason)  # fmt: skip


def test_each_recipient_gets_the_changes_its_rules_name_oldest_first():
    rules = rules_of({"when": ["reply_other"], "to": ["owner"]},
                     {"when": ["cancel_started"], "to": ["team", "ola"]})  # fmt: skip
    later = change(HISTORY, 2, "reply_other", order=2, at=AT + timedelta(minutes=1))
    changes = [later, change(HISTORY, 1, "reply_other"), change(HISTORY, 3, "cancel_started"),
               change(HISTORY, 4, "resolve")]  # fmt: skip
    plan = notify.plan(rules, changes, set())
    got = {d.recipient: [r.change.id for r in d.rows] for d in plan.digests}
    assert got == {"Kari@nett.example": [1, 2], "ola@nett.example": [3],
                   "planlegging@nett.example": [3]}  # fmt: skip


def test_a_change_already_notified_to_a_recipient_is_left_out_for_them_only():
    rules = rules_of({"when": ["cancel_started"], "to": ["team", "ola"]})
    notified = {(HISTORY, 3, "ola@nett.example")}
    plan = notify.plan(rules, [change(HISTORY, 3, "cancel_started")], notified)
    assert [d.recipient for d in plan.digests] == ["planlegging@nett.example"]
    assert notify.plan(rules, [], set()).digests == []


def test_a_transition_and_the_flag_it_set_are_one_row_notifying_both():
    rules = rules_of({"when": ["reply_other", "followup:reply"], "to": ["kari"]},
                     {"when": ["followup:reply"], "to": ["ola"]})  # fmt: skip
    moved = change(HISTORY, 7, "reply_other", reason="Svar mottatt")
    flag = change(FLAG, 9, "followup:reply", reason="customer replied: Kan ikke\r\nden dagen")
    other = change(FLAG, 10, "followup:reply", order=2, reason="by itself")  # no transition
    plan = notify.plan(rules, [flag, other, moved], set())
    kari, ola = plan.digests
    assert [(r.change.key, r.claims) for r in kari.rows] == [
        ((HISTORY, 7), ((HISTORY, 7), (FLAG, 9))),
        ((FLAG, 10), ((FLAG, 10),)),
    ]
    assert kari.rows[0].reason == "Svar mottatt – customer replied: Kan ikke den dagen"
    assert kari.rows[0].change.label == "Other reply"
    # Ola's rule names the reason only: the row is the flag's, with the transition's comment.
    assert [(r.change.key, r.claims) for r in ola.rows][0] == ((FLAG, 9), ((FLAG, 9), (HISTORY, 7)))
    assert (
        ola.rows[0].change.label == "the customer replied something other than the confirming word"
    )
    assert ola.rows[0].reason == kari.rows[0].reason
    assert kari.claims == [(HISTORY, 7), (FLAG, 9), (FLAG, 10)]


def test_an_owner_without_an_address_is_reported_until_recorded_and_others_still_get_it():
    rules = rules_of({"when": ["reply_other"], "to": ["owner", "team"]})
    changes = [change(HISTORY, 1, "reply_other", owner="per"),
               change(HISTORY, 2, "reply_other", order=2, owner=None)]  # fmt: skip
    plan = notify.plan(rules, changes, set())
    assert {k: [c.id for c in v] for k, v in plan.unaddressed.items()} == {"per": [1], "": [2]}
    assert plan.markers == {"owner:per": [(HISTORY, 1)], "owner:": [(HISTORY, 2)]}
    assert [(d.recipient, len(d.rows)) for d in plan.digests] == [("planlegging@nett.example", 2)]
    reported = {(HISTORY, 1, "owner:per"), (HISTORY, 2, "owner:")}
    assert notify.plan(rules, changes, reported).unaddressed == {}


@pytest.mark.parametrize(
    ("moment", "local"),
    [
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "29.03.2026 01:30"),  # winter time
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "29.03.2026 03:30"),  # summer time
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25.10.2026 02:30"),  # summer time
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25.10.2026 02:30"),  # winter time again
        (datetime(2026, 4, 1, 6, 5), "01.04.2026 08:05"),  # naive from SQLite: UTC
    ],
)
def test_times_are_local_across_the_changes_of_daylight_saving_time(moment, local):
    assert notify.local_time(moment, TZ) == local


def test_since_is_the_oldest_change_with_the_date_when_not_today():
    changes = [change(HISTORY, 1, "resolve", at=AT), change(HISTORY, 2, "resolve", at=AT
               - timedelta(days=1, hours=14))]  # fmt: skip
    assert notify.since(changes[:1], AT + timedelta(hours=2), TZ) == "08:05"
    assert notify.since(changes, AT + timedelta(hours=2), TZ) == "30.03. 18:05"


def test_one_line_keeps_the_words_and_drops_line_breaks_and_control_characters():
    assert notify.one_line(" Hei\r\nSubject: x\x00\tå ") == "Hei Subject: x å"


def test_a_reason_the_comment_already_holds_is_said_once():
    rules = rules_of({"when": ["email_undelivered"], "to": ["kari"]})
    comment = "Booking-e-post kunne ikke leveres: bounced: 550 5.1.1 User unknown"
    moved = change(HISTORY, 7, "email_undelivered", reason=comment)
    flag = change(FLAG, 9, "followup:email_failed", reason="e-mail bounced: 550 5.1.1 User unknown")
    (kari,) = notify.plan(rules, [moved, flag], set()).digests
    assert kari.rows[0].reason == comment
