"""gridops.store"""
