"""Messaging's URLs: patient.py (under /p/<patient_id>/messages/), staff.py (under
/staff/messaging/), links.py (the signed links of notices, under /m/)."""
