"""The ticket status machine: which action leads from which status to which, and who may act.

new ─accept→ accepted ─assign→ assigned ─start→ in_progress ─finish→ done ─rate/autoclose→ closed
 │  └──────────── assign / grab ─────────┘                              └─reopen→ reopened
 ├─reject→ rejected              (reopened behaves like new: accept, assign, grab, start)
 └─cancel→ cancelled   (by the resident, until someone has started)
"""

from __future__ import annotations

import enum

from models import StaffRole, TicketStatus

S = TicketStatus


class Action(enum.StrEnum):
    accept = "accept"
    assign = "assign"
    grab = "grab"  # 抢单: a technician takes an unassigned ticket
    start = "start"
    finish = "finish"
    reject = "reject"
    cancel = "cancel"  # the resident
    rate = "rate"  # the resident, closes it
    reopen = "reopen"  # the resident, within tickets.reopen_days
    close = "close"  # the system: nobody rated in time


TRANSITIONS: dict[Action, dict[TicketStatus, TicketStatus]] = {
    Action.accept: {S.new: S.accepted, S.reopened: S.accepted},
    Action.assign: {
        S.new: S.assigned,
        S.accepted: S.assigned,
        S.assigned: S.assigned,
        S.reopened: S.assigned,
    },
    Action.grab: {S.new: S.assigned, S.accepted: S.assigned, S.reopened: S.assigned},
    Action.start: {S.assigned: S.in_progress},
    Action.finish: {S.in_progress: S.done},
    Action.reject: {S.new: S.rejected, S.accepted: S.rejected, S.reopened: S.rejected},
    Action.cancel: {S.new: S.cancelled, S.accepted: S.cancelled, S.assigned: S.cancelled},
    Action.rate: {S.done: S.closed},
    Action.reopen: {S.done: S.reopened, S.closed: S.reopened},
    Action.close: {S.done: S.closed},
}

DESK = frozenset({StaffRole.admin, StaffRole.manager, StaffRole.dispatcher})
STAFF_ROLES: dict[Action, frozenset[StaffRole]] = {
    Action.accept: DESK | {StaffRole.steward},
    Action.assign: DESK | {StaffRole.steward},
    Action.grab: frozenset({StaffRole.technician}),
    Action.start: frozenset({StaffRole.technician, StaffRole.steward})
    | DESK,  # the assignee, or the desk
    Action.finish: frozenset({StaffRole.technician, StaffRole.steward}) | DESK,
    Action.reject: DESK | {StaffRole.steward},
}
RESIDENT_ACTIONS = frozenset({Action.cancel, Action.rate, Action.reopen})
# Only the assignee moves the work itself along, unless the desk steps in.
ASSIGNEE_ONLY = frozenset({Action.start, Action.finish})


def next_status(status: TicketStatus, action: Action) -> TicketStatus | None:
    """Where `action` leads from `status`, or None when it is not allowed from there."""
    return TRANSITIONS[action].get(status)


def staff_actions(status: TicketStatus) -> list[Action]:
    """Staff actions allowed from a status, in the order their buttons are shown."""
    order = (Action.accept, Action.assign, Action.grab, Action.start, Action.finish, Action.reject)
    return [a for a in order if status in TRANSITIONS[a]]
