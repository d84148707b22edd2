"""The work lists a person clears: customer replies (`replies`), technician returns
(`returns`) and messages from the meter-data system (`upstream`).

`handle_command` makes the `handle` of all three; `field_group` makes the `returns`
and `upstream` groups (ingest, unapplied, handle, retry), which differ only in their
source and words.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from amsplan.cli.batch import ask_first
from amsplan.cli.output import console, context, local_when, print_json, table
from amsplan.cli.params import DryRun, HandleAll, HandleComment, Json, RetryAll, Yes
from amsplan.cli.records import record
from amsplan.errors import InputError
from amsplan.i18n import _, ngettext, pgettext

if TYPE_CHECKING:
    from amsplan.services.context import Context


MESSAGE_IDS = "Message ids (the id column of unapplied)."


def counted(one: str, n: int) -> str:
    """ "2 replies", "1 return", "3 messages" in the planner's language (`one`: the work
    list's item, "reply", "return" or "message")."""
    forms = {
        "reply": ngettext("{n} reply", "{n} replies", n),
        "return": ngettext("{n} return", "{n} returns", n),
        "message": ngettext("{n} message", "{n} messages", n),
    }
    return forms[one].format(n=n)


def handle_command(
    ids_help: str,
    one: str,
    listed: Callable[[Context], list[int]],
    run: Callable[[Context, list[int], str, bool], Any],
    doc: str,
) -> Callable[..., None]:
    """The `handle` command of a work list: the ids given, or --all: every item the list
    shows now, after a confirmation (count and prompt; --yes, --dry-run).
    listed(c): the ids in the list; run(c, ids, comment, dry_run): the service's handle."""

    def handle(
        ctx: typer.Context,
        ids: list[int] | None = None,
        comment: HandleComment = "",
        all_: HandleAll = False,
        dry_run: DryRun = False,
        yes: Yes = False,
        as_json: Json = False,
    ) -> None:
        from amsplan.services.worklist import HandleResult, check_comment

        if bool(ids) == all_:
            raise InputError(_("name the ids to handle (the id column), or --all (not both)"))
        comment = check_comment(comment)
        c = context(ctx)
        if all_:
            ids = listed(c)
            if ids:
                ask_first(
                    _("Mark {items} as handled?").format(items=counted(one, len(ids))), dry_run, yes
                )
        result = run(c, ids, comment, dry_run) if ids else HandleResult()
        if as_json:
            print_json({"handled": result.handled, "already_handled": result.already,
                        "dry_run": dry_run})  # fmt: skip
            return
        done = _("Would handle {items}.") if dry_run else _("Handled {items}.")
        console.print(done.format(items=counted(one, len(result.handled))))
        if result.already:
            already = ", ".join(map(str, result.already))
            console.print(_("Already handled (nothing changed): {ids}").format(ids=already))

    # (annotations are evaluated in the module: this one's help is the list's)
    handle.__annotations__["ids"] = Annotated[list[int] | None, typer.Argument(help=ids_help)]
    handle.__doc__ = inspect.cleandoc(doc)
    return handle


def print_ingest(result: Any, file: Path, as_json: bool) -> None:
    """The outcomes of a returns or upstream file; exit code 1 when rows were refused."""
    if as_json:
        print_json(
            {"file": result.file, "new": result.new, "already_ingested": result.already_ingested,
             "outcomes": dict(result.outcomes),
             "refused": [{"line": n, "order_no": o, "reason": r} for n, o, r in result.refused]}
        )  # fmt: skip
    else:
        out = table(_("outcome"), _("rows"), title=file.name)
        words = _outcomes()
        for outcome, n in sorted(result.outcomes.items()):
            out.add_row(words.get(outcome, outcome), str(n))
        if result.already_ingested:
            out.add_row(_("already ingested"), str(result.already_ingested))
        console.print(out)
        line_text = _("line {line}: {order}: {reason}")
        for line, order_no, reason in result.refused:
            console.print(line_text.format(line=line, order=order_no, reason=reason))
    if result.refused:
        raise typer.Exit(1)


