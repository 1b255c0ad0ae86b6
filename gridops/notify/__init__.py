"""gridops.notify"""
