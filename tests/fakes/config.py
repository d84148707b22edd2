"""amsplan.toml for a workspace that sends through a fake provider (secrets: env)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.fakes.sveve import FakeSveve
from tests.fakes.twilio import FakeTwilio

SMS = {"rate": 0, "max_attempts": 3, "timeout": 1,
       "callback_url": "https://amsplan.example.no/hooks"}  # fmt: skip


def configure(ws, provider: str, **options: str) -> None:
    """[sms] provider = `provider` (quick retries, no rate limit) and [sms.<provider>]."""
    _write(ws, {"provider": provider, **SMS}, {provider: options})


def set_sms(ws, **values: object) -> None:
    """Change [sms] keys of a workspace set up with configure."""
    sms = tomllib.loads((ws.path / "amsplan.toml").read_text(encoding="utf-8"))["sms"]
    tables = {k: v for k, v in sms.items() if isinstance(v, dict)}
    plain = {k: v for k, v in sms.items() if not isinstance(v, dict)}
    _write(ws, {**plain, **values}, tables)


def _write(ws, sms: dict[str, object], tables: dict[str, dict[str, str]]) -> None:
    path = ws.path / "amsplan.toml"
    base = path.read_text(encoding="utf-8").split("\n[sms]\n")[0]
    lines = [base, "[sms]", *(f"{k} = {json.dumps(v)}" for k, v in sms.items())]
    for name, options in tables.items():
        lines += [f"[sms.{name}]", *(f"{k} = {json.dumps(v)}" for k, v in options.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@contextmanager
def serving(ws, monkeypatch, fake: FakeTwilio | FakeSveve) -> Iterator[Any]:
    """Start `fake` and point the workspace's amsplan.toml (and secrets in env) at it."""
    with fake.serve() as server:
        if isinstance(fake, FakeTwilio):
            configure(ws, "twilio", account_sid=fake.account_sid, base_url=server.url,
                      **{"from": "+4759440000"})  # fmt: skip
            monkeypatch.setenv("AMSPLAN_SMS_TWILIO_AUTH_TOKEN", fake.auth_token)
        else:
            configure(ws, "sveve", user=fake.user, base_url=server.url, **{"from": "Testnett"})
            monkeypatch.setenv("AMSPLAN_SMS_SVEVE_PASSWD", fake.passwd)
        yield fake
