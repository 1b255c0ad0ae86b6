"""The JSON API at /api/v1, one router per role area (dispatch, field, supervise, admin)."""
