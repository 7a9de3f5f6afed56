"""URLs of the records app, included by name from portal/urls.py: patient.py (/p/<patient_id>/record/),
staff.py (/staff/records/), public.py (/shared/). The FHIR API's are in records/fhir_api/."""
