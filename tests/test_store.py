"""The store (analytics/store): schema and migrations, users and roles, the audit log and the action log, on
SQLite and on a real PostgreSQL server (fixture ``store_url`` in conftest.py)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from analytics.errors import InputError
from analytics.ingest.codebook import load_codebook
from analytics.store import (ACTION_COLUMNS, StoredUser, actions, add_action, add_user, audit_log, delete_action,
                             get_user, list_users, open_store, record_audit, remove_user, set_role, update_action)
from analytics.store.action_log import hierarchy_units

TABLES = {"organisations", "waves", "wave_versions", "wave_files", "users", "audit_log", "actions", "installation",
          "alembic_version"}


@pytest.fixture
def store(store_url):
    opened = open_store(store_url)
    yield opened
    opened.close()


def test_open_store_creates_every_table_at_the_latest_revision_and_a_salt(store):
    names = set(sa.inspect(store.engine).get_table_names())
    assert TABLES <= names
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "0001_first"
    assert len(store.salt) == 32
    # Opening again neither migrates again nor makes a new salt.
    again = open_store(store_url_of(store))
    assert again.salt == store.salt
    again.close()


def store_url_of(store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def test_two_processes_opening_a_new_store_at_once_both_succeed(store_url):
    if not store_url.startswith("postgresql"):
        pytest.skip("threads of one process on PostgreSQL; SQLite is covered by the process test below")
    results, errors = [], []

    def open_one():
        try:
            results.append(open_store(store_url))
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({s.salt for s in results}) == 1
    for s in results:
        s.close()


def test_an_unreachable_or_malformed_store_url_is_an_input_error():
    with pytest.raises(InputError, match="cannot be reached"):
        open_store("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(InputError, match="not a database URL"):
        open_store("not a url")


def test_users_roles_and_their_audit_rows(store):
    add_user(store, "  Lead@Trust.NHS.uk ", "admin", by="setup")
    add_user(store, "m@trust.nhs.uk", "manager", directorates=["Surgery"], teams=("Ward 7", "Ward 7 "), by="lead@trust.nhs.uk")
    assert get_user(store, "LEAD@trust.nhs.uk") == StoredUser("lead@trust.nhs.uk", "admin", (), ())
    assert get_user(store, "m@trust.nhs.uk") == StoredUser("m@trust.nhs.uk", "manager", ("Surgery",), ("Ward 7",))
    assert get_user(store, "nobody@trust.nhs.uk") is None
    set_role(store, "m@trust.nhs.uk", "board", by="lead@trust.nhs.uk")
    assert get_user(store, "m@trust.nhs.uk").role == "board"
    users = list_users(store)
    assert list(users.columns) == ["email", "role", "directorates", "teams"]
    assert users["email"].tolist() == ["lead@trust.nhs.uk", "m@trust.nhs.uk"]
    remove_user(store, "m@trust.nhs.uk", by="lead@trust.nhs.uk")
    assert list_users(store)["email"].tolist() == ["lead@trust.nhs.uk"]
    log = audit_log(store)
    assert list(log.columns) == ["at", "user", "action", "wave", "detail"]
    assert log["action"].tolist() == ["user added", "user added", "role changed", "user removed"]
    assert log.loc[2, "detail"] == {"email": "m@trust.nhs.uk", "role": "board", "old_role": "manager",
                                    "directorates": [], "teams": []}
    assert log.loc[2, "user"] == "lead@trust.nhs.uk"


@pytest.mark.parametrize("call, message", [
    (lambda s: add_user(s, "a@b.org", "superuser"), "role 'superuser' does not exist"),
    (lambda s: add_user(s, "not an address", "admin"), "not an e-mail address"),
    (lambda s: set_role(s, "ghost@b.org", "admin"), "no user ghost@b.org"),
    (lambda s: remove_user(s, "ghost@b.org"), "no user ghost@b.org"),
])
def test_user_mistakes_are_input_errors(store, call, message):
    with pytest.raises(InputError, match=message):
        call(store)


def test_adding_a_user_twice_is_refused(store):
    add_user(store, "a@b.org", "analyst")
    with pytest.raises(InputError, match="already a user"):
        add_user(store, "A@B.org", "admin")


def test_record_audit_keeps_detail_as_json(store):
    record_audit(store, "g@trust.nhs.uk", "pack downloaded", wave="2025", pages=12, directorate="Surgery")
    row = audit_log(store).iloc[0]
    assert (row["user"], row["action"], row["wave"]) == ("g@trust.nhs.uk", "pack downloaded", "2025")
    assert row["detail"] == {"pages": 12, "directorate": "Surgery"}


UNITS = hierarchy_units([("Surgery", "Ward 7"), ("Surgery", "Theatres"), ("Medicine", "Ward 2")])


def test_action_log_add_update_filter_delete(store):
    book = load_codebook()
    first = add_action(store, {"level": "team", "parent": "Surgery", "unit": "Ward 7", "wave": "2025",
                               "addresses": "attending", "title": " Weekly huddle ", "owner": "Ward manager",
                               "due": "2026-03-31"}, by="M@trust.nhs.uk", codebook=book, units=UNITS)
    second = add_action(store, {"level": "directorate", "unit": "Medicine", "wave": "2025", "addresses": "helping",
                                "title": "Rota review"}, by="m@trust.nhs.uk", codebook=book, units=UNITS)
    table = actions(store)
    assert list(table.columns) == list(ACTION_COLUMNS)
    assert table["id"].tolist() == [second, first]  # sorted by unit: Medicine, Ward 7
    row = table.set_index("id").loc[first]
    assert (row["title"], row["status"], row["due"], row["created_by"]) == (
        "Weekly huddle", "open", "2026-03-31", "m@trust.nhs.uk")
    update_action(store, first, {"status": "done", "notes": "Started in January"}, by="lead@trust.nhs.uk",
                  codebook=book, units=UNITS)
    row = actions(store, level="team", unit="Ward 7").iloc[0]
    assert (row["status"], row["notes"], row["updated_by"], row["title"]) == (
        "done", "Started in January", "lead@trust.nhs.uk", "Weekly huddle")
    assert actions(store, parent="Surgery")["id"].tolist() == [first]
    delete_action(store, second, by="lead@trust.nhs.uk")
    assert actions(store)["id"].tolist() == [first]
    log = audit_log(store)
    assert log["action"].tolist() == ["action added", "action added", "action updated", "action deleted"]
    assert log.loc[2, "detail"] == {"action_id": first, "changed": ["notes", "status"]}


@pytest.mark.parametrize("fields, message", [
    ({"level": "team", "parent": "Surgery", "unit": "Ward 99", "wave": "2025", "addresses": "helping",
      "title": "x"}, "no team called 'Ward 99'"),
    ({"level": "team", "parent": "Surgery", "unit": "Ward 7", "wave": "2025", "addresses": "helping",
      "title": "x", "status": "finished"}, "status must be one of"),
    ({"level": "team", "parent": "Surgery", "unit": "Ward 7", "wave": "", "addresses": "helping",
      "title": "x"}, "which wave"),
])
def test_action_mistakes_are_input_errors(store, fields, message):
    with pytest.raises(InputError, match=message):
        add_action(store, fields, by="m@trust.nhs.uk", codebook=load_codebook(), units=UNITS)


def test_an_action_needs_a_published_wave_or_units(store):
    with pytest.raises(InputError, match="No wave is published yet"):
        add_action(store, {"level": "organisation", "wave": "2025", "addresses": "helping", "title": "x"},
                   by="m@trust.nhs.uk")
    with pytest.raises(InputError, match="no action number 42"):
        update_action(store, 42, {"status": "done"}, by="m@trust.nhs.uk")
