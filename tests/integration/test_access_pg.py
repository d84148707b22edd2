"""Issue 18 on a real PostgreSQL server: the login acts, three least-privilege roles, and
a missing right as one line.

Each test makes its own group roles and logins, named with a prefix of its own (roles
belong to the whole server, which parallel tests share), and drops them after. The
throw-away server trusts local connections, so `postgresql://LOGIN@/DB?host=...`
connects as LOGIN: the personal logins of a team, without passwords.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from amsplan.domain.access import COMMANDS, TABLE_RIGHTS, Need, Role, group_name
from amsplan.services.context import Context
from tests.cli.support import error, ok
from tests.conftest import Workspace
from tests.helpers import DAY, order_row, write_orders

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
_counter = itertools.count()


@dataclass
class Team:
    ws: Workspace
    prefix: str

    def login(self, who: str) -> str:
        return f"{self.prefix}_{who}"

    def url(self, who: str) -> str:
        """The workspace's database, connecting as `who` (a login of this team)."""
        parts = urlsplit(self.ws.url)
        return urlunsplit(parts._replace(netloc=f"{self.login(who)}@{parts.hostname or ''}"))

    def args(self, who: str, user: str | None) -> list[object]:
        """--config of `who`'s own (the workspace's settings, connecting as `who`), and
        --user `user` when given."""
        config = self.ws.path / f"{who}.toml"
        text = (self.ws.path / "amsplan.toml").read_text(encoding="utf-8")
        config.write_text(text.replace(self.ws.url, self.url(who)), encoding="utf-8")
        return ["--config", config, *(("--user", user) if user else ())]

    def run(self, who: str, *args: object, user: str | None = None):
        """`amsplan ARGS` as `who`'s login; it must succeed."""
        return ok(*self.args(who, user), *args)

    def fails(self, code: int, who: str, *args: object, user: str | None = None) -> str:
        """`amsplan ARGS` as `who`'s login; it must fail with one `Error:` line: that."""
        return error(code, *self.args(who, user), *args).strip()

    def context(self, who: str, user: str | None = None) -> Context:
        settings = replace(self.ws.settings, database_url=self.url(who))
        return Context(
            settings=settings, user=user or "os-login", asked_by="--user" if user else None
        )

    def sql(self, query: str, *params: object) -> list[tuple]:
        """A query as the server's superuser, on the workspace's database."""
        with psycopg.connect(self.ws.url, autocommit=True) as conn:
            cursor = conn.execute(query, params or None)
            return cursor.fetchall() if cursor.description else []


@pytest.fixture
def team(workspace, monkeypatch) -> Team:
    """Roles named t<pid>x<n>_planner, ... (in [database] roles) and, after `db roles
    --apply` and `db grant` as the owner: planners kari and ola, viewer vera, robot in cron."""
    monkeypatch.delenv("AMSPLAN_USER")  # nobody asks for a name: the login acts
    prefix = f"t{os.getpid()}x{next(_counter)}"
    path = workspace.path / "amsplan.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[database]\n", f'[database]\nroles = "{prefix}"\n'), "utf-8")
    made = Team(workspace, prefix)
    try:
        ok("db", "roles", "--apply")
        for who, role in (("kari", "planner"), ("ola", "planner"), ("vera", "viewer"),
                          ("robot", "cron")):  # fmt: skip
            ok("db", "grant", made.login(who), role)
        yield made
    finally:
        roles = [r for (r,) in made.sql("SELECT rolname FROM pg_roles WHERE rolname LIKE %s",
                                        f"{prefix}\\_%")]  # fmt: skip
        if roles:
            names = ", ".join(f'"{r}"' for r in roles)
            made.sql(f"DROP OWNED BY {names}")
            made.sql(f"DROP ROLE {names}")


CRON_SETTINGS = """
[email]
booking = true
transport = "folder"
from = "Nettselskapet AS <post@nett.example>"

[notify]
team = "planlegging@nett.example"

[[notify.rule]]
when = ["followup:cancelled"]
to = ["team"]
"""


