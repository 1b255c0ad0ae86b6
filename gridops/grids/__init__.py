"""gridops.grids"""
