"""The exit codes: the README's table lists exactly the codes amsplan returns, and a real
command returns each one, as cron and scripts read them."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

import amsplan.errors
from amsplan.errors import AmsplanError
from tests.cli.support import error, fails
from tests.fakes.smtp import free_port
from tests.helpers import awaiting, order_row, seed, write_orders
from tests.integration.test_access_pg import Team, team  # noqa: F401 - the fixture
from tests.integration.test_audit import outside, rows_of
from tests.integration.test_bookmail import FROM, configure

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "src" / "amsplan" / "cli"


def readme_codes() -> dict[int, str]:
    """code -> meaning, from the table under `## Exit codes` in README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("\n## Exit codes\n", 1)[1].split("\n## ", 1)[0]
    return {int(m[1]): m[2] for m in re.finditer(r"(?m)^\| (\d+) \| (.+) \|$", table)}


def returned_codes() -> set[int]:
    """Every exit code the code can return: 0, click's 2 for usage, each error type's,
    and every `typer.Exit(N)` / `_report(..., N)` in cli/ (N a number or a module
    constant)."""
    codes = {0, 2}

    def subclasses(cls: type) -> list[type]:
        return [cls, *(c for sub in cls.__subclasses__() for c in subclasses(sub))]

    importlib.import_module("amsplan.errors")
    codes |= {c.exit_code for c in subclasses(AmsplanError)}
    for path in CLI.glob("*.py"):
        module = importlib.import_module(f"amsplan.cli.{path.stem}".removesuffix(".__init__"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name not in ("Exit", "_report", "SystemExit", "exit"):
                continue
            arg = node.args[-1] if name == "_report" else node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, int):
                codes.add(arg.value)
            elif isinstance(arg, ast.Name) and isinstance(getattr(module, arg.id, None), int):
                codes.add(getattr(module, arg.id))
    return codes


def test_the_readme_table_lists_exactly_the_codes_amsplan_returns():
    assert amsplan.errors.TransitionRefused.exit_code == 6
    assert set(readme_codes()) == returned_codes()
    assert set(readme_codes()) == set(range(12))


def test_the_package_init_module_is_read_too():
    assert 7 in returned_codes()  # only cli/__init__.py returns it (database trouble)


# --- each code, by a real command --------------------------------------------------


def test_1_a_batch_with_a_refused_order(workspace):
    seed(workspace, 1)  # open: not waiting for anyone's answer
    out = fails(1, "followup", "send-to-execution", "AMS-00001").stdout
    assert "AMS-00001" in out


def test_2_an_unknown_option(workspace):
    assert fails(2, "status", "--nope").exit_code == 2


def test_3_no_database_yet(tmp_path):
    assert "amsplan init" in error(3, "status")


def test_3_a_mistyped_setting(tmp_path):
    (tmp_path / "amsplan.toml").write_text("[company]\nnmae = 'x'\n", encoding="utf-8")
    assert "company.nmae" in error(3, "status")


def test_4_an_unknown_order(workspace):
    assert "AMS-99999" in error(4, "orders", "show", "AMS-99999")


def test_5_a_bad_file_changes_nothing(workspace):
    seed(workspace, 1)
    bad = write_orders(workspace.path / "bad.csv", [order_row(2, mpid="707057500271927000")])
    assert "bad.csv:2" in error(5, "orders", "import", bad)
    assert fails(4, "orders", "show", "AMS-00002")


def test_6_the_workflow_refuses_an_sms_to_a_customer_without_a_mobile(workspace):
    seed(workspace, 1, phone="22000000")  # a landline
    assert "AMS-00001: SMS: no valid mobile number" in error(
        6, "sms", "send", "AMS-00001", "Montøren er forsinket"
    )


def test_7_the_database_cannot_be_reached(tmp_path):
    (tmp_path / "amsplan.toml").write_text(
        f'[database]\nurl = "postgresql://amsplan@127.0.0.1:{free_port()}/amsplan"\n',
        encoding="utf-8",
    )
    assert "database error" in error(7, "status")


def test_8_the_mail_server_cannot_be_reached(workspace):
    configure(workspace, port=free_port(), host="127.0.0.1", security="none", **{"from": FROM})
    assert "cannot reach the mail server" in error(8, "email", "test", "--to", "it@nett.example")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_9_the_login_s_role_does_not_allow_the_command(team: Team):  # noqa: F811
    assert "needs the planner role" in team.fails(9, "vera", "techs", "add", "T09", "--name", "X")


def test_10_doctor_finds_a_database_others_may_read(workspace):
    if not workspace.url.startswith("sqlite"):
        pytest.skip("the database file is SQLite's")
    (workspace.path / "amsplan.db").chmod(0o644)
    assert "chmod 600" in fails(10, "doctor").stdout


def test_11_db_verify_finds_history_changed_outside_amsplan(workspace):
    awaiting(workspace, 1)
    row = rows_of(workspace, "AMS-00001")[1]
    outside(workspace, f"UPDATE history SET comment = 'x' WHERE id = {row.id}")
    assert "History NOT whole" in fails(11, "db", "verify").stdout
