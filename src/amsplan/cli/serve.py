"""amsplan serve (the providers' callbacks) and amsplan sms receipts (their files)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from amsplan.cli.output import console, context, count, err_console, local_when, print_json, table
from amsplan.cli.params import Json
from amsplan.cli.sms import sms_app

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
        raise ConfigError('sms.provider is "file": there is no provider to hear from; '
                          "set [sms] provider in amsplan.toml")  # fmt: skip
    if provider in callbacks.SIGNED_BY_URL and not settings.sms_callback_url:
        raise ConfigError(
            f"{provider} signs the URL it calls: set [sms] callback_url to the public "
            "https:// base URL of this server (see docs/serve.md)"
        )
    try:
        every = float(os.environ.get("AMSPLAN_SERVE_RETRY_SECONDS", PENDING_EVERY))
    except ValueError:
        raise ConfigError("AMSPLAN_SERVE_RETRY_SECONDS must be a number of seconds") from None
    if not 0.1 <= every <= 86_400:  # also nan and inf (0 would spin)
        raise ConfigError("AMSPLAN_SERVE_RETRY_SECONDS must be 0.1 to 86400 seconds")
    applied = callbacks.apply_pending(c)
    if applied.total():
        err_console.print(f"Applied {count(applied.total(), 'stored callback', 'stored callbacks')}"
                          " left from before")  # fmt: skip
    if applied[ERROR]:
        err_console.print(f"{count(applied[ERROR], 'stored callback', 'stored callbacks')} "
                          "failed again: amsplan sms receipts --failed")  # fmt: skip
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
    err_console.print(f"amsplan serve: {provider} callbacks on http://{host}:{port}")
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
        items = callbacks.failed(c) if failed else callbacks.unmatched(c)
        if as_json:
            print_json([i.model_dump(exclude={"payload"}) for i in items])
            return
        out = table("id", "provider", "kind", "message id", "received", "outcome")
        for item in items:
            out.add_row(str(item.id), item.provider, item.kind, item.provider_message_id,
                        local_when(item.received_at, c.settings), item.outcome or "")  # fmt: skip
        console.print(out)
        if failed:
            console.print(count(len(items), "callback", "callbacks") + " failed to apply "
                          f"(tried again until try {MAX_TRIES}, then given up)")  # fmt: skip
        else:
            console.print(count(len(items), "report names", "reports name") + " no message of ours")
        return
    if file is None:
        raise InputError("give the FILE of delivery reports (or --unmatched, --failed)")
    result = callbacks.receipts(c, file, provider)
    if as_json:
        print_json({"file": result.file, "reports": result.reports, "skipped": result.skipped,
                    "outcomes": dict(result.outcomes)})  # fmt: skip
        return
    out = table("outcome", "reports", title=file.name)
    for outcome, n in sorted(result.outcomes.items()):
        out.add_row(outcome, str(n))
    console.print(out)
    skipped = f", {result.skipped} inbound rows skipped" if result.skipped else ""
    console.print(f"{count(result.reports, 'report', 'reports')} read{skipped}")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
