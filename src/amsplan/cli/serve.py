"""amsplan serve (the providers' callbacks) and amsplan sms receipts (their files)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from amsplan.cli.output import console, context, err_console, local_when, print_json, table
from amsplan.cli.params import Json
from amsplan.cli.sms import sms_app
from amsplan.i18n import _, ngettext

# Seconds between tries of stored callbacks not applied (AMSPLAN_SERVE_RETRY_SECONDS).
PENDING_EVERY = 60.0


def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None,
        typer.Option("--host", help="Address to listen on (else serve.host in amsplan.toml)."),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port", min=1, max=65535, help="Port to listen on (else serve.port in amsplan.toml)."
        ),
    ] = None,
) -> None:
    """Receive the SMS provider's delivery reports and customers' replies over HTTP.

    Listens on 127.0.0.1:8470 unless serve.host/port in amsplan.toml say otherwise;
    put a reverse proxy with TLS in front (docs/serve.md). Every callback is verified,
    stored and applied, and only then answered 200; callbacks stored but not applied
    (a failed apply) are tried again at start and every minute, at most 3 times
    (`amsplan sms receipts --failed` lists them).

    Example: amsplan serve --port 8470
    """
    import logging
    import os

    import uvicorn

    from amsplan.adapters.web import make_app
    from amsplan.domain.callbacks import ERROR
    from amsplan.errors import ConfigError
    from amsplan.services import callbacks

    c = context(ctx)
    settings = c.settings
    provider = settings.sms_provider
    if provider == "file":
        raise ConfigError(
            _(
                'sms.provider is "file": there is no provider to hear from; '
                "set [sms] provider in amsplan.toml"
            )
        )
    if provider in callbacks.SIGNED_BY_URL and not settings.sms_callback_url:
        raise ConfigError(
            _(
                "{provider} signs the URL it calls: set [sms] callback_url to the public "
                "https:// base URL of this server (see docs/serve.md)"
            ).format(provider=provider)
        )
    try:
        every = float(os.environ.get("AMSPLAN_SERVE_RETRY_SECONDS", PENDING_EVERY))
    except ValueError:
        raise ConfigError(_("AMSPLAN_SERVE_RETRY_SECONDS must be a number of seconds")) from None
    if not 0.1 <= every <= 86_400:  # also nan and inf (0 would spin)
        raise ConfigError(_("AMSPLAN_SERVE_RETRY_SECONDS must be 0.1 to 86400 seconds"))
    applied = callbacks.apply_pending(c)
    if applied.total():
        n = applied.total()
        err_console.print(
            ngettext(
                "Applied {n} stored callback left from before",
                "Applied {n} stored callbacks left from before",
                n,
            ).format(n=n)
        )
    if applied[ERROR]:
        n = applied[ERROR]
        err_console.print(
            ngettext(
                "{n} stored callback failed again: amsplan sms receipts --failed",
                "{n} stored callbacks failed again: amsplan sms receipts --failed",
                n,
            ).format(n=n)
        )
    log = logging.getLogger("amsplan.serve")
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    app = make_app(
        lambda name, kind, request: callbacks.receive(c, name, kind, request),
        lambda: callbacks.health(c), settings.serve_max_body, settings.sms_callback_url,
        pending=lambda: callbacks.apply_pending(c), every=every,
    )  # fmt: skip
    host, port = host or settings.serve_host, port or settings.serve_port
    err_console.print(
        _("amsplan serve: {provider} callbacks on {url}").format(
            provider=provider, url=f"http://{host}:{port}"
        )
    )
    # One process: the database serialises writers anyway, and callbacks are short.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning",
                server_header=False)  # fmt: skip


@sms_app.command("receipts")
def receipts(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="The provider's file of delivery reports.")
    ] = None,
    provider: Annotated[
        str | None,
        typer.Option(
            "--provider", help="Whose file: twilio or sveve (else sms.provider in amsplan.toml)."
        ),
    ] = None,
    unmatched: Annotated[
        bool, typer.Option("--unmatched", help="List reports about messages amsplan lacks.")
    ] = False,
    failed: Annotated[
        bool, typer.Option("--failed", help="List callbacks whose applying failed.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Read delivery reports from the provider's file; list reports nobody matched.

    A booking SMS that failed moves its order to manual follow-up, another failed SMS
    gets a comment and shows in `followup list`. Reports already seen (by `amsplan serve`
    or an earlier file) apply once.

    Twilio: the console's export of messages (Sid, Status, ErrorCode, SentDate, Direction;
    inbound rows skipped). Sveve: id;status;ref;errorCode;errorDesc (status true/false).

    Examples: amsplan sms receipts twilio-messages.csv
              amsplan sms receipts --unmatched
              amsplan sms receipts --failed
    """
    from amsplan.domain.callbacks import MAX_TRIES
    from amsplan.errors import InputError
    from amsplan.services import callbacks

    c = context(ctx)
    if unmatched or failed:
        from amsplan.cli.records import record

        items = callbacks.failed(c) if failed else callbacks.unmatched(c)
        if as_json:
            print_json([record(i, exclude={"payload"}) for i in items])
            return
        out = table(_("id"), _("provider"), _("kind"), _("message id"), _("received"), _("outcome"))
        kinds = callback_kinds()
        for item in items:
            out.add_row(
                str(item.id),
                item.provider,
                kinds.get(item.kind, item.kind),
                item.provider_message_id,
                local_when(item.received_at, c.settings),
                outcome_label(item.outcome) if item.outcome else "",
            )
        console.print(out)
        n = len(items)
        if failed:
            console.print(
                ngettext(
                    "{n} callback failed to apply (tried again until try {tries}, then given up)",
                    "{n} callbacks failed to apply (tried again until try {tries}, then given up)",
                    n,
                ).format(n=n, tries=MAX_TRIES)
            )
        else:
            console.print(
                ngettext(
                    "{n} report names no message of ours", "{n} reports name no message of ours", n
                ).format(n=n)
            )
        return
    if file is None:
        raise InputError(_("give the FILE of delivery reports (or --unmatched, --failed)"))
    result = callbacks.receipts(c, file, provider)
    if as_json:
        print_json({"file": result.file, "reports": result.reports, "skipped": result.skipped,
                    "outcomes": dict(result.outcomes)})  # fmt: skip
        return
    out = table(_("outcome"), _("reports"), title=file.name)
    for outcome, n in sorted(result.outcomes.items()):
        out.add_row(outcome_label(outcome), str(n))
    console.print(out)
    n = result.reports
    if result.skipped:
        said = ngettext(
            "{n} report read, {skipped} inbound rows skipped",
            "{n} reports read, {skipped} inbound rows skipped",
            n,
        )
    else:
        said = ngettext("{n} report read", "{n} reports read", n)
    console.print(said.format(n=n, skipped=result.skipped))


def callback_kinds() -> dict[str, str]:
    """The kinds of callback in the planner's language."""
    return {"status": _("delivery report"), "inbound": _("reply")}


def outcome_label(outcome: str) -> str:
    """A callback's outcome as a planner reads it: a delivery report's in words, a reply's
    by its reply's outcome, a failed try as stored (its class)."""
    from amsplan.domain.callbacks import APPLIED, STALE, UNKNOWN_MESSAGE
    from amsplan.domain.replies import OUTCOME_LABELS

    words = {
        APPLIED: _("applied"),
        STALE: _("late report, kept but not applied"),
        UNKNOWN_MESSAGE: _("no message of ours"),
    }
    if outcome in words:
        return words[outcome]
    label = OUTCOME_LABELS.get(outcome)  # type: ignore[call-overload]
    return _(label) if label else outcome


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
