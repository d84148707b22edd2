"""Twilio's and Sveve's send and find against the fake servers: what they put in the
request, how they read the answer, and that an error names no phone number."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from amsplan.adapters.sms import http, provider_for
from amsplan.adapters.sms.base import CannotLookUp, Outgoing, Rejected, Request, Retry
from amsplan.adapters.sms.sveve import number
from amsplan.config import load_settings
from tests.fakes.runner import Running
from tests.fakes.sveve import FakeSveve
from tests.fakes.twilio import FakeTwilio

SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def settings(tmp_path, provider: str, **options: str):
    table = "\n".join(f'{k} = "{v}"' for k, v in options.items())
    path = tmp_path / "amsplan.toml"
    path.write_text(f'[sms]\nprovider = "{provider}"\n[sms.{provider}]\n{table}\n', "utf-8")
    return load_settings(path)


@pytest.fixture
def twilio(tmp_path, monkeypatch):
    fake = FakeTwilio()
    monkeypatch.setenv("AMSPLAN_SMS_TWILIO_AUTH_TOKEN", fake.auth_token)
    with fake.serve() as server:
        yield fake, server.url


def test_twilio_sends_through_a_messaging_service_when_one_is_set(tmp_path, twilio):
    fake, url = twilio
    s = settings(tmp_path, "twilio", account_sid=fake.account_sid, base_url=url,
                 messaging_service_sid="MG" + "0" * 32)  # fmt: skip
    with httpx.Client() as client:
        accepted = provider_for(s).send(client, Outgoing("ams-1", "+4791234567", "Hei æøå"))
    (taken,) = fake.messages
    assert (taken["sid"], taken["from"], taken["messaging_service_sid"]) == (
        accepted.provider_id,
        None,
        "MG" + "0" * 32,
    )
    assert taken["status_callback"] is None  # no callback_url: no StatusCallback


def test_twilio_wrong_token_is_rejected_with_its_code(tmp_path, twilio, monkeypatch):
    fake, url = twilio
    monkeypatch.setenv("AMSPLAN_SMS_TWILIO_AUTH_TOKEN", "wrong")
    s = settings(tmp_path, "twilio", account_sid=fake.account_sid, base_url=url, **{"from": "X"})
    with httpx.Client() as client, pytest.raises(Rejected, match="HTTP 401: error 20003"):
        provider_for(s).send(client, Outgoing("ams-1", "+4791234567", "Hei"))


def test_twilio_find_pages_through_the_list(tmp_path, twilio):
    fake, url = twilio
    s = settings(tmp_path, "twilio", account_sid=fake.account_sid, base_url=url, **{"from": "X"})
    for n in range(150):  # newest first: the one we look for is on the second page
        fake._take({"To": "+4791234567", "Body": f"Melding {n}", "From": "X"})
    fake._take({"To": "+4799999999", "Body": "Melding 0", "From": "X"})
    provider = provider_for(s)
    with httpx.Client() as client:
        found = provider.find(client, Outgoing("r", "+4791234567", "Melding 0"), SINCE)
        assert found is not None and found.provider_id == fake.messages[0]["sid"]
        assert provider.find(client, Outgoing("r", "+4790000000", "Annen"), SINCE) is None
        # another text to the number since then may be this message, rewritten: a person
        with pytest.raises(CannotLookUp, match="another text"):
            provider.find(client, Outgoing("r", "+4791234567", "Annen"), SINCE)
        later = datetime(2999, 1, 1, tzinfo=UTC)  # created before `since`: not it
        assert provider.find(client, Outgoing("r", "+4791234567", "Melding 0"), later) is None


def test_sveve_refusals_name_the_error_but_never_the_number(tmp_path, monkeypatch):
    fake = FakeSveve()
    with fake.serve() as server:
        s = settings(tmp_path, "sveve", user=fake.user, base_url=server.url)
        provider = provider_for(s)
        with httpx.Client() as client:
            monkeypatch.setenv("AMSPLAN_SMS_SVEVE_PASSWD", "wrong")
            with pytest.raises(Rejected, match="Feil brukernavn/passord"):
                provider.send(client, Outgoing("r", "+4791234567", "Hei"))
            monkeypatch.setenv("AMSPLAN_SMS_SVEVE_PASSWD", fake.passwd)
            with pytest.raises(Rejected) as refused:
                provider.send(client, Outgoing("r", "+4712", "Hei"))
            assert "Ugyldig nummer" in str(refused.value) and "12" not in str(refused.value)
            with pytest.raises(CannotLookUp):
                provider.find(client, Outgoing("r", "+4791234567", "Hei"), SINCE)


def test_sveve_numbers():
    assert number("+4791234567") == "91234567"
    assert number("+46701234567") == "0046701234567"


def test_http_errors_map_to_rejected_retry_or_unanswered():
    def answer(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.Response(status, headers=headers)

    with pytest.raises(Rejected, match="HTTP 404"):
        http.raise_for(answer(404), "P", "")
    with pytest.raises(Retry) as later:
        http.raise_for(answer(503, {"Retry-After": "12"}), "P", "")
    assert later.value.after == 12.0
    with pytest.raises(Retry) as busy:
        http.raise_for(answer(429), "P", "")
    assert busy.value.after is None and not isinstance(busy.value, http.Unanswered)
    assert not isinstance(later.value, http.Unanswered)
    for gateway in (502, 504):  # the provider behind the gateway may have the message
        with pytest.raises(http.Unanswered, match=f"HTTP {gateway}"):
            http.raise_for(answer(gateway), "P", "")
    http.raise_for(answer(201), "P", "")  # no error


def test_a_refused_connection_is_retried_without_a_look_up():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with httpx.Client() as client, pytest.raises(Retry) as refused:
        http.request(client, "POST", f"http://127.0.0.1:{port}/")
    assert not isinstance(refused.value, http.Unanswered)


def test_scrub_blanks_numbers_and_keeps_one_short_line():
    assert http.scrub("The 'To' number +47 912 34 567 is\nnot valid") == (
        "The 'To' number [number] is not valid"
    )
    assert (
        http.scrub("Ugyldig nummer: 004791234567 (kode 21)") == "Ugyldig nummer: [number] (kode 21)"
    )
    assert len(http.scrub("x" * 500)) == 160


def test_the_fake_signs_its_callbacks_as_twilio_does(tmp_path, twilio):
    """The fake's status and inbound callbacks pass Twilio.verify (the end-to-end tests
    rely on it), and a changed field does not."""
    fake, url = twilio
    heard: list[Request] = []

    async def hook(request: StarletteRequest) -> PlainTextResponse:
        form = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
        heard.append(Request(request.method, str(request.url), dict(request.headers),
                             dict(request.query_params), form))  # fmt: skip
        return PlainTextResponse("")

    s = settings(tmp_path, "twilio", account_sid=fake.account_sid, base_url=url, **{"from": "X"})
    provider = provider_for(s)
    with Running(Starlette(routes=[Route("/{path:path}", hook, methods=["POST"])])) as receiver:
        fake._take({"To": "+4791234567", "Body": "Hei", "From": "X",
                    "StatusCallback": f"{receiver.url}/sms/twilio/status?ref=ams-1"})  # fmt: skip
        assert fake.status_callback(fake.messages[0]["sid"], "undelivered", "30003").is_success
        assert fake.inbound(f"{receiver.url}/sms/twilio/inbound", "+4791234567", "ABC OK æøå")
    status, inbound = heard
    assert provider.verify(status) and provider.verify(inbound)
    (report,) = provider.delivery_reports(status)
    assert (report.reference, report.raw_state, report.error) == (
        "ams-1",
        "undelivered",
        "Twilio error 30003",
    )
    assert provider.inbound(inbound)[0].text == "ABC OK æøå"
    forged = Request(inbound.method, inbound.url, inbound.headers, inbound.query,
                     {**inbound.form, "Body": "ABC NEI"})  # fmt: skip
    assert not provider.verify(forged)


def test_a_sveve_delivery_report_error_carries_no_phone_number(tmp_path):
    from amsplan.adapters.sms.base import Request
    from amsplan.adapters.sms.sveve import Sveve
    from amsplan.config import Settings

    fields = {"id": "42824112", "status": "false", "number": "4791234567",
              "errorCode": "E5", "errorDesc": "Ugyldig nummer 4791234567"}  # fmt: skip
    request = Request("GET", "https://x/sms/sveve/status", {}, fields, {})
    (report,) = Sveve(Settings(base_dir=tmp_path)).delivery_reports(request)
    assert report.error == "E5 Ugyldig nummer [number]"


def test_serve_refuses_a_port_out_of_range(tmp_path, monkeypatch):
    from tests.cli.support import fails

    monkeypatch.chdir(tmp_path)
    assert "65535" in fails(2, "serve", "--port", "99999").output
