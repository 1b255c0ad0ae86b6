"""Alembic migrations, shipped inside the package so an installed gridops can migrate itself."""
