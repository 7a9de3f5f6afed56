"""Reads of the records app: patient.py (the patient side: patient and caregivers),
patient_readings.py (home readings and corrections), staff.py (the care team's queues), visits.py (the
visits other apps ask about). The FHIR API reads in records/fhir_api/selectors.py."""
