"""The shared workspace's store: published waves, users and roles, the audit log and the action log, in a
database reached through SQLAlchemy (an embedded SQLite file by default, PostgreSQL for several users).

Never imports streamlit: the app passes ``st.connection("store", type="sql")``'s URL to :func:`open_store`,
the CLI its ``--store URL``.
"""

from analytics.store.action_log import ACTION_COLUMNS, actions, add_action, delete_action, update_action
from analytics.store.engine import Store, open_store
from analytics.store.waves import (WAVE_COLUMNS, delete_wave, load_published, publish, published_waves,
                                   set_organisation_k, withdraw_wave)
from analytics.store.users import (AUDIT_COLUMNS, USER_COLUMNS, StoredUser, add_user, audit_log, get_user, list_users,
                                   record_audit, remove_user, set_role)

__all__ = [
    "ACTION_COLUMNS", "AUDIT_COLUMNS", "USER_COLUMNS", "Store", "StoredUser", "actions", "add_action", "add_user",
    "audit_log", "delete_action", "get_user", "list_users", "open_store", "record_audit", "remove_user", "set_role",
    "update_action", "WAVE_COLUMNS", "delete_wave", "load_published", "publish", "published_waves",
    "set_organisation_k", "withdraw_wave",
]
