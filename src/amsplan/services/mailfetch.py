"""`replies fetch`: customers' e-mail replies from the IMAP mailbox ([imap] settings).

The messages of [imap] folder are read in UID order and handed to
`mailreplies.ingest_mails` (the same rules as replies ingested from files) with the
server's receipt time. A message is moved to [imap] done_folder only after its reply
is committed: ingest_mails commits a chunk, then names the chunk's messages, and those
are moved. A run killed between the commit and the move leaves them in the folder; the
next run finds them again, they count as already ingested (by Message-ID) and are moved
then: never applied twice, never lost.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from amsplan.adapters import imap
from amsplan.errors import InputError
from amsplan.faults import crash_point
from amsplan.i18n import _
from amsplan.services import mailreplies
from amsplan.services.context import Context


@dataclass
class FetchResult:
    source: str  # imap:user@host/folder
    found: int = 0  # messages read from the folder (or that would be, with dry_run)
    new: int = 0
    already_ingested: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    moved: int = 0  # moved to the done folder
    done_folder: str = ""
    dry_run: bool = False


def fetch(ctx: Context, dry_run: bool = False, limit: int | None = None) -> FetchResult:
    """Read, store and apply the replies waiting in the mailbox, then move each to the
    done folder (the oldest `limit` messages only, if given). dry_run: log in, open the
    folder and count what a run would read; no message is read, stored or moved."""
    if limit is not None and limit < 1:
        raise InputError(_("--limit must be at least 1"))
    settings = ctx.settings
    source = f"imap:{settings.imap_user}@{settings.imap_host}/{settings.imap_folder}"
    result = FetchResult(source, done_folder=settings.imap_done_folder, dry_run=dry_run)
    with imap.connect(settings) as box:
        uids = box.uids()[:limit]
        result.found = len(uids)
        if dry_run or not uids:
            return result

        def committed(names: list[str]) -> None:
            crash_point("imap:before-move")  # the replies are committed, not yet moved
            result.moved += box.move(names, settings.imap_done_folder)

        ingested = mailreplies.ingest_mails(ctx, source, box.messages(uids), committed)
    result.new, result.already_ingested = ingested.new, ingested.already_ingested
    result.outcomes = ingested.outcomes
    return result
