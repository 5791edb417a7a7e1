"""The ticket categories of each kind, in the order forms offer them.

Plain data, imported by the ticket rules and by the free-text matcher (which stays free of
the database layer), so both always speak of the same categories.
"""

REPAIR_CATEGORIES = (
    "plumbing",
    "electrical",
    "appliance",
    "doors_windows",
    "gas",
    "elevator",
    "public_area",
    "greening",
    "other",
)
COMPLAINT_CATEGORIES = (
    "fee_value",
    "missing_service",
    "utility_cut",
    "security",
    "environment",
    "noise",
    "parking",
    "pets",
    "other",
)
