"""Messaging's reads: patient.py (the patient and caregivers), staff.py (inboxes and threads for
staff), api.py (what the JSON API reads), staff_evisit.py, staff_metrics.py and staff_notices.py
(the staff side's e-visit, answer-time and notice pages), calendar.py (an organization's
business calendar, loaded for the SLA arithmetic)."""
