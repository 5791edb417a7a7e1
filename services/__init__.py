"""Use cases and domain rules. Nothing here knows about Telegram, HTTP or the scheduler."""
