"""Messaging pages: the patient's (patient.py) and staff's (staff.py)."""