def orders_file(ws: Workspace, count: int = 3) -> Path:
    return write_orders(ws.path / "orders.csv", [order_row(n) for n in range(1, count + 1)])


def status_of(team: Team, order_no: str) -> str:
    ((status,),) = team.sql("SELECT status FROM work_order WHERE order_no = %s", order_no)
    return status


def actors(team: Team) -> list[str]:
    return [a for (a,) in team.sql("SELECT actor FROM history ORDER BY id")]


def planned(team: Team, count: int = 3) -> list[str]:
    """`count` orders planned on T01's DAY by kari (as her own login)."""
    team.run("kari", "techs", "add", "T01", "--name", "Ola Montør", "--start", "07:00",
             "--end", "16:00")  # fmt: skip
    team.run("kari", "orders", "import", orders_file(team.ws, count))
    order_nos = [f"AMS-{n:05d}" for n in range(1, count + 1)]
    team.run("kari", "assign", *order_nos, "--tech", "T01", "--date", DAY.isoformat(),
             "--start", "08:00")  # fmt: skip
    return order_nos


def test_the_rights_in_the_database_are_the_domain_s_table(team):
    rights = ("SELECT", "INSERT", "UPDATE", "DELETE")
    granted = {
        (table, role, right)
        for (table, role, right) in team.sql(
            "SELECT c.relname, r.role, p.priv FROM pg_class c,"
            " unnest(%s::text[]) AS r(role), unnest(%s::text[]) AS p(priv)"
            " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'"
            " AND has_table_privilege(%s || '_' || r.role, c.oid, p.priv)",
            [r.value for r in Role], list(rights), team.prefix,
        )
    }  # fmt: skip
    expected = {(table, role.value, right) for table, per_role in TABLE_RIGHTS.items()
                for role, allowed in per_role.items() for right in allowed}  # fmt: skip
    assert granted == expected
    tables = {t for (t,) in team.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == set(TABLE_RIGHTS)  # every table of the migrated schema is covered
    public = team.sql(
        "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relnamespace ="
        " 'public'::regnamespace AND has_table_privilege('public', oid, 'SELECT')"
    )
    assert public == [(0,)]


def test_db_roles_output_applies_twice_with_psql_and_apply_runs_again(team, tmp_path):
    script = tmp_path / "roles.sql"
    script.write_text(ok("db", "roles").stdout, encoding="utf-8")
    for _ in range(2):  # as an owner would, with psql
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", team.ws.url,
                        "-f", str(script)], check=True, capture_output=True)  # fmt: skip
    assert "rights on 17 tables" in ok("db", "roles", "--apply").stdout  # and once more
    viewer = group_name(team.prefix, Role.VIEWER)
    team.sql(f'REVOKE SELECT ON work_order FROM "{viewer}"')  # by hand, by mistake
    assert team.fails(9, "vera", "status").endswith(
        f"is in: {viewer}; the roles may be out of date: the owner runs `amsplan db roles --apply`"
    )
    ok("db", "roles", "--apply")
    assert "Total" in team.run("vera", "status").stdout


def test_db_upgrade_gives_a_new_version_s_tables_their_rights(team):
    from alembic import command
    from alembic.config import Config

    from amsplan.store import db

    engine = db.make_engine(team.ws.url)
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    with engine.begin() as conn:  # the roles were made at 0007, before the e-mail tables
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007")
    engine.dispose()
    assert f"0007 → {db.SCHEMA_HEAD}" in ok("db", "upgrade").stdout
    viewer, cron = group_name(team.prefix, Role.VIEWER), group_name(team.prefix, Role.CRON)
    rights = team.sql(
        "SELECT has_table_privilege(%s, 'notice', 'SELECT'),"
        " has_table_privilege(%s, 'notice', 'UPDATE'),"
        " has_table_privilege(%s, 'notice', 'DELETE')",
        viewer, viewer, cron,
    )  # fmt: skip
    assert rights == [(True, False, True)]


