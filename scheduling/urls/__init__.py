"""URLs of scheduling, included by string from portal/urls.py: patient.py and patient_checkin.py
(under /p/<patient_id>/appointments/), staff.py (/staff/scheduling/), links.py (signed links)."""
