"""Messaging's models, one module per noun; every model is re-exported here, so code and
migrations say `from messaging.models import Thread` whatever module defines it.

Configuration (administrators): each organization's business calendar (calendar.py: weekly
hours, holidays, the organization's time zone), its pools of staff, routing rules from a
thread's category to a pool, and SLA policies saying how many business minutes a first answer
may take (routing.py). The work: threads, their messages, attachments, ownership history and
SLA milestones (threads.py); setup alerts where missing configuration made the portal fall back
(alerts.py); staff's quick replies (replies.py); e-visit time and claims (evisit.py).
"""

from messaging.models.alerts import SetupAlert
from messaging.models.calendar import BusinessCalendar, BusinessHours, Holiday, OpeningPeriod
from messaging.models.evisit import EvisitClaim, TimeEntry
from messaging.models.replies import QuickReply
from messaging.models.routing import CATEGORY_GUIDANCE, Category, Pool, RoutingRule, SlaPolicy, Urgency
from messaging.models.threads import Attachment, Message, OwnershipChange, SlaEvent, Thread, attachment_path

__all__ = [
    "CATEGORY_GUIDANCE",
    "Attachment",
    "BusinessCalendar",
    "BusinessHours",
    "Category",
    "EvisitClaim",
    "Holiday",
    "Message",
    "OpeningPeriod",
    "OwnershipChange",
    "Pool",
    "QuickReply",
    "RoutingRule",
    "SetupAlert",
    "SlaEvent",
    "SlaPolicy",
    "Thread",
    "TimeEntry",
    "Urgency",
    "attachment_path",
]
