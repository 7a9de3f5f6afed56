"""Scheduling pages: the patient's (patient.py), staff's (staff.py), one-tap links (links.py)."""
