"""Which staff role may do what, and within which scope (community, buildings)."""

from __future__ import annotations

import enum

from models import Household, Staff, StaffRole


class Action(enum.StrEnum):
    approve_binding = "approve_binding"
    rotate_code = "rotate_code"
    view_households = "view_households"


ALLOWED: dict[Action, frozenset[StaffRole]] = {
    Action.approve_binding: frozenset(
        {
            StaffRole.admin,
            StaffRole.manager,
            StaffRole.dispatcher,
            StaffRole.steward,
            StaffRole.grid_worker,
        }
    ),
    Action.rotate_code: frozenset(
        {StaffRole.admin, StaffRole.manager, StaffRole.dispatcher, StaffRole.steward}
    ),
    Action.view_households: frozenset(set(StaffRole)),
}


def in_scope(staff: Staff, *, community_id: int, building_id: int | None = None) -> bool:
    """Staff without a community see every estate; building lists narrow it further."""
    if staff.role == StaffRole.admin:
        return True
    if staff.community_id is not None and staff.community_id != community_id:
        return False
    if building_id is not None and staff.building_ids:
        return building_id in staff.building_ids
    return True


def may(staff: Staff | None, action: Action, household: Household | None = None) -> bool:
    """True when `staff` is active, has a role allowed to do `action`, and the household is in scope."""
    if staff is None or not staff.active or staff.role not in ALLOWED[action]:
        return False
    if household is None:
        return True
    return in_scope(
        staff, community_id=household.building.community_id, building_id=household.building_id
    )
