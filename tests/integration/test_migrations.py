"""Alembic migrations are the only way the schema changes: an old database with data
is upgraded to the newest schema, and its data is still there and usable."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from amsplan.store import db


def test_a_database_from_the_first_migration_with_data_upgrades_to_the_newest(
    empty_database_url, tmp_path
):
    engine = db.make_engine(empty_database_url)
    db.upgrade(engine, "0001")
    assert db.schema_version(engine) == "0001"
    now = datetime(2026, 4, 10, 8, tzinfo=UTC)
    with engine.begin() as conn:  # data as amsplan 0001 wrote it
        conn.execute(text(
            "INSERT INTO technician (id, name, phone, work_start, work_end, active) "
            "VALUES ('T01', 'Ola', '', '07:00:00', '15:00:00', true)"))  # fmt: skip
        conn.execute(
            text(
                "INSERT INTO work_order (order_no, meter_point_id, meter_number, customer_name,"
                " street, postcode, city, municipality_no, phone, mobile, stage, description,"
                " important_info, difficult_meter, no_sms, status, technician_id, planned_start,"
                " estimate_minutes, booking_seq, booking_code, booking_channel, awaiting_since,"
                " cancelled, version, created_at, updated_at) VALUES ('AMS-1',"
                " '707057500000000001', '1', 'Kari', 'Storgata 1', '2317', 'HAMAR', '3403', '',"
                " NULL, '', '', false, false, false, 'awaiting_response', 'T01', :start, 60, 1,"
                " 'ACDEFHJK', 'letter', :now, false, 1, :now, :now)"
            ),
            {"start": datetime(2026, 4, 22, 6, tzinfo=UTC), "now": now},
        )
        conn.execute(text(
            "INSERT INTO history (order_id, at, actor, transition, from_status, to_status,"
            " comment) VALUES (1, :now, 'kari', 'print', 'ready_to_print', 'awaiting_response',"
            " '')"), {"now": now})  # fmt: skip
    db.upgrade(engine)
    assert db.schema_version(engine) == db.SCHEMA_HEAD
    with engine.connect() as conn:
        order = conn.execute(text(
            "SELECT order_no, status, booking_code, followup_kind, resolved_at,"
            " validation_exported_at FROM work_order")).one()  # fmt: skip
        old = conn.execute(text("SELECT actor, technician_id, resolution FROM history")).one()
    assert tuple(order) == ("AMS-1", "awaiting_response", "ACDEFHJK", None, None, None)
    assert tuple(old) == ("kari", None, None)
    engine.dispose()

    # ... and amsplan works on it: a reply moves the order on.
    (tmp_path / "amsplan.toml").write_text(f'[database]\nurl = "{empty_database_url}"\n')
    from amsplan.config import load_settings
    from amsplan.services.context import Context
    from amsplan.services.views import status_counts

    ctx = Context(settings=load_settings(tmp_path / "amsplan.toml"), user="t")
    assert status_counts(ctx)["awaiting_response"] == 1
    ctx.close()


def test_every_migration_downgrades_and_upgrades_again(empty_database_url):
    engine = db.make_engine(empty_database_url)
    db.upgrade(engine)
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert db.schema_version(engine) is None
    db.upgrade(engine)
    assert db.schema_version(engine) == db.SCHEMA_HEAD
    engine.dispose()
