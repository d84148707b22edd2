"""Files that hold personal data, on disk: the process's policy (umask, and the mode and
group the writers give), what stat says of a file, the check before a folder is written
into, and the repairs of `amsplan doctor --fix`. The rules: domain.filemodes.
"""

from __future__ import annotations

import functools
import grp
import os
import pwd
import stat
from collections.abc import Iterator
from pathlib import Path

from amsplan.domain.filemodes import Account, Finding, Kind, Policy, Seen, refusal
from amsplan.errors import ConfigError
from amsplan.i18n import N_, _

_policy = Policy()  # the process's; `use` sets it once at the start of a command


def resolve(group: str | None) -> Policy:
    """The policy of a `[files] group` setting ("" or None: no group). The group must
    exist, and whoever runs amsplan must be in it (else chgrp would fail on each file)."""
    if not group:
        return Policy()
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise ConfigError(
            _("[files] group {group!r} does not exist on this machine (groupadd {name})").format(
                group=group, name=group
            )
        ) from None
    if os.geteuid() != 0 and gid != os.getegid() and gid not in os.getgroups():
        name = me().name
        raise ConfigError(
            _(
                "[files] group {group}: {name} is not in it (usermod -aG {group} {name},"
                " then log in again)"
            ).format(group=group, name=name)
        )
    return Policy(group, gid)


def use(group: str | None) -> Policy:
    """Make the `[files] group` setting the process's: its umask (so SQLite's own files
    and every temporary file are private too) and the writers' modes. Once, at the start."""
    global _policy
    _policy = resolve(group)
    os.umask(_policy.umask)
    return _policy


def policy() -> Policy:
    """The process's policy (owner only until `use` says otherwise)."""
    return _policy


def me() -> Account:
    """Who runs amsplan (the effective user)."""
    uid = os.geteuid()
    return Account(uid, _user(uid))


def open_private(path: Path, flags: int, kind: Kind = Kind.SHARED) -> int:
    """os.open a file for writing with the kind's mode and group: also a file that was
    there before (its content is being replaced). The file descriptor."""
    mode = _policy.mode(kind, folder=False)
    fd = os.open(path, flags, mode)
    try:
        os.fchmod(fd, mode)
        gid = _policy.gid_for(kind)
        if gid is not None:
            os.fchown(fd, -1, gid)
    except BaseException:
        os.close(fd)
        raise
    return fd


def new_file(path: Path, kind: Kind = Kind.PRIVATE) -> None:
    """Create an empty file with the kind's mode before another program (SQLite) fills
    it: it is never readable by others, not even for a moment."""
    os.close(open_private(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, kind))


def make_private(path: Path, kind: Kind = Kind.SHARED) -> None:
    """Give a file amsplan has just written the kind's mode and group."""
    os.chmod(path, _policy.mode(kind, folder=False))
    gid = _policy.gid_for(kind)
    if gid is not None:
        os.chown(path, -1, gid)


def ready_folder(folder: Path, what: str = "folder") -> Path:
    """The folder to write files that hold personal data into: created (with missing
    parents) private to the owner and the configured group when it is not there, and
    refused with ConfigError when everyone may write into it or another user owns it
    (domain.filemodes.refusal). A folder that is there keeps its mode."""
    folder = Path(folder)
    if not folder.exists():
        mode = _policy.mode(Kind.SHARED, folder=True)
        try:
            folder.mkdir(mode=mode, parents=True)
        except FileExistsError:  # another process made it just now
            pass
        else:
            gid = _policy.gid_for(Kind.SHARED)
            if gid is not None:
                os.chown(folder, -1, gid)
                os.chmod(folder, mode)  # the team writes into it: beyond the umask
    check_folder(folder, what)
    return folder


#: The folders callers name (`what`), as the planner reads them.
FOLDERS = {
    "folder": N_("folder"), "letters folder": N_("letters folder"),
    "export folder": N_("export folder"), "SMS export folder": N_("SMS export folder"),
    "backup folder": N_("backup folder"),
}  # fmt: skip


def _folder_word(what: str) -> str:
    return _(FOLDERS[what]) if what in FOLDERS else what


def check_folder(folder: Path, what: str = "folder") -> None:
    """Refuse (ConfigError, one line naming the folder) to write into a folder that
    everyone may write into or that another user owns; nothing is written then."""
    seen = look(folder, follow=True)
    if seen is None:
        raise ConfigError(
            _("the {what} {folder} does not exist").format(what=_folder_word(what), folder=folder)
        )
    reason = refusal(seen, _policy, me())
    if reason:
        raise ConfigError(
            _("the {what} {folder}: {reason}. Nothing was written").format(
                what=_folder_word(what), folder=folder, reason=reason
            )
        )


def look(path: Path, follow: bool = False) -> Seen | None:
    """What stat says of path (None: not there); a symbolic link is looked at itself
    unless `follow`."""
    try:
        st = os.stat(path, follow_symlinks=follow)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return _seen(str(path), st)


def walk(folder: Path) -> Iterator[Seen]:
    """The folder and every file and folder in it, at any depth (symbolic links are
    neither followed nor reported: what they point to is not in the folder)."""
    top = look(folder, follow=True)
    if top is None or not top.folder:
        return
    yield top
    pending = [str(folder)]
    while pending:
        try:
            entries = os.scandir(pending.pop())
        except OSError:  # gone meanwhile, or not ours to read: judged by its own mode
            continue
        with entries:
            for entry in entries:
                try:
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if stat.S_ISDIR(st.st_mode):
                    pending.append(entry.path)
                elif not stat.S_ISREG(st.st_mode):
                    continue
                yield _seen(entry.path, st)


def files_in(folder: Path) -> Iterator[Path]:
    """The regular files directly in a folder (none when it is not there)."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if entry.is_file(follow_symlinks=False):
            yield Path(entry.path)


def starts_with(path: Path, magic: tuple[bytes, ...]) -> bool:
    """Whether the file's first bytes are one of these (False when it cannot be read)."""
    try:
        with open(path, "rb") as f:
            head = f.read(max(len(m) for m in magic))
    except OSError:
        return False
    return head.startswith(magic)


def repair(finding: Finding) -> None:
    """Carry out a finding's fix (`doctor --fix`): its mode, its group. OSError when the
    file is not ours to change."""
    if finding.mode is not None:
        os.chmod(finding.path, finding.mode, follow_symlinks=False)
    if finding.gid is not None:
        os.chown(finding.path, -1, finding.gid, follow_symlinks=False)


def _seen(path: str, st: os.stat_result) -> Seen:
    return Seen(
        path=path, mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid,
        folder=stat.S_ISDIR(st.st_mode), owner=_user(st.st_uid), group=_group(st.st_gid),
    )  # fmt: skip


@functools.cache
def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


@functools.cache
def _group(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)
