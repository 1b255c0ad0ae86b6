"""gridops.org"""