def _outcomes() -> dict[str, str]:
    """The outcomes of a returns or upstream row in the planner's words."""
    return {
        "applied": pgettext("outcome", "applied"), "refused": pgettext("outcome", "refused"),
        "unknown_order": pgettext("outcome", "unknown order"),
    }  # fmt: skip


def field_group(
    source: str,
    one: str,
    group_help: str,
    read: Callable[[Context, Path], Any],
    file_help: str,
    docs: tuple[str, str, str, str],
) -> typer.Typer:
    """The `returns` or `upstream` group: ingest (with `read`), unapplied, handle, retry.
    `one`: "return" or "message"; `docs`: the help of the four commands, in that order."""
    app = typer.Typer(help=group_help, no_args_is_help=True)

    def ingest(ctx: typer.Context, file: Path, as_json: Json = False) -> None:
        print_ingest(read(context(ctx), file), file, as_json)

    # (annotations are evaluated in the module: this one's help is the group's)
    ingest.__annotations__["file"] = Annotated[Path, typer.Argument(help=file_help)]

    def unapplied(ctx: typer.Context, as_json: Json = False) -> None:
        from amsplan.services.field import message_text
        from amsplan.services.field import unapplied as listed

        c = context(ctx)
        items = listed(c, source)
        if as_json:
            print_json([record(m) for m in items])  # times with their offset
            return
        out = table(_("id"), _("file:line"), _("order"), _("message"), _("why"), _("received"))
        for m in items:
            received = local_when(m.ingested_at, c.settings)
            out.add_row(str(m.id), f"{m.source_file}:{m.line_no}", m.order_no,
                        message_text(m), m.reason, received)  # fmt: skip
        console.print(out)
        n = len(items)
        console.print(
            ngettext("{n} message needs a person", "{n} messages need a person", n).format(n=n)
        )

    def unapplied_ids(c: Context) -> list[int]:
        from amsplan.services.field import unapplied as listed

        return [m.id for m in listed(c, source) if m.id is not None]

    def handle_messages(c: Context, ids: list[int], comment: str, dry_run: bool) -> Any:
        from amsplan.services.field import handle

        return handle(c, source, ids, comment, dry_run=dry_run)

    handle = handle_command(
        MESSAGE_IDS, one, unapplied_ids,
        handle_messages, docs[2],
    )  # fmt: skip

    def retry(
        ctx: typer.Context,
        ids: list[int] | None = None,
        all_: RetryAll = False,
        as_json: Json = False,
    ) -> None:
        from amsplan.services.field import retry as retry_messages

        if bool(ids) == all_:
            raise InputError(_("name the message ids to retry, or --all (not both)"))
        result = retry_messages(context(ctx), source, ids or None)
        if as_json:
            print_json({"applied": [{"id": i, "order_no": o} for i, o in result.applied],
                        "still_unapplied": [{"id": i, "order_no": o, "reason": r}
                                            for i, o, r in result.refused],
                        "already_handled": result.already})  # fmt: skip
        else:
            applied = pgettext("outcome", "applied")
            for message_id, order_no in result.applied:
                console.print(f"{message_id}: {order_no}: {applied}")
            for message_id, order_no, reason in result.refused:
                console.print(f"{message_id}: {order_no}: {reason}")
            if result.already:
                already = ", ".join(map(str, result.already))
                console.print(_("Already handled (nothing changed): {ids}").format(ids=already))
            console.print(
                ngettext(
                    "{n} message applied, {left} still need a person",
                    "{n} messages applied, {left} still need a person",
                    len(result.applied),
                ).format(n=len(result.applied), left=len(result.refused))
            )
        if result.refused:
            raise typer.Exit(1)

    retry.__annotations__["ids"] = Annotated[list[int] | None, typer.Argument(help=MESSAGE_IDS)]
    commands: tuple[Callable[..., None], ...] = (ingest, unapplied, handle, retry)
    for name, function, doc in zip(
        ("ingest", "unapplied", "handle", "retry"), commands, docs, strict=True
    ):
        function.__doc__ = inspect.cleandoc(doc)
        app.command(name)(function)
    return app
