"""Messaging's forms: patient.py, staff.py, staff_evisit.py; keys.py gives every form that
writes an idempotency key (a double click or a retry finds the first write)."""
