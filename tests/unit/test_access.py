"""Issue 18's rules without a database: the rights per role, who acts, the one line a
missing right becomes, the SQL of `db roles` and `db grant`, the roles setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from amsplan import config
from amsplan.domain import access
from amsplan.domain.access import (
    CRON,
    PLANNER,
    TABLE_RIGHTS,
    VIEWER,
    Catalog,
    Login,
    Membership,
    Need,
    Role,
    actor,
    denied_message,
    need_of,
    role_statements,
)
from amsplan.errors import ConfigError, InputError, PermissionDenied
from amsplan.store import models  # noqa: F401 - every table in SQLModel.metadata

DOCS = Path(__file__).resolve().parents[2] / "docs" / "team.md"


# --- the rights -------------------------------------------------------------------------


def test_every_table_of_the_schema_has_rights_for_every_role():
    assert set(TABLE_RIGHTS) == {*SQLModel.metadata.tables, "alembic_version"}
    assert all(set(per_role) == set(Role) for per_role in TABLE_RIGHTS.values())


def test_a_viewer_reads_and_nobody_but_the_owner_rewrites_history_or_comments():
    assert all(per_role[VIEWER] == access.READ for per_role in TABLE_RIGHTS.values())
    for table in ("history", "comment"):
        assert TABLE_RIGHTS[table][PLANNER] == TABLE_RIGHTS[table][CRON] == access.APPEND
    assert all(rights <= access.READ for rights in TABLE_RIGHTS["alembic_version"].values())


def test_cron_has_no_right_a_planner_lacks_and_leaves_the_planners_tables_alone():
    for per_role in TABLE_RIGHTS.values():
        assert per_role[CRON] <= per_role[PLANNER]
    assert TABLE_RIGHTS["technician"][CRON] == access.READ
    assert TABLE_RIGHTS["technician_absence"][CRON] == TABLE_RIGHTS["saved_filter"][CRON] == set()
    assert "INSERT" not in TABLE_RIGHTS["work_order"][CRON]  # orders come from imports
    deleting = {t for t, per_role in TABLE_RIGHTS.items() if "DELETE" in per_role[CRON]}
    assert deleting == {"notice"}  # a digest that did not go gives its changes back


def test_docs_team_shows_the_rights_of_every_table_as_the_domain_has_them():
    text = DOCS.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", text, re.M)
    shown = {table: tuple(cell.strip() for cell in cells) for table, *cells in rows}
    expected = {
        table: tuple(rights[access.group_name("amsplan", role)] for role in (PLANNER, VIEWER, CRON))
        for table, rights in access.rights_table("amsplan")
    }
    assert shown == expected


# --- who acts ---------------------------------------------------------------------------

KARI = Login("kari", may_act_for_others=False)
CRONJOB = Login("cronjob", may_act_for_others=True)


@pytest.mark.parametrize("asked", [None, "", "kari"])
def test_the_login_acts_when_no_other_name_is_asked_for(asked):
    assert actor(KARI, asked, "--user", "amsplan") == access.Actor("kari", None)


def test_a_login_that_may_act_for_others_acts_in_the_name_asked_for_with_both_recorded():
    assert actor(CRONJOB, "svc", "--user", "amsplan") == access.Actor("svc", "cronjob")
    assert actor(CRONJOB, None, None, "amsplan") == access.Actor("cronjob", None)


@pytest.mark.parametrize(
    ("asked_by", "given"), [("--user", "--user ola"), ("AMSPLAN_USER", "AMSPLAN_USER=ola")]
)
def test_another_name_is_refused_in_one_line_saying_where_it_came_from(asked_by, given):
    with pytest.raises(PermissionDenied) as refused:
        actor(KARI, "ola", asked_by, "amsplan")
    assert str(refused.value) == (
        f"you are logged in to the database as kari: {given} is refused; only the cron role"
        " or the owner may act for others"
    )
    assert refused.value.exit_code == 9


def test_a_login_in_no_role_is_told_how_to_get_one():
    with pytest.raises(PermissionDenied, match=r"db grant vera planner` \(or viewer, cron\)"):
        actor(Login("vera", may_act_for_others=False, reads=False), None, None, "amsplan")


# --- a missing right --------------------------------------------------------------------


def test_what_a_command_needs_may_depend_on_an_option():
    assert need_of("orders list") == ("orders list", Need.VIEW)
    assert need_of("orders list", ["--status", "--save-as=mine"]) == (
        "orders list --save-as",
        Need.PLAN,
    )
    assert need_of("db roles", ["--apply"]) == ("db roles --apply", Need.ADMIN)
    assert need_of("no such", ["--x"]) == ("no such", None)


VERA = Membership("vera", ["amsplan_viewer"], "amsplan")


def test_the_denied_line_names_the_role_needed_and_the_login_s_roles():
    assert denied_message("lock", Need.PLAN, "amsplan", VERA) == (
        "amsplan lock needs the planner role (amsplan_planner); your login vera is in:"
        " amsplan_viewer"
    )
    assert denied_message("replies ingest", Need.CRON, "amsplan", VERA) == (
        "amsplan replies ingest needs the cron or planner role (amsplan_cron or"
        " amsplan_planner); your login vera is in: amsplan_viewer"
    )
    assert denied_message("privacy purge", Need.OWN, "amsplan", VERA).startswith(
        "amsplan privacy purge needs the owner of amsplan's tables (amsplan); your login"
    )
    assert "(CREATEROLE)" in denied_message("db grant", Need.ADMIN, "amsplan", VERA)
    assert denied_message("lock", Need.PLAN, "amsplan", None) == (
        "amsplan lock needs the planner role (amsplan_planner)"
    )
    alone = Membership("bo", [], "amsplan")
    assert denied_message("x", None, "amsplan", alone) == (
        "amsplan x needs a right its role lacks; your login bo is in no role"
    )


def test_a_login_in_the_right_role_is_told_the_roles_may_be_out_of_date():
    line = denied_message("status", Need.VIEW, "amsplan", VERA)
    assert line.endswith("the owner runs `amsplan db roles --apply`")


# --- the SQL ----------------------------------------------------------------------------

CATALOG = Catalog(
    database="amsplan",
    schema="public",
    tables=["work_order", "history", "theirs"],
    sequences={"history_id_seq": "history", "theirs_id_seq": "theirs", "loose": None},
)


def test_role_statements_create_the_roles_once_and_give_each_table_its_rights():
    sql = role_statements("amsplan", CATALOG)
    assert sql[0] == (
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'amsplan_planner')"
        ' THEN CREATE ROLE "amsplan_planner" NOLOGIN; END IF; END $$'
    )
    assert sum("CREATE ROLE" in s for s in sql) == 3
    everyone = 'PUBLIC, "amsplan_planner", "amsplan_viewer", "amsplan_cron"'
    history = [s for s in sql if '"public"."history"' in s]
    assert history == [
        f'REVOKE ALL ON TABLE "public"."history" FROM {everyone}',
        'GRANT SELECT, INSERT ON TABLE "public"."history" TO "amsplan_planner"',
        'GRANT SELECT ON TABLE "public"."history" TO "amsplan_viewer"',
        'GRANT SELECT, INSERT ON TABLE "public"."history" TO "amsplan_cron"',
    ]
    # A table amsplan does not know loses the roles' rights and gets none.
    assert [s for s in sql if "theirs" in s] == [
        f'REVOKE ALL ON TABLE "public"."theirs" FROM {everyone}',
        f'REVOKE ALL ON SEQUENCE "public"."theirs_id_seq" FROM {everyone}',
    ]
    assert 'GRANT USAGE, SELECT ON SEQUENCE "public"."history_id_seq" TO "amsplan_planner",' in (
        " ".join(sql)
    )
    assert not any("GRANT" in s and "loose" in s for s in sql)


def test_names_are_quoted_so_no_name_can_end_a_statement():
    odd = Catalog("db", 'sch"ema', ["work_order"], {})
    assert 'GRANT USAGE ON SCHEMA "sch""ema" TO' in " ".join(role_statements("p", odd))
    assert access.literal("o'hara") == "'o''hara'"


def test_grant_statements_create_a_missing_login_without_a_password():
    assert access.grant_statements("amsplan", "kari", PLANNER) == [
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kari')"
        ' THEN CREATE ROLE "kari" LOGIN; END IF; END $$',
        'GRANT "amsplan_planner" TO "kari"',
    ]
    assert access.grant_statements("amsplan", "kari", PLANNER, revoke=True) == [
        'REVOKE "amsplan_planner" FROM "kari"'
    ]


@pytest.mark.parametrize("name", ["", "pg_monitor", "kari; DROP", "a" * 64, "-x"])
def test_a_login_name_that_is_not_one_is_refused(name):
    with pytest.raises(InputError):
        access.check_login(name)


def test_roles_are_named_by_their_words_in_any_case():
    assert access.parse_role(" Viewer ") is VIEWER
    with pytest.raises(InputError, match="use planner, viewer, cron"):
        access.parse_role("boss")


# --- settings ---------------------------------------------------------------------------


def test_the_roles_prefix_is_a_setting_with_amsplan_as_default(tmp_path):
    assert config.load_settings().database_roles == "amsplan"  # no file: the defaults
    path = tmp_path / "amsplan.toml"
    path.write_text('[database]\nroles = "hedmark"\n', encoding="utf-8")
    assert config.load_settings(path).database_roles == "hedmark"
    for bad in ("Hedmark", "x-y", "", "a" * 42):
        path.write_text(f'[database]\nroles = "{bad}"\n', encoding="utf-8")
        with pytest.raises(ConfigError, match="database.roles"):
            config.load_settings(path)


def test_a_name_asked_for_is_told_apart_from_the_os_login(monkeypatch):
    monkeypatch.delenv("AMSPLAN_USER", raising=False)
    assert config.asked_user(None) is None
    assert config.user_name(None)  # the OS login, a default
    assert config.asked_user("ola") == ("ola", "--user")
    monkeypatch.setenv("AMSPLAN_USER", "kari")
    assert config.asked_user(None) == ("kari", "AMSPLAN_USER")
    assert config.asked_user("ola") == ("ola", "--user")
