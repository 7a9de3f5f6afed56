"""The FHIR R4 read/search API at /fhir/R4/."""
