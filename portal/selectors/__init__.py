"""Reads of the portal core: patient.py (patient side), staff.py (staff side), account.py (one's own
account), activity.py (how an audit event reads on the activity page), outbox.py (in-app notices)."""
