"""`amsplan sms dispatch`: send the due messages through the configured provider, at
most once each.

A message is claimed in a short transaction before its request: status "sending", a
unique reference, the provider, when and the attempt; only after the commit does the
request go out, and its answer is stored in another short transaction (sent, or failed
with the order treated as domain.delivery says). Before every try the run renews its
claim in one statement (sending_at = now, only while the message is still "sending"
under its reference): a message another run took over meanwhile is not sent. A message
"sending" for longer than domain.delivery.left_after (a run died, or a request went
unanswered and the provider did not list the message yet) is never sent again blindly:
a later run looks it up at the provider (found: sent; not there: queued again; the
provider cannot tell: unknown, for a person). Claims take the due messages, only inside
the sending window, in batches with the same truth check as `sms export`; on PostgreSQL
other runs' claimed rows are skipped (FOR UPDATE SKIP LOCKED), on SQLite the write lock
serialises claims; settling locks the rows, so a run's answer and another run's
look-up never overwrite each other: two overlapping runs never send one message twice.

With `[sms] provider = "file"` (the default) dispatch is `sms export` into the
configured folder, so one cron line serves every provider.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlmodel import Session

from amsplan.adapters import private
from amsplan.adapters.sms import provider_for
from amsplan.adapters.sms.base import (
    CannotLookUp,
    Outgoing,
    Provider,
    Rejected,
    Retry,
    callback_url,
)
from amsplan.adapters.sms.http import Unanswered
from amsplan.domain import delivery
from amsplan.domain.rules import utc
from amsplan.domain.states import Delivery, SmsState
from amsplan.errors import ConfigError
from amsplan.services import outbox, workflow
from amsplan.services.context import Context
from amsplan.store import messages as stored
from amsplan.store.models import Order, Sms
from amsplan.store.orders import orders_by_id

WORKERS = 16  # requests in flight at once (the provider answers each in tens of ms)
CLAIM_BATCH = 100  # messages claimed in one transaction at most
LOOKUP_SLACK = timedelta(minutes=2)  # clocks differ: look a little further back

Progress = Callable[[int, int], None]  # (messages settled so far, messages due at start)


@dataclass
class DispatchResult:
    provider: str
    sent: int = 0
    failed: int = 0
    unknown: int = 0  # the provider cannot say whether it got them: a person decides
    withdrawn: int = 0  # no longer true (the order changed): not sent
    requeued: int = 0  # left "sending" and not at the provider: queued again
    reconciled: int = 0  # messages left "sending" by an earlier run, looked up this run
    unsettled: int = 0  # still "sending" (unanswered, not found yet): a later run asks
    exported: int = 0  # the file provider: messages written
    file: str | None = None

    @property
    def ok(self) -> bool:
        """Every message went (nothing failed, nothing for a person to look at)."""
        return self.failed == self.unknown == self.unsettled == 0


@dataclass(frozen=True)
class _Claimed:
    id: int
    out: Outgoing
    since: datetime  # when it was claimed (aware UTC)


@dataclass(frozen=True)
class _Outcome:
    id: int
    reference: str
    # SENT, FAILED, UNKNOWN, QUEUED (never reached the provider), SENDING (unanswered and
    # not found yet: a later run asks), None (the claim was lost before a try: nothing)
    state: SmsState | None
    tries: int = 1  # requests made this run
    provider_id: str | None = None
    error: str | None = None
    # A look-up of a message left "sending": it holds only while the message was not
    # renewed since (sending_at still before this), i.e. no live run is sending it.
    stale_before: datetime | None = None


def dispatch(
    ctx: Context,
    limit: int | None = None,
    progress: Progress | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> DispatchResult:
    """Send up to `limit` due messages through the configured provider (first settling
    messages left "sending"); nothing is claimed in quiet hours. `sleep`/`monotonic` pace
    the requests (tests inject them)."""
    settings = ctx.settings
    if settings.sms_provider == "file":
        return _export(ctx)
    provider = provider_for(settings)
    result = DispatchResult(provider.name)
    with _client(ctx) as client:
        reconcile(ctx, client, result)
        with ctx.session(readonly=True) as s:
            total = stored.count_due(s, ctx.now())
        total = min(total, limit) if limit is not None else total
        done = 0

        def settled(outcomes: list[_Outcome]) -> None:
            nonlocal done
            _settle(ctx, outcomes, result)
            done += len(outcomes)
            if progress:
                progress(done, total)

        left = limit
        size = _batch_size(settings.sms_rate)
        while left is None or left > 0:
            claimed, seen = _claim(ctx, provider.name, size if left is None else min(size, left),
                                   result)  # fmt: skip
            if not seen:
                break
            left = None if left is None else left - len(claimed)
            _send_all(ctx, provider, client, claimed, settled, sleep, monotonic)
    return result


def reconcile(ctx: Context, client: httpx.Client, result: DispatchResult) -> None:
    """Settle the messages left "sending" longer than delivery.left_after (a run died, or
    its request went unanswered): the provider's record decides (sent, or queued again
    when it never got them), else they become unknown."""
    cutoff = ctx.now() - delivery.left_after(ctx.settings.sms_timeout)
    with ctx.session() as s:
        left = [
            (m.id, m.provider or ctx.settings.sms_provider, _outgoing(ctx, m), utc(m.sending_at))
            for m in stored.left_sending(s, cutoff)
            if m.id is not None and m.sending_at is not None
        ]
    providers: dict[str, Provider] = {}
    outcomes = []
    for message_id, name, out, since in left:
        provider = providers.get(name) or providers.setdefault(
            name, provider_for(ctx.settings, name)
        )
        try:
            found = provider.find(client, out, since - LOOKUP_SLACK)
        except CannotLookUp as e:
            error = f"a run stopped while sending it and {e}"
            outcomes.append(_Outcome(message_id, out.reference, SmsState.UNKNOWN, error=error,
                                     stale_before=cutoff))  # fmt: skip
            continue
        except (Retry, Rejected):
            result.unsettled += 1  # asked again by the next run
            continue
        state = SmsState.SENT if found else SmsState.QUEUED
        outcomes.append(_Outcome(message_id, out.reference, state, stale_before=cutoff,
                                 provider_id=found.provider_id if found else None))  # fmt: skip
    result.reconciled += len(outcomes)
    if outcomes:
        _settle(ctx, outcomes, result)


def sms_failed(
    session: Session, ctx: Context, message: Sms, order: Order | None, reason: str
) -> None:
    """What a message that did not reach its customer does to its order (the rule:
    domain.delivery.failure_steps), in the caller's transaction. `reason`: the provider's
    error code and words, never the number or the text."""
    if order is None:
        return
    for step in delivery.failure_steps(message.kind, order.status, reason):
        workflow.carry_out(session, ctx, order, step, comment_kind="sms_failed")


# --- the steps ---------------------------------------------------------------------------


def export_folder(ctx: Context) -> Path:
    """Where `sms export` writes its files: [sms.file] folder (default sms-out)."""
    folder = Path(ctx.settings.sms_option("file", "folder", "sms-out"))
    return folder if folder.is_absolute() else ctx.settings.base_dir / folder


def _export(ctx: Context) -> DispatchResult:
    folder = private.ready_folder(export_folder(ctx), "SMS export folder")
    exported = outbox.export(ctx, folder)
    return DispatchResult("file", exported=exported.count, file=exported.file)


def _client(ctx: Context) -> httpx.Client:
    limits = httpx.Limits(max_connections=WORKERS, max_keepalive_connections=WORKERS)
    return httpx.Client(timeout=ctx.settings.sms_timeout, limits=limits)


def _batch_size(rate: float) -> int:
    """Claim about a minute's worth at the rate (at least WORKERS, at most CLAIM_BATCH),
    so a claimed message is sent long before it could count as left behind."""
    return CLAIM_BATCH if rate <= 0 else max(WORKERS, min(CLAIM_BATCH, int(rate * 60)))


def _outgoing(ctx: Context, message: Sms) -> Outgoing:
    reference = message.reference or ""
    base = ctx.settings.sms_callback_url
    name = message.provider or ctx.settings.sms_provider
    callback = f"{callback_url(base, name, 'status')}?ref={reference}" if base else None
    return Outgoing(reference, message.to, message.text, callback)


def _claim(
    ctx: Context, provider: str, size: int, result: DispatchResult
) -> tuple[list[_Claimed], bool]:
    """Claim up to `size` due messages that still tell the truth (the others withdrawn
    or re-rendered as by `sms export`) and commit; whether any message was due. Nothing
    in quiet hours."""
    now = ctx.now()
    if not outbox.sending_now(ctx, now):
        return [], False
    with ctx.session() as s:
        due = stored.due(s, now, size)
        keep = outbox.still_true(s, ctx, due, now)
        result.withdrawn += len(due) - len(keep)
        for m in keep:
            m.status, m.provider, m.sending_at = SmsState.SENDING, provider, now
            m.reference, m.attempts, m.error = f"ams-{secrets.token_hex(12)}", m.attempts + 1, None
            s.add(m)
        claimed = [_Claimed(m.id, _outgoing(ctx, m), utc(now)) for m in keep if m.id is not None]
    return claimed, bool(due)


def _send_all(
    ctx: Context,
    provider: Provider,
    client: httpx.Client,
    claimed: list[_Claimed],
    settled: Callable[[list[_Outcome]], None],
    sleep: Callable[[float], None],
    monotonic: Callable[[], float],
) -> None:
    """Send the claimed messages, WORKERS at a time and at most sms.rate a second,
    storing the answers as they come (several in one transaction when they come
    together)."""
    rate, attempts = ctx.settings.sms_rate, ctx.settings.sms_max_attempts
    pending: set[Future[_Outcome]] = set()
    last: float | None = None
    config_error: str | None = None
    with ThreadPoolExecutor(WORKERS, thread_name_prefix="sms") as pool:
        for item in claimed:
            wait_for = delivery.pace(rate, last, monotonic())
            if wait_for > 0:
                sleep(wait_for)
            last = monotonic()
            pending.add(pool.submit(_attempt, ctx, provider, client, item, attempts, sleep))
            done = {f for f in pending if f.done()}
            if done:
                pending -= done
                config_error = _store(settled, done) or config_error
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            config_error = _store(settled, done) or config_error
    if config_error:
        raise ConfigError(config_error)


def _store(settled: Callable[[list[_Outcome]], None], done: Iterable[Future[_Outcome]]) -> str:
    """Store finished sends; the configuration error one of them met, if any."""
    outcomes = [f.result() for f in done]
    settled(outcomes)
    return next((o.error or "" for o in outcomes if o.state is SmsState.QUEUED), "")


def _attempt(
    ctx: Context,
    provider: Provider,
    client: httpx.Client,
    item: _Claimed,
    attempts: int,
    sleep: Callable[[float], None],
) -> _Outcome:
    """Send one message, trying again after a passing failure up to `attempts` tries in
    all, each after renewing the run's claim (lost: another run took the message over,
    nothing is sent). An unanswered request is never tried again: the provider may have
    it (see _look_up)."""
    ref, tries = item.out.reference, 0
    while True:
        with ctx.session() as s:
            if not stored.renew_claim(s, item.id, ref, ctx.now()):
                return _Outcome(item.id, ref, None, tries)
        tries += 1
        try:
            accepted = provider.send(client, item.out)
            return _Outcome(item.id, ref, SmsState.SENT, tries, accepted.provider_id)
        except ConfigError as e:  # before any request: the message never left
            return _Outcome(item.id, ref, SmsState.QUEUED, tries, error=str(e))
        except Rejected as e:
            return _Outcome(item.id, ref, SmsState.FAILED, tries, error=str(e))
        except Unanswered as e:
            return _look_up(provider, client, item, tries, e)
        except Retry as e:
            if tries >= attempts:
                error = f"gave up after {tries} attempts: {e}"
                return _Outcome(item.id, ref, SmsState.FAILED, tries, error=error)
            sleep(delivery.backoff(tries, e.after))


def _look_up(
    provider: Provider, client: httpx.Client, item: _Claimed, tries: int, unanswered: Unanswered
) -> _Outcome:
    """After an unanswered request: sent when the provider lists the message, unknown
    (for a person) when it cannot say; else left "sending": a message the provider is
    still creating may not be listed yet, so a later run looks it up again once the
    claim is older than delivery.left_after (found: sent; not there: queued again)."""
    ref = item.out.reference
    try:
        found = provider.find(client, item.out, item.since - LOOKUP_SLACK)
    except CannotLookUp as e:
        return _Outcome(item.id, ref, SmsState.UNKNOWN, tries, error=f"{unanswered}, and {e}")
    except (Retry, Rejected) as e:
        return _Outcome(item.id, ref, SmsState.SENDING, tries, error=f"{unanswered}; look-up: {e}")
    if found is not None:
        return _Outcome(item.id, ref, SmsState.SENT, tries, found.provider_id)
    error = f"{unanswered}; not listed yet, looked up again by a later run"
    return _Outcome(item.id, ref, SmsState.SENDING, tries, error=error)


def _settle(ctx: Context, outcomes: list[_Outcome], result: DispatchResult) -> None:
    """Store the outcomes in one transaction, the rows locked; a failed message's order
    is treated as domain.delivery says, and its delivery is failed too (a provider's
    later "failed" report then changes nothing). A message settled or renewed meanwhile
    by another run (or whose claim this run lost) is left alone."""
    now = ctx.now()
    with ctx.session() as s:
        messages = stored.by_ids(s, (o.id for o in outcomes), lock=True)
        failed: list[Sms] = []
        for o in outcomes:
            m = messages.get(o.id)
            if (o.state is None or m is None or m.status is not SmsState.SENDING
                    or m.reference != o.reference):  # fmt: skip
                continue
            if o.stale_before and m.sending_at and utc(m.sending_at) >= o.stale_before:
                continue  # renewed since it was looked up: a live run is sending it
            m.attempts, m.error = m.attempts + o.tries - 1, o.error
            if o.state is SmsState.SENDING:
                s.add(m)
                result.unsettled += 1
                continue
            m.status = o.state
            if o.state is SmsState.SENT:
                m.provider_id, m.sent_at = o.provider_id, now
                result.sent += 1
            elif o.state is SmsState.FAILED:
                m.delivery, m.delivery_at, m.delivery_error = Delivery.FAILED, now, o.error
                failed.append(m)
                result.failed += 1
            elif o.state is SmsState.UNKNOWN:
                result.unknown += 1
            else:  # never reached the provider: queued again (a new claim, a new reference)
                m.attempts, m.reference = max(0, m.attempts - 1), None
                result.requeued += 1
            s.add(m)
        orders = orders_by_id(s, (m.order_id for m in failed if m.order_id is not None))
        for m in failed:
            order = orders.get(m.order_id) if m.order_id is not None else None
            sms_failed(s, ctx, m, order, m.error or "")
