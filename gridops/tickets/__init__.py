"""gridops.tickets"""
