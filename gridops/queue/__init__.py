"""gridops.queue"""
