"""Django's PostgreSQL backend, plus the tenant scope in the session's settings.

Every statement first passes :func:`dealership.tenancy.rls.apply_scope`, which sets
``app.dealerships`` / ``app.writable`` / ``app.system`` when the scope in context differs from
what this connection holds. The backend forgets what it holds whenever that may have changed
behind its back: on a new (or pooled) connection, and on a rollback or a savepoint rollback,
which undo a ``set_config`` made inside the rolled-back part (forgotten *after* the rollback:
the ``ROLLBACK TO SAVEPOINT`` statement itself passes the wrapper).
"""

from __future__ import annotations

from django.db.backends.postgresql import base

from dealership.tenancy.rls import apply_scope


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: the (app.dealerships, app.writable, app.system) this connection holds; None: unknown
        self.tenant_settings = None
        # the innermost wrapper: wrappers added later (query counters, tests) see only the
        # statement itself, never the settings
        self.execute_wrappers.insert(0, apply_scope)

    def get_new_connection(self, conn_params):
        self.tenant_settings = None
        return super().get_new_connection(conn_params)

    def _close(self):
        try:
            return super()._close()
        finally:
            self.tenant_settings = None

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self.tenant_settings = None

    def _savepoint_rollback(self, sid):
        try:
            return super()._savepoint_rollback(sid)
        finally:
            self.tenant_settings = None
