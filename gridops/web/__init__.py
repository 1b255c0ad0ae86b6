"""gridops.web"""
