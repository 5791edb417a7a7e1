"""Repairs and complaints, the resident's side (issue 4).

- `form`    — the report form: states, answers, buttons, the questions and the summary
- `filing`  — /repair and /complaint: the handlers that move through the form and submit it
- `pages`   — /tickets as shown: the list, a ticket's page, the buttons on a ticket
- `mine`    — /tickets: its handlers (cancel, rate, reopen, follow-up messages)
- `offers`  — typed problems, lone photos and voice notes offered as a report; its router
              goes last, just before the catch-all, as it answers what no other feature took
- `updates` — renderers for the notices services.tickets sends the resident
- `labels`  — categories, statuses, visit windows and history in plain words
"""

from handlers.tickets import filing, form, labels, mine, offers, pages, updates

__all__ = ["filing", "form", "labels", "mine", "offers", "pages", "updates"]