def test_grant_creates_the_login_and_revoke_takes_the_role_back(team):
    bo = team.login("bo")
    assert ok("db", "grant", bo, "viewer").stdout.strip() == (
        f"{bo} (login created, no password): now in {team.prefix}_viewer"
    )
    assert (
        ok("db", "grant", bo, "viewer").stdout.strip() == f"{bo}: already in {team.prefix}_viewer"
    )
    assert "Total" in team.run("bo", "status").stdout
    assert ok("db", "grant", bo, "viewer", "--revoke").stdout.strip() == (
        f"{bo}: no longer in {team.prefix}_viewer"
    )
    assert team.sql("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", bo) == [(True,)]
    assert team.fails(9, "bo", "status") == (
        f"Error: your login {bo} is in none of amsplan's roles ({team.prefix}_planner,"
        f" {team.prefix}_viewer, {team.prefix}_cron): the owner runs `amsplan db grant {bo}"
        " planner` (or viewer, cron)"
    )
    assert "is not a role" in error(5, "db", "grant", bo, "boss")
    assert "not a login name" in error(5, "db", "grant", "pg_signal_backend", "viewer")
    viewer = group_name(team.prefix, Role.VIEWER)
    assert error(5, "db", "grant", viewer, "planner").strip() == (
        f"Error: {viewer} is one of amsplan's group roles, not a person's login"
    )


def test_two_planners_act_as_their_own_logins_and_cannot_borrow_a_name(team):
    first, second, third = planned(team)
    team.run("ola", "lock", first)
    team.run("kari", "lock", second, user=team.login("kari"))  # her own name: fine
    assert actors(team)[-2:] == [team.login("ola"), team.login("kari")]

    before = team.sql("SELECT count(*) FROM history")
    line = team.fails(9, "kari", "lock", third, user="ola")
    assert line == (
        f"Error: you are logged in to the database as {team.login('kari')}: --user ola is"
        " refused; only the cron role or the owner may act for others"
    )
    assert status_of(team, third) == "planning"
    assert team.sql("SELECT count(*) FROM history") == before
    assert team.sql("SELECT count(*) FROM comment WHERE actor = 'ola'") == [(0,)]


def test_a_viewer_reads_and_her_lock_fails_with_the_role_it_needs(team):
    first, *_ = planned(team)
    assert "AMS-00001" in team.run("vera", "orders", "list").stdout
    team.run("vera", "orders", "show", first)
    team.run("vera", "calendar", "--tech", "T01", "--date", DAY.isoformat())
    before = team.sql("SELECT version, status FROM work_order ORDER BY id")
    history = team.sql("SELECT count(*) FROM history")

    line = team.fails(9, "vera", "lock", first)
    planner, viewer = group_name(team.prefix, Role.PLANNER), group_name(team.prefix, Role.VIEWER)
    assert line == (
        f"Error: amsplan lock needs the planner role ({planner}); your login"
        f" {team.login('vera')} is in: {viewer}"
    )
    assert team.sql("SELECT version, status FROM work_order ORDER BY id") == before
    assert team.sql("SELECT count(*) FROM history") == history
    assert team.sql("SELECT count(*) FROM booking_code") == [(0,)]
    assert "Kari" not in line and "UPDATE" not in line and "SELECT" not in line
    assert team.fails(9, "vera", "orders", "list", "--save-as", "mine") == (
        f"Error: amsplan orders list --save-as needs the planner role ({planner}); your"
        f" login {team.login('vera')} is in: {viewer}"
    )


def test_a_viewer_runs_every_command_that_only_reads(team, tmp_path):
    first, *_ = planned(team)
    day = DAY.isoformat()
    reads = {
        "status": (), "orders list": ("--output", tmp_path / "o.xlsx"), "orders show": (first,),
        "calendar": ("--tech", "T01", "--date", day), "techs list": (), "techs absences": (),
        "replies unmatched": (), "sms list": (), "notify rules": (),
        "followup list": (), "returns unapplied": (), "upstream unapplied": (),
        "report failed-visits": (), "report progress": (),
        "filters list": (),
        "filters show": ("Alle ordre klar til utskrift",), "workflow show": (),
        "db version": (), "db roles": (),
        "map": ("--tech", "T01", "--date", day, "-o", tmp_path / "t01.html"),
    }  # fmt: skip
    for command, args in reads.items():
        team.run("vera", *command.split(), *args)
    viewing = {c for c, need in COMMANDS.items() if need is Need.VIEW}
    # not run: SQLite's backup, the other parts of issue 18, and the dashboard (3 s of
    # charts on the same read-only session as `report progress`)
    pending = {"db backup", "db verify", "doctor", "report dashboard"}
    assert viewing - pending == set(reads)


