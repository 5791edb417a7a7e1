"""Repairs and complaints, the resident's side (issue 4).

- `form`    — the report form: its states, its buttons' callback data, its answers
- `questions` — the form's questions and summary as residents read them (renderers)
- `filing`  — /repair and /complaint: starting the form, its buttons, submitting it
- `answers` — what is typed, said or sent at a step of the form (router right after filing's)
- `pages`   — /tickets as shown: the list, a ticket's page, the buttons on a ticket
- `mine`    — /tickets: its handlers (cancel, reopen, follow-up messages)
- `rate`    — stars for a finished ticket, then an optional comment
- `access`  — the ticket a press names, if the presser may see it
- `offers`  — typed problems, lone photos and voice notes offered as a report; its router
              goes last, just before the catch-all, as it answers what no other feature took
- `offer_views` — those offers' buttons and how they read (renderers)
- `followups` — other words typed while the home has a ticket open: pass them on to it?
              (router after offers and the answered questions, before the catch-all)
- `updates` — renderers for the notices services.tickets sends the resident
- `labels`  — categories, statuses, visit windows and history in plain words
"""

from handlers.tickets import (
    access,
    answers,
    filing,
    followups,
    form,
    labels,
    mine,
    offer_views,
    offers,
    pages,
    questions,
    rate,
    updates,
)

__all__ = [
    "access",
    "answers",
    "filing",
    "followups",
    "form",
    "labels",
    "mine",
    "offer_views",
    "offers",
    "pages",
    "questions",
    "rate",
    "updates",
]
