"""RQ worker entry points: thin, they call gridops.services."""
