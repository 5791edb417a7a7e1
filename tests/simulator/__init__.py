"""Tests of the Telegram Bot API simulator, driven by the real aiogram client."""
