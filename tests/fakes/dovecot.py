"""A throw-away Dovecot IMAP server on 127.0.0.1 (Debian's dovecot-imapd), for the tests.

`Dovecot.start()` writes a minimal dovecot.conf into a new temporary folder: IMAP only,
listening on 127.0.0.1 at two free ports (plain IMAP with STARTTLS, and IMAP over TLS),
a self-signed certificate for 127.0.0.1 made with the openssl command line, Maildir
storage under the folder, a passwd-file of users with plaintext passwords, and the log
in the folder. It runs `dovecot -F -c <conf>` and waits until the port answers.

As root (CI), Dovecot drops privileges as the Debian package sets it up (internal user
"dovecot", login user "dovenull"; mail is never accessed as root, so the mail user is
"nobody"). As a normal user it runs unprivileged: every process and the mail as that
user (Dovecot's "rootless" set-up: no chroot).

Each test gets its own account (`add_user`: the next of the users written into the
passwd-file at the start), so tests share one server per pytest worker and still start
with an empty mailbox. Mail arrives as it would from an MTA's delivery, by IMAP
APPEND with the receipt time (INTERNALDATE) the test chooses.
"""

from __future__ import annotations

import grp
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from hashlib import sha1
from pathlib import Path

from imap_tools import MailBoxUnencrypted

BINARY = shutil.which("dovecot") or next(
    (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(p)), None
)
PASSWORD = "hemmelig-blåbær-7"  # not ASCII: IMAP LOGIN cannot carry it
DONE = "amsplan.behandlet"  # [imap] done_folder "amsplan/behandlet" here (separator ".")
RECEIVED = datetime(2026, 4, 15, 10, 0, tzinfo=UTC)  # when the tests' mail arrives
USERS = 500  # accounts svar1..svar500, one per test (more than a worker runs)

CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
mail_uid = {mail_uid}
mail_gid = {mail_gid}
first_valid_uid = {mail_uid}
first_valid_gid = {mail_gid}
mail_location = maildir:{root}/mail/%u
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  # no slow-down of 127.0.0.1 after a failed login (auth_failure_delay above neither)
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    """One running server: `port` (plain IMAP, STARTTLS offered), `tls_port` (IMAPS),
    `cert` (the certificate a TLS client must trust)."""

    def __init__(self) -> None:
        if BINARY is None:
            raise RuntimeError("dovecot is not installed (apt-get install dovecot-imapd)")
        self.root = Path(tempfile.mkdtemp(prefix="amsplan-dovecot."))
        self.cert = self.root / "cert.pem"
        self.proc: subprocess.Popen[bytes] | None = None
        self._users = itertools.count(1)

    def start(self) -> Dovecot:
        root = self.root
        if os.getuid() == 0:  # Dovecot's own users; mail never as root
            internal, internal_group, login = "dovecot", "dovecot", "dovenull"
            mail = pwd.getpwnam("nobody")
            root.chmod(0o755)  # the mail and login processes reach into it
            (root / "mail").mkdir()
            os.chown(root / "mail", mail.pw_uid, mail.pw_gid)
        else:
            mail = pwd.getpwuid(os.getuid())
            internal = login = mail.pw_name
            internal_group = grp.getgrgid(mail.pw_gid).gr_name
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", str(root / "key.pem"), "-out", str(self.cert)],
            check=True, capture_output=True,
        )  # fmt: skip
        (root / "users").write_text(
            "".join(f"svar{n}:{{PLAIN}}{PASSWORD}::::::\n" for n in range(1, USERS + 1)),
            encoding="utf-8",
        )
        self.port, self.tls_port = _free_port(), _free_port()
        (root / "dovecot.conf").write_text(
            CONF.format(
                root=root,
                internal=internal,
                internal_group=internal_group,
                login=login,
                mail_uid=mail.pw_uid,
                mail_gid=mail.pw_gid,
                port=self.port,
                tls_port=self.tls_port,
            )
        )
        with open(root / "stderr.log", "wb") as stderr:
            self.proc = subprocess.Popen(
                [BINARY, "-F", "-c", str(root / "dovecot.conf")],
                stdout=subprocess.DEVNULL, stderr=stderr,
            )  # fmt: skip
        deadline = time.monotonic() + 20
        while not self._answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log = self.log()
                self.stop()
                raise RuntimeError(f"dovecot did not start on port {self.port}:\n{log}")
            time.sleep(0.05)
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                return s.recv(100).startswith(b"* OK")
        except OSError:
            return False

    def log(self) -> str:
        """What Dovecot wrote: its stderr and its log file."""
        return "".join(
            p.read_text(errors="replace")
            for p in (self.root / "stderr.log", self.root / "dovecot.log") if p.exists()
        )  # fmt: skip

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def add_user(self) -> Account:
        """The next unused account: an empty mailbox."""
        n = next(self._users)
        if n > USERS:
            raise RuntimeError(f"the test Dovecot has only {USERS} accounts")
        return Account(self, f"svar{n}", PASSWORD)


@dataclass
class Account:
    server: Dovecot
    user: str
    password: str

    def mailbox(self) -> MailBoxUnencrypted:
        """A logged-in connection (plain IMAP); use with `with`."""
        box = MailBoxUnencrypted("127.0.0.1", self.server.port, timeout=10)
        return box.login_utf8(self.user, self.password, initial_folder=None)

    def deliver(self, raw: bytes, folder: str = "INBOX", at: datetime | None = None) -> None:
        """Put a message into the folder as the mail server would on receipt (at: its
        INTERNALDATE, default RECEIVED)."""
        with self.mailbox() as box:
            if not box.folder.exists(folder):
                box.folder.create(folder)
            box.append(raw, folder, dt=at or RECEIVED)

    def messages(self, folder: str = "INBOX") -> list[bytes]:
        """The raw messages in the folder, in UID order ([] when it does not exist)."""
        with self.mailbox() as box:
            if not box.folder.exists(folder):
                return []
            box.folder.set(folder, readonly=True)
            typ, data = box.client.uid("FETCH", "1:*", "(BODY.PEEK[])")
            return [item[1] for item in data if isinstance(item, tuple)]

    def toml(self, security: str = "none") -> str:
        """The [imap] section of amsplan.toml for this account (the password: env)."""
        port = self.server.tls_port if security == "tls" else self.server.port
        return (
            f'\n[imap]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "{security}"\n'
            f'user = "{self.user}"\ntimeout = 10\n'
        )


def mail(
    text: str,
    sender: str = "kari.nordmann@example.no",
    message_id: str | None = None,
    subject: str = "Re: Timeavtale for bytte av strømmåler",
    **headers: str,
) -> bytes:
    """A customer's reply as a mail client writes it: UTF-8, CRLF, the new text above the
    quoted booking (Gmail's Norwegian quote header). headers: Auto_Submitted="..." ."""
    msg = EmailMessage()
    msg["From"] = f"Kari Nordmann <{sender}>"
    msg["To"] = "svar@nett.example.no"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(RECEIVED)
    digest = sha1(f"{text}|{sender}|{subject}".encode()).hexdigest()[:16]
    msg["Message-ID"] = message_id or f"<{digest}@mail.example.no>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(
        f"{text}\n\nDen tir. 14. apr. 2026 kl. 09:00 skrev Testnett AS"
        " <booking@nett.example.no>:\n> Svar med koden og OK.\n"
    )
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))  # fmt: skip
