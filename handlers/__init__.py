"""aiogram Routers per feature, with their states, callback data, keyboards and renderers."""