def test_cron_acts_for_a_service_account_with_both_names_and_only_cron_s_rights(team):
    ctx = team.context("robot", user="svc")
    with ctx.session(readonly=True):
        pass
    assert (ctx.user, ctx.login) == ("svc", team.login("robot"))
    mine = team.context("kari")  # no name asked for: the login acts
    with mine.session(readonly=True):
        pass
    assert (mine.user, mine.login) == (team.login("kari"), None)

    with (team.ws.path / "amsplan.toml").open("a", encoding="utf-8") as f:
        f.write(CRON_SETTINGS)
    first, second, third, fourth = planned(team, 4)
    team.run("kari", "lock", first, second, third, fourth)
    team.sql("UPDATE work_order SET email = 'kunde@kunde.example' WHERE order_no = %s", fourth)
    codes = dict(team.sql("SELECT o.order_no, c.code FROM booking_code c"
                          " JOIN work_order o ON o.id = c.order_id"))  # fmt: skip
    team.run("kari", "letters", "generate")  # the fourth is left for `letters email`

    def cron(*args: object) -> None:
        team.run("robot", *args, user="svc")

    cron("letters", "email")
    replies = team.ws.path / "svar.csv"
    replies.write_text(
        "Mottatt;Avsender;Melding\n"
        f"2026-04-02 12:00;+4790000001;{codes[first]} OK\n"
        f"2026-04-02 12:05;+4790000002;{codes[second]} KONTAKT\n",
        "utf-8",
    )
    cron("replies", "ingest", replies)
    cron("reminders", "run", "--now", "2026-04-12T10:00")  # the third and fourth: no answer
    cron("sms", "export", team.ws.path, "--now", "2026-04-12T10:00")
    cron("export", "mobile", team.ws.path / "mobil.csv")
    returns = team.ws.path / "retur.csv"
    returns.write_text("Ordrenr;Hendelse;Løsningskode;Tidspunkt;Montør;Merknad\n"
                       f"{first};løst;OK;2026-04-22 08:40;T01;\n", "utf-8")  # fmt: skip
    cron("returns", "ingest", returns)
    cron("export", "validation", team.ws.path / "validering.csv")
    upstream = team.ws.path / "oppstrøms.csv"
    upstream.write_text(f"Ordrenr;Type;Tidspunkt;Årsak\n{third};kansellert;;Revet\n", "utf-8")
    cron("upstream", "ingest", upstream)
    cron("notify", "run")

    assert [status_of(team, n) for n in (first, second, third, fourth)] == [
        "closed", "manual_followup", "manual_followup", "manual_followup"]  # fmt: skip
    kinds = team.sql("SELECT kind, count(*) FROM export_file GROUP BY kind ORDER BY kind")
    assert kinds == [("mobile", 1), ("sms", 1), ("validation", 1)]
    mails = team.sql("SELECT kind, state FROM email_message ORDER BY id")
    assert mails == [("booking", "sent"), ("digest", "sent")]
    assert "svc" in actors(team) and team.login("robot") not in actors(team)

    planner = group_name(team.prefix, Role.PLANNER)
    assert team.fails(9, "robot", "techs", "add", "T02", "--name", "X", user="svc") == (
        f"Error: amsplan techs add needs the planner role ({planner}); your login"
        f" {team.login('robot')} is in: {group_name(team.prefix, Role.CRON)}"
    )
    owner_only = team.fails(9, "kari", "privacy", "purge", "--closed-before", "2030-01-01",
                            "--yes")  # fmt: skip
    assert owner_only.startswith(
        "Error: amsplan privacy purge needs the owner of amsplan's tables (postgres)"
    )
    assert status_of(team, first) == "closed"
