"""`notify run` (cron): one digest e-mail per planner with the changes the [notify] rules
name, each change exactly once per recipient.

A run settles what a dead run left "sending", then, in one short transaction holding
the "notify" lock, finds the changes of the last [notify] horizon_hours not yet notified
to each recipient, records one digest per recipient (services.outmail) and a notice per
change and recipient (the claim; unique per change and recipient), and commits; then it
sends. Two runs at once take turns on the lock, and the second finds the first's notices.

What the server answered decides the notices (`settled`): sent, they stay; refused or
not sent, they are deleted, so the next run sends those changes again; in doubt (the
connection broke while the server took it, or a run died), they stay: the changes are
never sent twice blindly, and `amsplan email list` shows the message for a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from amsplan.adapters import mailtexts
from amsplan.domain import notify
from amsplan.domain.states import EmailKind, EmailState
from amsplan.i18n import _, language, ngettext
from amsplan.services import outmail
from amsplan.services.context import Context
from amsplan.store import db
from amsplan.store import notify as store
from amsplan.store.models import EmailMessage


@dataclass
class DigestResult:
    recipient: str
    changes: int  # rows in the digest
    subject: str
    state: EmailState | None = None  # None: a dry run
    error: str | None = None
    email_id: int | None = None
    text: str = ""  # the text body (a dry run)


@dataclass
class Unaddressed:
    owner: str  # "" for orders without an owner
    orders: list[str]


@dataclass
class NotifyResult:
    dry_run: bool
    since: datetime  # changes from this time were looked at
    rules: int
    digests: list[DigestResult] = field(default_factory=list)
    unaddressed: list[Unaddressed] = field(default_factory=list)
    left: int = 0  # digests a dead run left "sending", now "unknown"

    @property
    def failed(self) -> list[DigestResult]:
        """Digests that did not go, or may not have gone."""
        return [d for d in self.digests if d.state in (EmailState.FAILED, EmailState.UNKNOWN)]


def rules(ctx: Context) -> notify.Rules:
    """The [notify] rules as understood (checked when the configuration was read)."""
    s = ctx.settings
    return notify.parse(s.notify_rules, s.notify_users, s.notify_team)


def run(ctx: Context, dry_run: bool = False) -> NotifyResult:
    """Send each recipient a digest of the changes not yet notified to them (see the
    module docstring); a dry run records and sends nothing and returns the texts."""
    understood = rules(ctx)
    now = ctx.now()
    result = NotifyResult(dry_run, now - timedelta(hours=ctx.settings.notify_horizon_hours),
                          len(understood.rules))  # fmt: skip
    if not understood.rules:
        return result
    if dry_run:
        with ctx.session(readonly=True) as s:
            plan = _plan(s, understood, result.since, now)
        shown = [(d, _texts(ctx, d)) for d in plan.digests]
        result.digests = [DigestResult(d.recipient, len(d.rows), t.subject, text=t.text)
                          for d, t in shown]  # fmt: skip
        result.unaddressed = _unaddressed(plan)
        return result
    result.left = outmail.settle_left(ctx, {EmailKind.DIGEST: settled})
    outgoing = []
    with ctx.session() as s:
        db.serialise(s, "notify")  # two runs take turns: the second sees the first's notices
        plan = _plan(s, understood, result.since, now)
        if plan.digests:  # the settings and the server, before anything is recorded
            outmail.reachable(ctx)
        for digest in plan.digests:
            texts = _texts(ctx, digest)
            message = outmail.record(s, ctx, EmailKind.DIGEST, digest.recipient, texts.subject)
            assert message.id is not None
            store.record(s, digest.recipient, digest.claims, now, message.id)
            outgoing.append(
                (
                    message.id,
                    outmail.mime(
                        ctx, message, texts.text, texts.html, reply_to=ctx.settings.notify_team
                    ),
                )
            )
            result.digests.append(DigestResult(digest.recipient, len(digest.rows),
                                               texts.subject, email_id=message.id))  # fmt: skip
        for marker, keys in plan.markers.items():
            store.record(s, marker, keys, now, None)
        result.unaddressed = _unaddressed(plan)
    if outgoing:
        outcomes = {o.id: o for o in outmail.send(ctx, outgoing, settled)}
        for digest_result in result.digests:
            outcome = outcomes[digest_result.email_id or 0]
            digest_result.state, digest_result.error = outcome.state, outcome.error
    return result


def settled(s: Session, ctx: Context, message: EmailMessage, state: EmailState) -> None:
    """What a digest's answer means for its notices (called in the settling transaction;
    also by `amsplan email settle`): not sent -> released, so the next run sends those
    changes again; sent or in doubt -> kept."""
    if state is EmailState.FAILED and message.id is not None:
        store.release(s, message.id)


def _plan(s: Session, understood: notify.Rules, since: datetime, now: datetime) -> notify.Plan:
    changes = store.changes(s, since, now, understood.transitions, understood.kinds)
    return notify.plan(understood, changes, store.notified(s, (c.key for c in changes)))


def _texts(ctx: Context, digest: notify.Digest) -> mailtexts.MailText:
    tz = ctx.settings.tz
    rows = [
        {"order_no": r.change.order_no, "customer": notify.one_line(r.change.customer),
         "change": r.change.label, "reason": r.reason, "who": notify.one_line(r.change.actor),
         "when": notify.local_time(r.change.at, tz)}
        for r in digest.rows
    ]  # fmt: skip
    since = notify.since((r.change for r in digest.rows), ctx.now(), tz)
    company = ctx.settings.company_name
    n = len(rows)
    values = {
        "count": n,
        "since": since,
        "company": company,
        "rows": rows,
        # The digest goes to planners: its words follow the language (templates/email).
        "t": {
            "lang": language(),
            "subject": ngettext("amsplan: {n} change since {since}",
                                "amsplan: {n} changes since {since}", n).format(n=n, since=since),
            "changes": ngettext("{n} change", "{n} changes", n).format(n=n),
            "hello": _("Hi,"),
            "intro": ngettext("{n} change in amsplan since {since}:",
                              "{n} changes in amsplan since {since}:", n).format(n=n, since=since),
            "when": _("When"), "order": _("Order"), "customer": _("Customer"),
            "change": _("Change"), "who": _("Who"), "reason": _("Reason / comment"),
            "followup": _("The orders that need a planner:"),
            "one_order": _("One order:"), "order_no": _("ORDER_NO"),
            "footer": _("Sent by amsplan for {company} by the rules in [notify]. Each change"
                        " comes once.").format(company=company),
        },
    }  # fmt: skip
    return mailtexts.render("digest", values, ctx.settings.templates_dir)


def _unaddressed(plan: notify.Plan) -> list[Unaddressed]:
    return [
        Unaddressed(owner, sorted({c.order_no for c in changes}))
        for owner, changes in sorted(plan.unaddressed.items())
    ]
