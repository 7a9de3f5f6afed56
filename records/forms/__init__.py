"""Forms of the records app: patient.py, patient_readings.py, patient_sharing.py, staff.py."""
