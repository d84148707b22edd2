"""Queries for e-mail: the messages amsplan sends (`email_message`) and what comes back."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from amsplan.store.chunks import chunks, locked
from amsplan.store.models import EmailMessage

# --- replies by e-mail


def sent_emails(
    session: Session, message_ids: Iterable[str], lock: bool = False
) -> dict[str, EmailMessage]:
    """The e-mails amsplan sent with one of these Message-IDs, by the id as "<id@host>"
    (stored with or without the angle brackets); locked (`lock`)."""
    wanted = {f"<{m.strip().strip('<>')}>" for m in message_ids if m.strip().strip("<>")}
    forms = wanted | {m[1:-1] for m in wanted}
    found: dict[str, EmailMessage] = {}
    for chunk in chunks(forms):
        query = select(EmailMessage).where(col(EmailMessage.message_id).in_(chunk))
        for message in session.exec(locked(query, lock)):
            found[f"<{message.message_id.strip('<>')}>"] = message
    return found
