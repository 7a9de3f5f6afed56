"""People, organizations, access grants, sessions and the audit log."""

from portal.models.audit import AuditEvent
from portal.models.people import CareTeamMembership, Organization, Patient, StaffMember, StaffRole
from portal.models.proxy import ProxyGrant, Scope
from portal.models.users import PatientInvitation, User, UserSession

__all__ = [
    "AuditEvent",
    "CareTeamMembership",
    "Organization",
    "Patient",
    "PatientInvitation",
    "ProxyGrant",
    "Scope",
    "StaffMember",
    "StaffRole",
    "User",
    "UserSession",
]
