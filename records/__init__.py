"""records: the clinical record from every source system (import, pages, release rules, FHIR API)."""
