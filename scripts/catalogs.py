"""The gettext catalogs: find the messages in the source, check and build the catalogs.

    python scripts/catalogs.py check              # every message translated, nothing stale
    python scripts/catalogs.py add PART [FILES]   # missing messages into locale/*/PART.po
    python scripts/catalogs.py translate PART FILE.json  # fill Norwegian from a JSON map
    python scripts/catalogs.py build              # locale/<lang>/LC_MESSAGES/amsplan.mo

The source language is English. `add` writes the English entries filled in and the
Norwegian ones empty (marked `fuzzy`) for a person to translate; `check` fails on an empty
or fuzzy entry, a message the source no longer has, a placeholder that differs between
msgid and translation, and one message translated two ways in two parts. docs/i18n.md.
"""

from __future__ import annotations

import re
import string
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "amsplan"
TEMPLATES = ROOT / "templates"
sys.path.insert(0, str(ROOT / "src"))

from amsplan import i18n  # noqa: E402

# Planner-facing templates (the dashboard, the map); letters, SMS and e-mail to customers
# are Norwegian by design and are not translated.
PLANNER_TEMPLATES = ("reports", "maps")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


@dataclass(frozen=True)
class Found:
    msgid: str | tuple[str, str]  # (singular, plural) for ngettext
    context: str | None
    where: str  # file:line of the first use


def source_messages() -> dict[tuple[str | None, str], Found]:
    """Every message of the source, by (context, msgid or singular)."""
    from babel.messages.extract import extract_from_file

    found: dict[tuple[str | None, str], Found] = {}
    files: list[tuple[Path, str]] = [
        (p, "python") for p in sorted(SRC.rglob("*.py")) if "migrations" not in p.parts
    ]
    for folder in PLANNER_TEMPLATES:
        files += [(p, "jinja2") for p in sorted((TEMPLATES / folder).glob("*.html"))]
    for path, method in files:
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        extractor = "jinja2.ext:babel_extract" if method == "jinja2" else "python"
        for lineno, msg, _comments, context in extract_from_file(
            extractor, str(path), options=options
        ):
            if isinstance(msg, tuple):
                if not msg[0]:
                    continue
                key, msgid = msg[0], (msg[0], msg[1])
            else:
                if not msg:
                    continue
                key, msgid = msg, msg
            where = f"{path.relative_to(ROOT)}:{lineno}"
            found.setdefault((context, key), Found(msgid, context, where))
    return found


def read_parts(language: str) -> dict[str, list]:
    """The entries of each part of a language: {part name: [babel Message, ...]}."""
    from babel.messages.pofile import read_po

    parts = {}
    for path in sorted((i18n.LOCALE_DIR / language).glob("*.po")):
        with path.open("rb") as f:
            parts[path.stem] = [m for m in read_po(f, locale=language) if m.id]
    return parts


def _key(message) -> tuple[str | None, str]:
    msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return (message.context, msgid)


def _fields(text: str) -> set[str]:
    try:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def problems() -> list[str]:
    source = source_messages()
    out: list[str] = []
    for language in i18n.LANGUAGES:
        seen: dict[tuple[str | None, str], tuple[str, object]] = {}
        for part, messages in read_parts(language).items():
            for m in messages:
                key = _key(m)
                name = f"{language}/{part}.po: {key[1]!r}"
                if key not in source:
                    out.append(f"{name}: not in the source any more (remove it)")
                    continue
                strings = list(m.string) if isinstance(m.string, tuple | list) else [m.string]
                if not all(strings) or m.fuzzy:
                    out.append(f"{name}: not translated")
                    continue
                ids = m.id if isinstance(m.id, tuple | list) else (m.id,)
                wanted = set().union(*(_fields(i) for i in ids))
                for s in strings:
                    if _fields(s) - wanted:
                        out.append(f"{name}: placeholders {sorted(_fields(s))} not in the msgid")
                if key in seen and seen[key][1] != m.string:
                    out.append(f"{name}: translated differently in {seen[key][0]}")
                seen.setdefault(key, (part, m.string))
        for key, f in sorted(source.items(), key=lambda kv: kv[1].where):
            if key not in seen:
                out.append(f"{language}: missing {key[1]!r} ({f.where})")
    return out


def _po_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = escaped.replace("\t", "\\t")
    return f'"{escaped}"'


