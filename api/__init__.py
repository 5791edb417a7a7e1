"""FastAPI app: health, the Telegram webhook, and (in demo mode) the simulator at /sim."""
