"""The demo run as a planner reads it: one language at a time (issue 19).

`sample_data/demo.py` (what `make demo` runs) is run in this process in Norwegian and in
English. Every screen a planner reads (each command's output that the demo shows; JSON is
for scripts and keeps English keys) is checked after the customer data is taken out
(names, addresses, replies, comments, the company's own resolution codes: what the planner
or the customer wrote is printed as written):
- Norwegian: no English word, no internal key (`ready_for_execution`, `no_code`, `True`);
- English: no Norwegian word and no æ, ø, å;
- both: every message comes from the catalog (the suite's strict mode).
"""

from __future__ import annotations

import csv
import email
import importlib.util
import logging
import re
import sys
from email import policy
from pathlib import Path

import pytest

from amsplan.domain.statuses import Status

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"

# Words a Norwegian screen never has (English ones that are not also Norwegian words).
ENGLISH = set("""
the and of is are was were not with without would could should has have been this that
these those which what when where who why how from into onto your our their they them
order orders customer customers letter letters reply replies file files waiting printed
recorded moved new updated unchanged rows row invalid nothing imported missing already line
number outcome meaning confirmed followup follow-up unknown code codes locked day days week
technician technicians date done failed sent queued reminder reminders none mobile phone
street postcode city generated combined applied handled configuration folder refused
monday tuesday wednesday thursday friday saturday sunday january february march april may
june july august september october november december free total left open closed ready
planning execution awaiting manual progress hold cancelled reason reasons because only
more than less each every all any some time times visits visit dry run yes
""".split())  # fmt: skip  # noqa: SIM905
# Words an English screen never has.
NORWEGIAN = set("""
og ikke er på til av med som ordre ordrer kunde kunden kunder montør montøren montører brev
svar avtale avtaler ledig mandag tirsdag onsdag torsdag fredag lørdag søndag januar februar
mars mai juni juli desember uke dag dager lukket åpen venter oppfølging bomtur bomturer
feil ingen alle ble nye fra eller etter før når hvor hva klar utførelse utskrift planlegging
arbeid vent avvist løst reåpnet totalt gjenstår bekreftet sendt melding meldinger
""".split())  # fmt: skip  # noqa: SIM905
# Keys where a label belongs (one-word keys such as `open` are English words: the lists
# above find them).
INTERNAL = re.compile(
    r"\b(" + "|".join(s.value for s in Status if "_" in s.value) + r"|no_code|unknown_code|"
    r"no_answer|failed_visit|sms_failed|email_failed|hold_passed|True|False|None)\b|\['|\{'"
)
# What stays English in every language: a command line (`amsplan move --date ...`), a
# setting ([replies] keyword_ok), an e-mail address.
CODE = re.compile(
    r"`?amsplan( [a-z][a-z-]*| --?[a-z-]+| [A-ZÆØÅ0-9_]+\b)*`?"
    r"|\[[a-z_.]+\]( [a-z_]+)?|[\w.+-]+@[\w.-]+"
)


def _load_demo():
    spec = importlib.util.spec_from_file_location("amsplan_demo", SAMPLE / "demo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["amsplan_demo"] = module
    spec.loader.exec_module(module)
    return module


def _data(folder: Path, transcript: list[dict]) -> list[str]:
    """What customers, planners and the company wrote: printed as written in any language."""
    found: set[str] = set()
    for path in [*SAMPLE.glob("*.csv"), *folder.rglob("*.csv")]:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:  # an export from an older system
            text = raw.decode("cp1252")
        for row in csv.reader(text.splitlines(), delimiter=";"):
            found |= {c.strip() for c in row}
    for path in folder.rglob("*"):
        if path.is_file() and ("cur" in path.parts or "new" in path.parts):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            found.add(str(message.get("subject", "")))
            for part in message.walk():  # the customers' answers, a mail server's bounce
                if part.get_content_maintype() == "text":
                    lines = [ln.strip() for ln in part.get_content().splitlines()]
                    found |= {*lines, " ".join(ln for ln in lines if ln)}
                elif part.get_content_maintype() == "message":
                    found |= {ln.strip() for ln in part.as_string().splitlines()}
    for entry in transcript:  # comments, names of filters (not the command's words)
        found |= {a for a in entry["args"] if " " in a or not re.fullmatch(r"[a-z0-9-]+", a)}
    from amsplan.config import load_settings

    settings = load_settings(folder / "amsplan.toml")
    found |= {*settings.resolution_codes, settings.company_name}
    found |= {d.split(None, 1)[1] for d in found if " " in d}  # a reply after its code
    return sorted((d for d in found if len(d) >= 3), key=len, reverse=True)


def _screens(folder: Path, transcript: list[dict]) -> str:
    data = _data(folder, transcript)
    text = "\n".join(
        e["stdout"] + e["stderr"]
        for e in transcript
        if e["shown"] and "--json" not in e["args"] and "--help" not in e["args"]
    )
    text = re.sub(r"\S*/\S*|\S+\.(csv|pdf|json|html|xlsx|toml|db)\b", " ", text)  # paths
    text = CODE.sub(" ", text)
    for d in data:
        text = re.sub(rf"(?<!\w){re.escape(d)}(?!\w)", " ", text)
    return text


def _run_demo(tmp_path: Path, monkeypatch, language: str) -> tuple[Path, list[dict]]:
    # WeasyPrint's warnings about the charts' SVG styles, captured per record, cost seconds.
    monkeypatch.setattr(logging.getLogger("weasyprint"), "level", logging.ERROR)
    monkeypatch.setenv("AMSPLAN_LANGUAGE", language)
    monkeypatch.setenv("AMSPLAN_DEMO_INPROCESS", "1")
    monkeypatch.setenv("AMSPLAN_DEMO_COLUMNS", "1000")  # no cell wraps: data stays whole
    monkeypatch.delenv("AMSPLAN_NOW", raising=False)  # the demo plans from today
    monkeypatch.delenv("AMSPLAN_USER", raising=False)
    demo = _load_demo()
    folder = tmp_path / "demo"
    demo.main(str(folder))
    return folder, demo.TRANSCRIPT


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-zÆØÅæøå][A-Za-zÆØÅæøå-]*", text)


@pytest.mark.slow
def test_the_norwegian_demo_has_no_english_word_and_no_internal_key(tmp_path, monkeypatch):
    folder, transcript = _run_demo(tmp_path, monkeypatch, "nb")
    text = _screens(folder, transcript)
    english = sorted({w for w in _words(text) if w.casefold() in ENGLISH})
    keys = sorted({m.group(0) for m in INTERNAL.finditer(text)})
    assert (english, keys) == ([], []), _context(text, english + keys)


@pytest.mark.slow
def test_the_english_demo_has_no_norwegian_word(tmp_path, monkeypatch):
    folder, transcript = _run_demo(tmp_path, monkeypatch, "en")
    text = _screens(folder, transcript)
    norwegian = sorted({w for w in _words(text) if w.casefold() in NORWEGIAN})
    letters = sorted(set(re.findall(r"[ÆØÅæøå]", text)))
    keys = sorted({m.group(0) for m in INTERNAL.finditer(text)})
    assert (norwegian, letters, keys) == ([], [], []), _context(text, norwegian + letters + keys)


def _context(text: str, found: list[str]) -> str:
    """The lines where the first words were found, to fix them."""
    lines = []
    for word in found[:40]:
        line = next((ln for ln in text.splitlines() if re.search(rf"\b{re.escape(word)}\b", ln)),
                    "")  # fmt: skip
        lines.append(f"{word!r}: {line.strip()[:160]}")
    return "\n".join(lines)