def add(part: str, only: list[str]) -> int:
    """Append the messages missing from every part of a language to PART.po."""
    source = source_messages()
    wanted = [
        f for f in source.values()
        if not only or any(f.where.startswith(o.rstrip("/")) for o in only)
    ]  # fmt: skip
    added = 0
    for language in i18n.LANGUAGES:
        have = {_key(m) for ms in read_parts(language).values() for m in ms}
        new = [f for f in wanted if (f.context, f.msgid[0] if isinstance(f.msgid, tuple)
               else f.msgid) not in have]  # fmt: skip
        if not new:
            continue
        path = i18n.LOCALE_DIR / language / f"{part}.po"
        text = path.read_text(encoding="utf-8") if path.exists() else header(language)
        for f in new:
            text += "\n" + entry(f, language)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        added += len(new)
        print(f"{path.relative_to(ROOT)}: {len(new)} messages added")
    return added


def header(language: str) -> str:
    plural = "nplurals=2; plural=(n != 1);"
    return (
        'msgid ""\nmsgstr ""\n'
        f'"Language: {language}\\n"\n'
        '"MIME-Version: 1.0\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Content-Transfer-Encoding: 8bit\\n"\n'
        f'"Plural-Forms: {plural}\\n"\n'
    )


def entry(f: Found, language: str) -> str:
    english = language == "en"
    lines = [f"#: {f.where.split(':')[0]}"]
    if not english:
        lines.append("#, fuzzy")
    if f.context:
        lines.append(f"msgctxt {_po_string(f.context)}")
    if isinstance(f.msgid, tuple):
        lines.append(f"msgid {_po_string(f.msgid[0])}")
        lines.append(f"msgid_plural {_po_string(f.msgid[1])}")
        lines.append(f"msgstr[0] {_po_string(f.msgid[0] if english else '')}")
        lines.append(f"msgstr[1] {_po_string(f.msgid[1] if english else '')}")
    else:
        lines.append(f"msgid {_po_string(f.msgid)}")
        lines.append(f"msgstr {_po_string(f.msgid if english else '')}")
    return "\n".join(lines) + "\n"


def translate(part: str, mapping: dict[str, str | list[str]]) -> int:
    """Fill the Norwegian entries of PART.po from {msgid (or "context|msgid"): text, or
    [singular, plural] for a plural}; clears their fuzzy mark. Returns how many. Edits the
    entries in place (one-line strings, as `add` writes them), nothing else."""
    path = i18n.LOCALE_DIR / "nb" / f"{part}.po"
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    done = 0
    for i, block in enumerate(blocks):
        fields = dict(re.findall(r'^(msgctxt|msgid) (".*")$', block, re.M))
        if "msgid" not in fields or fields["msgid"] == '""':
            continue
        msgid = _unquote(fields["msgid"])
        key = f"{_unquote(fields['msgctxt'])}|{msgid}" if "msgctxt" in fields else msgid
        text = mapping.get(key)
        if text is None:
            continue
        texts = [text] if isinstance(text, str) else list(text)
        tail = block[len(block.rstrip("\n")) :]  # the file's last entry ends with newlines
        lines = [ln for ln in block.rstrip("\n").split("\n") if ln != "#, fuzzy" and
                 not ln.startswith("msgstr")]  # fmt: skip
        if "msgid_plural" in block:
            lines += [f"msgstr[{n}] {_po_string(t)}" for n, t in enumerate(texts)]
        else:
            lines.append(f"msgstr {_po_string(texts[0])}")
        blocks[i] = "\n".join(lines) + tail
        done += 1
    path.write_text("\n\n".join(blocks), encoding="utf-8")
    return done


def _unquote(quoted: str) -> str:
    import ast

    return str(ast.literal_eval(quoted))


def build() -> None:
    for language in i18n.LANGUAGES:
        folder = i18n.LOCALE_DIR / language
        out = folder / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
        out.parent.mkdir(exist_ok=True)
        out.write_bytes(i18n.compile_parts(sorted(folder.glob("*.po")), language))


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        found = problems()
        for line in found:
            print(line)
        print(f"{len(found)} problems" if found else "catalogs complete")
        return 1 if found else 0
    if argv[:1] == ["add"] and len(argv) >= 2 and re.fullmatch(r"[a-z0-9_-]+", argv[1]):
        n = add(argv[1], argv[2:])
        print(f"{n} entries added; translate the empty (fuzzy) Norwegian ones, then `check`")
        return 0
    if argv[:1] == ["translate"] and len(argv) == 3:
        import json

        mapping = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
        print(f"{translate(argv[1], mapping)} entries translated")
        return 0
    if argv[:1] == ["build"]:
        build()
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
