"""The services' tables, defined in :mod:`gridops.store.service_tables` and created by the
store's migration ``0004_services``. Import them from the store; these names remain only for
the modules still being edited elsewhere (routing, sweeper, notifying)."""

from gridops.store.service_tables import (
    callbacks,
    cursors,
    deliveries,
    escalations,
    insert_ignore,
    joint_tasks,
)

__all__ = ["callbacks", "cursors", "deliveries", "escalations", "insert_ignore", "joint_tasks"]
