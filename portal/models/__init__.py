"""People, organizations, access grants, sessions, the audit log and the notification outbox."""

from portal.models.audit import AuditEvent
from portal.models.outbox import Notice
from portal.models.people import CareTeamMembership, Organization, Patient, StaffMember, StaffRole
from portal.models.proxy import ProxyGrant, Scope
from portal.models.users import PatientInvitation, User, UserSession

__all__ = [
    "AuditEvent",
    "CareTeamMembership",
    "Notice",
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
