"""Announcements from the staff side: /broadcast to compose one, its progress, /broadcasts.

Composing is a conversation with big buttons, its state kept in the database so a restart
loses nothing: own text or a template → the text (or the template's fields) → who receives
it → urgent? → ask for “Got it”? → when → expiry → a preview exactly as residents will see
it, with the recipient count → Confirm / Edit / Cancel. /cancel leaves it at any point.
The rules (who may announce, lengths, times, the audience) are services.broadcasts'.

  base      – the one `Routes` all modules register on, shared filters, button replies
  states    – the conversation's states and the draft's sections
  buttons   – callback data (formats fixed: old messages carry them), labels, layout
  composer  – `Composer`: asks the questions, keeps the answers, shows the preview
  render    – renderers of the questions and of the reminders when an answer won't do
  compose   – /broadcast and the steps up to the preview
  preview   – the preview and its buttons: Confirm, Edit, Cancel
  progress  – the progress line, cancelling, who has confirmed, /broadcasts
  fallbacks – last: whatever else arrives mid-conversation

Handlers register in the import order below, which is the order aiogram tries them in;
renderers register with bot.notices on import.
"""

# isort: off
from handlers.broadcast.base import router
from handlers.broadcast import render  # noqa: F401  (renderers)
from handlers.broadcast import compose  # noqa: F401  (handlers, in this order)
from handlers.broadcast import preview  # noqa: F401
from handlers.broadcast import progress  # noqa: F401
from handlers.broadcast import fallbacks  # noqa: F401
# isort: on

__all__ = ["router"]
