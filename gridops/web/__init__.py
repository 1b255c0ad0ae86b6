"""gridops.web: the HTTP interface (FastAPI) — ``create_app(ctx)`` in :mod:`gridops.web.app`.

Open311 GeoReport v2 (``open311_routes`` over the pure ``open311`` package), the JSON API per
role (``api/``: tickets, dispatch, field, supervise, admin), photos (``media_routes``),
Prometheus metrics (``metrics``); authentication (``auth``, ``security``), permissions
(``permissions``), limits (``limits``) and batched public intake (``intake_batch``).
"""
