"""gridops.metrics"""
