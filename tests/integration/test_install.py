"""amsplan as IT installs it (README, "Running amsplan for a team"): the wheel, built
without the test extras, into a fresh virtualenv, then `amsplan --version` and `amsplan
init` from it. Opt-in: it installs the dependencies from the package index (4½ minutes
on a busy 2-core machine with pip's cache): AMSPLAN_INSTALL_TEST=1."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from amsplan import __version__

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("AMSPLAN_INSTALL_TEST") != "1",
        reason="installs from the package index: AMSPLAN_INSTALL_TEST=1",
    ),
]


def sh(*args: object, cwd: Path | None = None, env: dict | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, f"{args}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_wheel_installs_without_test_extras_and_runs(tmp_path):
    dist = tmp_path / "dist"
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", dist,
       ROOT)  # fmt: skip
    (wheel,) = dist.glob("amsplan-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"amsplan/locale/nb/LC_MESSAGES/amsplan.mo",
            "amsplan/locale/en/LC_MESSAGES/amsplan.mo"} <= set(names)  # fmt: skip
    assert "amsplan/templates/letters/booking.html" in names
    assert not any(n.startswith("tests/") for n in names)

    venv = tmp_path / "opt-amsplan"
    sh(sys.executable, "-m", "venv", venv)
    sh(venv / "bin" / "pip", "install", "--disable-pip-version-check", "-q", wheel)
    amsplan = venv / "bin" / "amsplan"
    assert sh(amsplan, "--version").strip() == f"amsplan {__version__}"
    no_extras = subprocess.run([venv / "bin" / "python", "-c", "import pytest"],
                               capture_output=True)  # fmt: skip
    assert no_extras.returncode != 0, "the test extras were installed"

    home = tmp_path / "srv-amsplan"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMSPLAN_")}
    env["AMSPLAN_LANGUAGE"] = "nb"
    out = sh(amsplan, "init", "--company", "Hedmark Nett AS", cwd=home, env=env)
    assert "amsplan.toml" in out
    assert (home / "amsplan.db").stat().st_mode & 0o777 == 0o600
    assert '"Hedmark Nett AS"' in (home / "amsplan.toml").read_text(encoding="utf-8")
    sh(amsplan, "status", cwd=home, env=env)  # the new database answers
    unknown = subprocess.run([amsplan, "orders", "show", "AMS-1"], cwd=home, env=env,
                             capture_output=True, text=True)  # fmt: skip
    assert unknown.returncode == 4
    assert unknown.stderr.startswith("Feil:")  # the compiled catalogs are in the wheel
