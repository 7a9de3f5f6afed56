"""Reads of scheduling data: patient.py (the patient and their caregivers), staff.py (the staff
pages), api.py (the JSON API)."""
