"""What gridops ships as package data: the default configuration (config/*.yaml) and the
synthetic Pudong sample grid (sample_grids/pudong/). gridops.settings points at them when
GRIDOPS_CONFIG_DIR / GRIDOPS_GRID are unset."""
