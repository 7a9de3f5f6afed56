"""messaging: threads between patients and the clinic, with a named owner and a committed time
for the first answer (routing, SLA, safety screen, notices, e-visit time). Layout: models/,
services/ (writes), selectors/ (reads: patient.py, staff.py, api.py, staff_<topic>.py), views/,
forms/, urls/ (patient.py, staff.py under /staff/messaging/, links.py under /m/), api/; the rules
it obeys are in ../shared/docs/ARCHITECTURE.md."""
