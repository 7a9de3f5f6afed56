"""Reading FHIR R4 as source systems send it, and projecting it onto the portal's record."""
