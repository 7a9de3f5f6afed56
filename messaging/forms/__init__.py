"""Messaging's forms: patient.py, staff.py, staff_evisit.py; keys.py is the idempotency key a
form carries, so one form sent twice writes once."""
