"""Scheduling services: every write (in a transaction, audited) and the slot search."""
