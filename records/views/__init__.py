"""Pages of the records app: patient.py, patient_readings.py, patient_downloads.py, patient_sharing.py
(under /p/<patient_id>/record/), staff.py and staff_imports.py (under /staff/records/), public.py (the
page a share link opens, under /shared/)."""
