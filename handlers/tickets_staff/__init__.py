"""The staff side of repairs and complaints (报修、投诉): alerts, buttons, replies, /queue.

  base     – the router, button data, states and the names staff read
  render   – the services' notices: group alerts, photos, the assignee's card, escalations
  screens  – our own: the assign picker, a ticket's detail, questions, /queue pages
  actions  – accept, assign (picker), grab, start, done: one press, one change
  questions– reject (asks the reason), done in private chat (asks for photos)
  relay    – replies under an alert: internal notes, or /say … to the resident
  queue    – /queue and one ticket's detail with its history
  writing  – from private chat, a message to the ticket's resident (asks for the words)

Handlers register in this import order, which is the order aiogram tries them in: the
questions a person was asked (a reason, photos) come before the group relay.
"""

from handlers.tickets_staff import (  # noqa: F401  (registration, in this order)
    actions,
    questions,
    queue,
    relay,
    render,
    screens,
    writing,
)
from handlers.tickets_staff.base import router

__all__ = ["router"]
