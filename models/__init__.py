"""ORM models. Importing this package registers every table on `Base.metadata`."""

from models.api import ApiToken
from models.audit import AuditEntry
from models.base import Base
from models.broadcast import Broadcast, BroadcastAck, BroadcastStatus, DeliveryWorker
from models.community import Building, Community, Household, RetiredCode
from models.messaging import (
    PRIORITY,
    FsmRecord,
    MessageRef,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    ProcessedUpdate,
)
from models.people import (
    BindingRequest,
    ChatIdentity,
    CodeAttempt,
    RequestStatus,
    Resident,
    ResidentRole,
    Staff,
    StaffGroup,
    StaffRole,
)
from models.tickets import (
    CLOSED_TO_MESSAGES,
    OPEN_STATUSES,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketKind,
    TicketMedia,
    TicketStatus,
    TicketTopic,
    Urgency,
)

__all__ = [
    "CLOSED_TO_MESSAGES",
    "OPEN_STATUSES",
    "PRIORITY",
    "ApiToken",
    "AuditEntry",
    "Base",
    "BindingRequest",
    "Broadcast",
    "BroadcastAck",
    "BroadcastStatus",
    "Building",
    "ChatIdentity",
    "CodeAttempt",
    "Community",
    "DeliveryWorker",
    "FsmRecord",
    "Household",
    "MessageRef",
    "OutboxKind",
    "OutboxMessage",
    "OutboxStatus",
    "ProcessedUpdate",
    "RequestStatus",
    "Resident",
    "ResidentRole",
    "RetiredCode",
    "Staff",
    "StaffGroup",
    "StaffRole",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "TicketKind",
    "TicketMedia",
    "TicketStatus",
    "TicketTopic",
    "Urgency",
]
