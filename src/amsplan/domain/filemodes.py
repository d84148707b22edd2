"""Who may read the files that hold personal data (issue 18): the modes amsplan gives
them, when a folder must not be written into, and what `amsplan doctor` reports.

Two kinds of file. PRIVATE ones are the owner's only, always (0600, folders 0700): the
SQLite database with its WAL, backups, a configuration file holding a password. SHARED
ones (letters, exports, outgoing mail) are the owner's, and the configured group's
when there is one (`[files] group`: files 0640, folders 0770), so a team shares its
letters folder through that group: every planner of it reads the letters and writes
new ones into the folder (moves them to printed/), none can change another's letter.
Pure rules: what stat says comes in as `Seen`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from enum import StrEnum

from amsplan.i18n import _

ROOT = 0


class Kind(StrEnum):
    PRIVATE = "private"  # the owner only
    SHARED = "shared"  # the owner, and the configured group


@dataclass(frozen=True)
class Policy:
    """The `[files] group` setting: the group (name and id) that may read shared files."""

    group: str | None = None
    gid: int | None = None

    @property
    def umask(self) -> int:
        """The process umask: nothing for others, and for the group only with a group."""
        return 0o027 if self.gid is not None else 0o077

    def mode(self, kind: Kind, folder: bool) -> int:
        """The widest mode a file (or folder) of this kind may have, and the one it gets."""
        shared = kind is Kind.SHARED and self.gid is not None
        if folder:
            return 0o770 if shared else 0o700
        return 0o640 if shared else 0o600

    def gid_for(self, kind: Kind) -> int | None:
        """The group a new file of this kind is given (None: the creator's own)."""
        return self.gid if kind is Kind.SHARED else None


@dataclass(frozen=True)
class Account:
    """Who runs amsplan."""

    uid: int
    name: str


@dataclass(frozen=True)
class Seen:
    """What stat says of a file or folder (names for the messages)."""

    path: str
    mode: int  # permission bits, with setuid/setgid/sticky (st_mode & 0o7777)
    uid: int
    gid: int
    folder: bool
    owner: str
    group: str


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a file that holds personal data, and how to repair it."""

    check: str  # which check found it: database, backups, letters, exports, config
    path: str
    problem: str  # one line
    fix: str  # the shell command that repairs it
    mode: int | None = None  # `doctor --fix` sets this mode (None: leaves the mode)
    gid: int | None = None  # `doctor --fix` sets this group (None: leaves the group)

    @property
    def fixable(self) -> bool:
        """`doctor --fix` can repair it (a wrong owner needs root: never by --fix)."""
        return self.mode is not None or self.gid is not None


def foreign(seen: Seen, kind: Kind, policy: Policy, me: Account) -> bool:
    """Owned by someone else than the one running amsplan (root's are not: root reads
    everything anyway), unless it is the team's: shared, and of the configured group."""
    if seen.uid in (me.uid, ROOT):
        return False
    return not (kind is Kind.SHARED and policy.gid is not None and seen.gid == policy.gid)


def unsafe_folder(check: str, seen: Seen, policy: Policy, me: Account) -> list[Finding]:
    """What makes a folder unfit to write personal data into: everyone may write into it
    (anyone could swap or remove what amsplan puts there), or another user owns it (the
    files would be hidden from its owner, or readable by them). The same rule for root.
    Reported only: a folder that is not amsplan's own is not changed by `doctor --fix`."""
    found = []
    path = _q(seen.path)
    if seen.mode & 0o002:
        found.append(
            Finding(
                check, seen.path,
                _("everyone may write into it (mode {mode})").format(mode=f"{seen.mode:04o}"),
                _("{command}, or use a folder of your own").format(command=f"chmod o-w {path}"),
            )
        )  # fmt: skip
    if foreign(seen, Kind.SHARED, policy, me):
        if policy.group:
            fix = _("run amsplan as {owner} or chgrp {group} {path}, or use a folder of your own")
        else:
            fix = _("run amsplan as {owner}, or use a folder of your own")
        found.append(
            Finding(
                check, seen.path, _belongs(seen, me),
                fix.format(owner=seen.owner, group=policy.group, path=path),
            )
        )  # fmt: skip
    return found


def refusal(seen: Seen, policy: Policy, me: Account) -> str | None:
    """Why nothing may be written into this folder, in a line (None: it may)."""
    if not seen.folder:
        return _("it is not a folder")
    found = unsafe_folder("", seen, policy, me)
    return f"{found[0].problem}; {found[0].fix}" if found else None


def judge(check: str, seen: Seen, kind: Kind, policy: Policy, me: Account) -> list[Finding]:
    """What is wrong with a file or folder of this kind: a mode wider than allowed, a
    group other than the configured one that may read it, another user as its owner."""
    found = []
    allowed = policy.mode(kind, seen.folder)
    extra = seen.mode & 0o777 & ~allowed
    path = _q(seen.path)
    if extra:
        mode = seen.mode & ~extra
        found.append(
            Finding(
                check, seen.path,
                _("mode {mode}{who}; at most {allowed}").format(
                    mode=f"{seen.mode:04o}", who=_who(extra, seen), allowed=f"{allowed:04o}"
                ),
                f"chmod {mode:o} {path}", mode=mode,
            )
        )  # fmt: skip
    kept = seen.mode & ~extra
    gid = policy.gid_for(kind)
    if gid is not None and kept & 0o070 and seen.gid != gid:
        found.append(
            Finding(
                check, seen.path,
                _("the group {group} may read it, not {wanted}").format(
                    group=seen.group, wanted=policy.group
                ),
                f"chgrp {policy.group} {path}", gid=gid,
            )
        )  # fmt: skip
    if foreign(seen, kind, policy, me):
        found.append(
            Finding(
                check, seen.path, _belongs(seen, me),
                _("{command} (as root), or run amsplan as {owner}").format(
                    command=f"chown {me.name} {path}", owner=seen.owner
                ),
            )
        )  # fmt: skip
    return found


def _belongs(seen: Seen, me: Account) -> str:
    return _("belongs to {owner}, not to {me}").format(owner=seen.owner, me=me.name)


def _who(extra: int, seen: Seen) -> str:
    """': the group staff may read, everyone may read and write' ..."""
    parts = []
    whom = (_("the group {group} may {what}").format, 3), (_("everyone may {what}").format, 0)
    verbs = ((_("read"), 4), (_("write"), 2), (_("enter") if seen.folder else _("run"), 1))
    for who, shift in whom:
        bits = (extra >> shift) & 0o7
        words = [word for word, bit in verbs if bits & bit]
        if words:
            last = _("{some} and {last}").format(some=", ".join(words[:-1]), last=words[-1])
            parts.append(who(group=seen.group, what=last if len(words) > 1 else words[0]))
    return ": " + ", ".join(parts) if parts else ""


def _q(path: str) -> str:
    return shlex.quote(path)
