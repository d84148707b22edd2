"""Configuration: where it is found, what it may say, and the acting user."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from amsplan.config import load_settings, user_name
from amsplan.domain.statuses import Status
from amsplan.errors import ConfigError
from amsplan.services.setup import config_template


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file_live_in_the_current_folder(tmp_path):
    s = load_settings()
    assert s.config_file is None
    assert s.database_url == f"sqlite:///{tmp_path / 'amsplan.db'}"
    assert s.letters_dir == tmp_path / "letters"
    assert (s.timezone, s.keyword_ok, s.keyword_contact) == ("Europe/Oslo", "OK", "KONTAKT")
    assert s.label(Status.MANUAL_FOLLOWUP) == "Manual follow-up"  # the suite reads English


def test_the_written_template_is_valid_and_relative_paths_follow_the_file(tmp_path):
    folder = tmp_path / "team"
    folder.mkdir()
    write(folder / "amsplan.toml", config_template("Hedmark Nett AS"))
    s = load_settings(folder / "amsplan.toml")
    assert s.company_name == "Hedmark Nett AS"
    assert s.database_url == f"sqlite:///{folder / 'amsplan.db'}"
    assert s.letters_dir == folder / "letters"


def test_found_by_env_and_by_current_folder(tmp_path, monkeypatch):
    write(tmp_path / "amsplan.toml", '[company]\nname = "Lokal"\n')
    assert load_settings().company_name == "Lokal"
    other = write(tmp_path / "other.toml", '[company]\nname = "Fra env"\n')
    monkeypatch.setenv("AMSPLAN_CONFIG", str(other))
    assert load_settings().company_name == "Fra env"
    monkeypatch.setenv("AMSPLAN_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="AMSPLAN_CONFIG"):
        load_settings()


def test_labels_and_colours_are_configurable(tmp_path):
    path = write(
        tmp_path / "a.toml",
        '[statuses.labels]\nmanual_followup = "Ring kunden"\n'
        '[statuses.colours]\nmanual_followup = "magenta"\n',
    )
    s = load_settings(path)
    assert s.label("manual_followup") == "Ring kunden"
    assert s.colour("manual_followup") == "magenta"
    assert s.label("open") == "Open"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[databse]\nurl='x'\n", "unknown section [databse]"),
        ("[company]\nnavn = 'x'\n", "unknown setting company.navn"),
        ("[reminders]\nletter_after_days = 'sju'\n", "wrong type"),
        ("[reminders]\nletter_after_days = -1\n", "must be positive"),
        ("[time]\nzone = 'Europe/Hamar'\n", "unknown time zone"),
        ("[database]\nurl = 'mysql://x'\n", "sqlite:/// or postgresql://"),
        ("[statuses.labels]\nlost = 'x'\n", "unknown status 'lost'"),
        ("not toml at all = = \n", "not valid TOML"),
        ("[replies]\nkeyword_ok = '  '\n", "replies.keyword_ok must not be empty"),
        ("[replies]\nkeyword_ok = 'ja'\nkeyword_contact = 'JA'\n", "must differ"),
        (
            "[email]\npassword = 'x'\n",
            "password goes in the environment (AMSPLAN_EMAIL_PASSWORD)",
        ),
        (
            "[imap]\npassword = 'x'\n",
            "password goes in the environment (AMSPLAN_IMAP_PASSWORD)",
        ),
        ("[email]\ntransport = 'pigeon'\n", 'email.transport must be "smtp" or "folder"'),
        ("[imap]\nport = 0\n", "imap.port must be a port"),
    ],
)
def test_bad_configuration_is_one_clear_error(tmp_path, text, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(write(tmp_path / "amsplan.toml", text))


def test_acting_user(monkeypatch):
    monkeypatch.setenv("AMSPLAN_USER", "kari")
    assert user_name("ola") == "ola"
    assert user_name(None) == "kari"
    monkeypatch.delenv("AMSPLAN_USER")
    assert user_name(None)


def test_reply_keywords_are_trimmed(tmp_path):
    path = write(tmp_path / "a.toml", "[replies]\nkeyword_ok = ' JA '\nkeyword_contact = 'NEI'\n")
    s = load_settings(path)
    assert (s.keyword_ok, s.keyword_contact) == ("JA", "NEI")


TWILIO = """[sms]
provider = "twilio"
rate = 25
callback_url = "https://amsplan.example.no"

