"""gridops.services"""
