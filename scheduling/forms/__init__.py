"""Forms of the scheduling pages: patient.py, patient_checkin.py (eCheck-in), staff.py."""