[sms.twilio]
account_sid = "AC123"
from = "+4790000000"
"""


def test_provider_tables_are_read_and_the_environment_wins(tmp_path, monkeypatch):
    path = write(tmp_path / "amsplan.toml", TWILIO)
    s = load_settings(path)
    assert (s.sms_provider, s.sms_rate, s.sms_callback_url) == (
        "twilio",
        25,
        "https://amsplan.example.no",
    )
    assert s.sms_option("twilio", "account_sid") == "AC123"
    assert s.sms_option("twilio", "base_url", "https://api.twilio.com") == "https://api.twilio.com"
    monkeypatch.setenv("AMSPLAN_SMS_TWILIO_AUTH_TOKEN", "from-env")
    assert s.sms_option("twilio", "auth_token") == "from-env"
    monkeypatch.delenv("AMSPLAN_SMS_TWILIO_AUTH_TOKEN")
    with pytest.raises(ConfigError, match=r"\[sms.twilio\] auth_token is not set.*"
                       r"AMSPLAN_SMS_TWILIO_AUTH_TOKEN"):  # fmt: skip
        s.sms_option("twilio", "auth_token")


def test_a_secret_in_a_file_others_can_read_is_refused(tmp_path):
    path = write(tmp_path / "amsplan.toml", TWILIO + 'auth_token = "s3cret-token"\n')
    path.chmod(0o644)
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    message = str(err.value)
    assert "sms.twilio.auth_token" in message and "chmod 600" in message
    assert "s3cret-token" not in message
    path.chmod(0o640)  # the group may not read it either
    with pytest.raises(ConfigError):
        load_settings(path)
    path.chmod(0o600)
    assert load_settings(path).sms_option("twilio", "auth_token") == "s3cret-token"


def test_a_readable_file_without_secrets_is_fine(tmp_path):
    path = write(tmp_path / "amsplan.toml", TWILIO)
    path.chmod(0o644)
    assert load_settings(path).sms_provider == "twilio"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[sms]\nprovider = "Twilio!"\n', "sms.provider must be a provider name"),
        ("[sms]\nrate = -1\n", "sms.rate must be 0 to 10000"),
        ("[sms]\nrate = nan\n", "sms.rate must be 0 to 10000"),
        ("[sms]\ntimeout = inf\n", "sms.timeout 0 to 300"),
        ("[sms]\ntimeout = 1e300\n", "sms.timeout 0 to 300"),
        ("[sms]\nmax_attempts = 0\n", "max_attempts 1 to 20"),
        ('[sms]\ncallback_url = "amsplan.example.no"\n', "callback_url must start with"),
        ("[serve]\nport = 70000\n", "serve.port must be a port"),
        ("[serve]\nhost = 1\n", "serve.host has the wrong type"),
    ],
)
def test_bad_sms_and_serve_settings_are_refused(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path / "amsplan.toml", text))


def test_an_unknown_provider_names_the_known_ones(tmp_path):
    from amsplan.adapters.sms import provider_for

    s = load_settings(write(tmp_path / "amsplan.toml", '[sms]\nprovider = "nosuch"\n'))
    with pytest.raises(ConfigError, match="'nosuch' is not known; use one of file, twilio, sveve"):
        provider_for(s)
    assert provider_for(s, "twilio").name == "twilio"


@pytest.mark.parametrize("url", ["sveve.no", "ftp://sveve.no", "https://", "https://a b"])
def test_a_provider_base_url_that_is_no_http_address_is_a_config_error(tmp_path, url):
    from amsplan.adapters.sms import provider_for

    text = f'[sms]\nprovider = "sveve"\n[sms.sveve]\nbase_url = "{url}"\n'
    s = load_settings(write(tmp_path / "amsplan.toml", text))
    with pytest.raises(ConfigError, match=r"\[sms.sveve\] base_url must be an http"):
        provider_for(s).base_url  # noqa: B018
