"""Open311 GeoReport v2 (市民上报接口): pure rendering and parameter parsing for the routes."""
