"""amsplan replies ingest|unmatched|handle."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from amsplan.adapters.replyfiles import FORMATS
from amsplan.cli.output import console, context, local_when, print_json, table
from amsplan.cli.params import Json, choice
from amsplan.cli.worklists import handle_command
from amsplan.i18n import _, ngettext

if TYPE_CHECKING:
    from amsplan.services.context import Context

replies_app = typer.Typer(help="Customer replies (SMS, e-mail or scanned).", no_args_is_help=True)

ReplyFormat = Annotated[
    str | None,
    choice("--format", FORMATS, "The file's format (default: found from its header).",
           normalise=str.lower),
]  # fmt: skip


@replies_app.command("ingest")
def ingest(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: amsplan's (received time, sender, text[, message id]), "
            "a Twilio console export of messages, or Sveve's received messages; "
            "e-mail: an .eml file, a Maildir folder or an mbox file."
        ),
    ],  # fmt: skip
    file_format: ReplyFormat = None,
    as_json: Json = False,
) -> None:
    """Read customer replies: code + the confirming word confirms, anything else goes to
    manual follow-up. The word is \\[replies] keyword_ok in amsplan.toml ("OK" unless set),
    in any case; letters and SMS tell customers to reply with it. STOP or STOPP: the
    sender's number gets no more SMS; START: it may again.

    Every reply is stored with what happened to it; the same file twice changes nothing.

    Formats: amsplan's, Twilio's console export (outbound rows skipped), Sveve's; and
    e-mail (found without --format): an .eml file, a Maildir folder (cur/ or new/), an
    mbox file. An e-mail's answer is the customer's own new text, not what it quotes;
    automatic answers and bounces are counted apart (docs/email.md).

    Examples: amsplan replies ingest /var/spool/sms/svar-2026-04-15.csv
              amsplan replies ingest ~/Maildir/.Svar
    """
    from amsplan.services import mailreplies
    from amsplan.services.replies import OUTCOMES
    from amsplan.services.replies import ingest as ingest_replies

    c = context(ctx)
    if file_format is None and mailreplies.is_mail(file):
        _print_result(mailreplies.ingest_path(c, file), str(file), "e-mail", 0, as_json, OUTCOMES)
        return
    result = ingest_replies(c, file, file_format)
    _print_result(result, result.file, result.format, result.skipped, as_json, OUTCOMES)


def _outcome_rows(out: Any, outcomes: dict[Any, str], counts: Any) -> None:
    """One row per outcome that happened: its label, how many, what it means."""
    from amsplan.domain.replies import OUTCOME_LABELS

    for outcome, meaning in outcomes.items():
        if counts[outcome]:
            out.add_row(_(OUTCOME_LABELS[outcome]), str(counts[outcome]), _(meaning))


def _print_result(
    result: Any, name: str, kind: str, skipped: int, as_json: bool, outcomes: dict[Any, str]
) -> None:
    """The outcomes of one ingest (a reply file's, or e-mail's), as a table or JSON."""
    if as_json:
        print_json(
            {
                "file": name,
                "format": kind,
                "new": result.new,
                "already_ingested": result.already_ingested,
                "skipped": skipped,
                "outcomes": dict(result.outcomes),
            }
        )
        return
    shown = _("e-mail") if kind == "e-mail" else kind
    out = table(_("outcome"), _("replies"), _("meaning"), title=f"{Path(name).name} ({shown})")
    _outcome_rows(out, outcomes, result.outcomes)
    if result.already_ingested:
        read = (
            _("messages read before: skipped")
            if kind == "e-mail"
            else _("lines read before: skipped")
        )
        out.add_row(_("already ingested"), str(result.already_ingested), read)
    if skipped:
        out.add_row(_("not a reply"), str(skipped), _("outbound messages in the export: skipped"))
    console.print(out)


@replies_app.command("unmatched")
def unmatched(ctx: typer.Context, as_json: Json = False) -> None:
    """List replies that need a person: unknown or old codes, no code, order not waiting.

    Example: amsplan replies unmatched
    """
    from amsplan.services.replies import OUTCOMES, ReplyOutcome
    from amsplan.services.replies import unmatched as unmatched_replies

    c = context(ctx)
    items = unmatched_replies(c)
    if as_json:
        from amsplan.cli.records import record
        from amsplan.domain.replies import OUTCOME_LABELS

        labels = {outcome: _(label) for outcome, label in OUTCOME_LABELS.items()}
        print_json([record(r, order_no=n, outcome_label=labels[ReplyOutcome(r.outcome)])
                    for r, n in items])  # fmt: skip
        return
    out = table(_("id"), _("received"), _("from"), _("text"), _("order"), _("why"))
    why = {outcome: _(meaning) for outcome, meaning in OUTCOMES.items()}
    for reply, order_no in items:
        out.add_row(
            str(reply.id), local_when(reply.received_at, c.settings), reply.sender, reply.text,
            order_no or "", why[ReplyOutcome(reply.outcome)],
        )  # fmt: skip
    console.print(out)
    n = len(items)
    console.print(ngettext("{n} reply needs a person", "{n} replies need a person", n).format(n=n))


def _unmatched_ids(c: Context) -> list[int]:
    from amsplan.services.replies import unmatched as unmatched_replies

    return [r.id for r, _ in unmatched_replies(c) if r.id is not None]


def _handle(c: Context, ids: list[int], comment: str, dry_run: bool) -> Any:
    from amsplan.services.replies import handle as handle_replies

    return handle_replies(c, ids, comment, dry_run=dry_run)


HANDLE = """Mark replies as dealt with: they leave `replies unmatched`; the comment is kept in
    the order's timeline.

    --all: every reply in the list now; shows the count and asks first (--yes for
    scripts, --dry-run to only count).

    Example: amsplan replies handle 12 15 --comment "Ringte kunden, ny tid avtalt"
    """

replies_app.command("handle")(
    handle_command(
        "Reply ids (the id column of unmatched).",
        "reply",
        _unmatched_ids,
        _handle,
        HANDLE,
    )  # fmt: skip
)


def register(app: typer.Typer) -> None:
    app.add_typer(replies_app, name="replies")


# --- replies fetch: e-mail replies from the IMAP mailbox (services.mailfetch) -------------


@replies_app.command("fetch")
def fetch(
    ctx: typer.Context,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Log in and count the messages waiting; read, store "
            "and move nothing (tests the \\[imap] settings).",
        ),
    ] = False,  # fmt: skip
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help="Read at most this many messages (the oldest)."),
    ] = None,
    as_json: Json = False,
) -> None:
    """Read customers' e-mail replies from the IMAP mailbox (\\[imap] in amsplan.toml; the
    password in the environment as AMSPLAN_IMAP_PASSWORD) and apply them by the same
    rules as `replies ingest`. Each message is moved to \\[imap] done_folder once its reply
    is stored; a message read before (the same Message-ID) is only moved. For cron.

    Example: amsplan replies fetch --dry-run
    """
    from amsplan.services.mailfetch import fetch as fetch_mail
    from amsplan.services.replies import OUTCOMES

    result = fetch_mail(context(ctx), dry_run=dry_run, limit=limit)
    if as_json:
        print_json(
            {
                "source": result.source,
                "dry_run": result.dry_run,
                "found": result.found,
                "new": result.new,
                "already_ingested": result.already_ingested,
                "outcomes": dict(result.outcomes),
                "moved": result.moved,
                "done_folder": result.done_folder,
            }
        )
        return
    if dry_run:
        n = result.found
        console.print(
            ngettext(
                "Dry run: {n} message in {source} would be read; nothing stored or moved",
                "Dry run: {n} messages in {source} would be read; nothing stored or moved",
                n,
            ).format(n=n, source=result.source)
        )
        return
    out = table(_("outcome"), _("replies"), _("meaning"), title=result.source)
    _outcome_rows(out, OUTCOMES, result.outcomes)
    if result.already_ingested:
        out.add_row(
            _("already ingested"), str(result.already_ingested), _("read before: only moved")
        )
    out.add_row(_("moved"), str(result.moved), _("to {folder}").format(folder=result.done_folder))
    console.print(out)
