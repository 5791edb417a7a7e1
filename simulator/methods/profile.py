"""Bot API methods on the bot's profile: commands, the menu button, descriptions, name."""

from __future__ import annotations

from typing import Any

import telegram

from simulator.methods.common import COMMAND_RE, MethodsBase
from simulator.params import Params, bad_request


class ProfileMethods(MethodsBase):
    """set/get/deleteMyCommands, set/getChatMenuButton, setMyDescription, setMyShortDescription,
    setMyName."""

    @staticmethod
    def _commands_key(params: Params) -> str:
        """Storage key of a command list: its scope and language."""
        scope = params.get_json("scope") or {"type": "default"}
        if not isinstance(scope, dict):
            raise bad_request("can't parse scope JSON object")
        parts = [str(scope.get("type", "default"))]
        for name in ("chat_id", "user_id"):
            if name in scope:
                parts.append(f"{name}={scope[name]}")
        return ",".join(parts) + "|" + (params.get_str("language_code") or "")

    def m_setMyCommands(self, params: Params) -> bool:
        """Store the command list of a scope and language."""
        commands = params.get_json("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 BotCommand")
        checked = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad_request("BOT_COMMAND_INVALID")
            command = str(item.get("command", "")).removeprefix("/")
            description = str(item.get("description", ""))
            if not COMMAND_RE.match(command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            checked.append(telegram.BotCommand(command, description).to_dict())
        self.state.commands[self._commands_key(params)] = checked
        return True

    def m_getMyCommands(self, params: Params) -> list[dict[str, Any]]:
        """Return the command list of a scope and language."""
        return list(self.state.commands.get(self._commands_key(params), []))

    def m_deleteMyCommands(self, params: Params) -> bool:
        """Delete the command list of a scope and language."""
        self.state.commands.pop(self._commands_key(params), None)
        return True

    def m_setChatMenuButton(self, params: Params) -> bool:
        """Store the menu button of a chat (or the default one)."""
        button = params.get_json("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default",
            "commands",
            "web_app",
        ):
            raise bad_request("can't parse menu button JSON object")
        key = str(params.get_int("chat_id")) if params.has("chat_id") else ""
        self.state.menu_buttons[key] = button
        return True

    def m_getChatMenuButton(self, params: Params) -> dict[str, Any]:
        """Return the menu button of a chat."""
        key = str(params.get_int("chat_id")) if params.has("chat_id") else ""
        button = self.state.menu_buttons.get(key) or self.state.menu_buttons.get("")
        if button is None or button.get("type") == "default":
            return telegram.MenuButtonCommands().to_dict()
        return dict(button)

    def _bot_text(self, params: Params, name: str, limit: int) -> bool:
        """Store a bot description/name text."""
        value = params.get_str(name) or ""
        if len(value) > limit:
            raise bad_request(f"{name} is too long")
        self.state.bot_texts[f"{name}|{params.get_str('language_code') or ''}"] = value
        return True

    def m_setMyDescription(self, params: Params) -> bool:
        """Store the bot description."""
        return self._bot_text(params, "description", 512)

    def m_setMyShortDescription(self, params: Params) -> bool:
        """Store the bot short description."""
        return self._bot_text(params, "short_description", 120)

    def m_setMyName(self, params: Params) -> bool:
        """Store the bot name for a language."""
        return self._bot_text(params, "name", 64)
