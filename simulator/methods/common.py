"""What every simulated Bot API method shares: Telegram's limits and error texts, and the
checks of chats, threads, replies, texts, keyboards and uploaded files."""

from __future__ import annotations

import re
import time
from typing import Any

import telegram

from simulator import tgtypes
from simulator.chats import SimChat, SimFile, SimMessage
from simulator.checks import check_entities, check_inline_keyboard
from simulator.formatting import EntityParseError, parse_text
from simulator.media import guess_mime, image_size, placeholder_png
from simulator.params import ApiError, Params, Upload, bad_request
from simulator.state import SimState

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
DOCUMENT_LIMIT = 50 * 1024 * 1024
PHOTO_LIMIT = 10 * 1024 * 1024
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a content and reply markup of the current message"
)
FAULT_DESCRIPTIONS = {
    400: "Bad Request: simulated fault",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: simulated fault",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class MethodsBase:
    """The simulator's state and the checks the method groups share."""

    state: SimState

    def _chat(self, params: Params, name: str = "chat_id") -> SimChat:
        """The addressed chat; unknown → chat not found, migrated → migrate_to_chat_id."""
        chat_id = params.chat_id(name)
        chat = self.state.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found", violation=False)
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                violation=False,
                migrate_to_chat_id=chat.migrated_to,
            )
        return chat

    def _send_chat(self, params: Params) -> SimChat:
        """The chat of a send, refusing blocked/never-started users and absent bots."""
        chat = self._chat(params)
        if chat.type == "private":
            user = self.state.users.get(chat.id)
            if user is None or not user.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            if user.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
        elif chat.bot_status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        elif chat.bot_status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        return chat

    def _admit(self, chat: SimChat, params: Params, count: int = 1) -> None:
        """Apply the rate limits to a send of `count` messages."""
        paid = params.get_bool("allow_paid_broadcast")
        retry_after = self.state.limiter.check_send(chat.id, chat.is_group, count, paid)
        if retry_after:
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
                violation="rate_limit",
            )

    def _thread(self, chat: SimChat, params: Params) -> int | None:
        """Check message_thread_id against the forum's topics (a reply without one goes into
        the topic of the message it answers, as in Telegram)."""
        thread_id = params.get_int("message_thread_id")
        if thread_id is None and chat.is_forum:
            thread_id = self._replied_thread(chat, params)
        if thread_id is None or not chat.is_forum:
            return thread_id
        topic = chat.topics.get(thread_id)
        if topic is None:
            raise bad_request("message thread not found")
        if topic.closed and chat.bot_status != "administrator":
            # Telegram lets only administrators who may manage topics write in a closed one;
            # the simulator's administrator bot has that right.
            raise bad_request("TOPIC_CLOSED")
        return thread_id

    def _replied_thread(self, chat: SimChat, params: Params) -> int | None:
        """The topic of the message replied to, if it is in one (errors are _reply_to's)."""
        message_id: Any = params.get_json("reply_parameters")
        if isinstance(message_id, dict):
            message_id = message_id.get("message_id")
        else:
            message_id = params.raw.get("reply_to_message_id")
        try:
            replied = chat.by_id.get(int(message_id)) if message_id is not None else None
        except (TypeError, ValueError):
            return None
        return replied.message_thread_id if replied and replied.is_topic_message else None

    def _reply_to(self, chat: SimChat, params: Params) -> int | None:
        """The message replied to (reply_to_message_id or reply_parameters)."""
        message_id = params.get_int("reply_to_message_id")
        allow_missing = params.get_bool("allow_sending_without_reply")
        reply_parameters = params.get_json("reply_parameters")
        if isinstance(reply_parameters, dict):
            message_id = reply_parameters.get("message_id")
            allow_missing = bool(reply_parameters.get("allow_sending_without_reply"))
            other_chat = reply_parameters.get("chat_id")
            if other_chat not in (None, chat.id, str(chat.id)):
                return None
        if message_id is None:
            return None
        try:
            message_id = int(message_id)
        except (TypeError, ValueError):
            raise bad_request("invalid reply_to_message_id specified") from None
        target = chat.by_id.get(message_id)
        if target is None or target.deleted:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        return message_id

    def _text(
        self,
        params: Params,
        field: str = "text",
        entities_field: str = "entities",
        limit: int = TEXT_LIMIT,
        parse_mode_field: str = "parse_mode",
    ) -> tuple[str, list[dict[str, Any]] | None]:
        """Validate and parse a text: 1..4096 characters after entity parsing."""
        text = params.get_str(field)
        if text is None or not text.strip():
            raise bad_request("message text is empty")
        plain, entities = self._parse(text, params, entities_field, parse_mode_field)
        if not plain.strip():
            raise bad_request("message text is empty")
        if len(plain) > limit:
            raise bad_request("message is too long")
        return plain, entities or None

    def _caption(
        self, params: Params, field: str = "caption", entities_field: str = "caption_entities"
    ) -> tuple[str | None, list[dict[str, Any]] | None]:
        """Validate and parse an optional caption (at most 1024 characters)."""
        text = params.get_str(field)
        if text is None or text == "":
            return None, None
        plain, entities = self._parse(text, params, entities_field, "parse_mode")
        if len(plain) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        return plain, entities or None

    def _parse(
        self, text: str, params: Params, entities_field: str, parse_mode_field: str
    ) -> tuple[str, list[dict[str, Any]]]:
        """Apply parse_mode, or take explicit entities."""
        parse_mode = params.get_str(parse_mode_field)
        try:
            plain, entities = parse_text(text, parse_mode)
        except EntityParseError as error:
            raise ApiError(400, str(error), violation="bad_request") from None
        except ValueError as error:
            raise ApiError(400, str(error), violation="bad_request") from None
        if not parse_mode:
            explicit = params.get_json(entities_field)
            if explicit is not None:
                entities = check_entities(explicit)
        return plain, entities

    def _markup(self, params: Params, *, inline_only: bool = False) -> dict[str, Any] | None:
        """Validate reply_markup like Telegram and return its normalised dict."""
        raw = params.get_json("reply_markup")
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        markup: Any
        if "inline_keyboard" in raw:
            check_inline_keyboard(raw["inline_keyboard"])
            markup = telegram.InlineKeyboardMarkup.de_json(raw, None)
        elif inline_only:
            raise bad_request("inline keyboard expected")
        elif "keyboard" in raw:
            rows = raw["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
                )
            normalised = []
            for row in rows:
                buttons = []
                for button in row:
                    if isinstance(button, str):
                        button = {"text": button}
                    if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                        raise bad_request("keyboard button text is empty")
                    buttons.append(button)
                normalised.append(buttons)
            markup = telegram.ReplyKeyboardMarkup.de_json({**raw, "keyboard": normalised}, None)
        elif "remove_keyboard" in raw:
            markup = telegram.ReplyKeyboardRemove.de_json(raw, None)
        elif "force_reply" in raw:
            markup = telegram.ForceReply.de_json(raw, None)
        else:
            raise bad_request("can't parse reply keyboard markup JSON object")
        return markup.to_dict() if markup is not None else None

    def _new_message(self, chat: SimChat, params: Params, **fields: Any) -> SimMessage:
        """Store a new bot message in `chat` with the common send options."""
        thread_id = fields.pop("message_thread_id", None)
        message = SimMessage(
            message_id=chat.allocate_id(),
            chat_id=chat.id,
            from_bot=True,
            sender_id=self.state.bot_id,
            date=int(time.time()),
            message_thread_id=thread_id if chat.is_forum else None,
            is_topic_message=bool(chat.is_forum and thread_id),
            protect_content=params.get_bool("protect_content"),
            disable_notification=params.get_bool("disable_notification"),
            parse_mode=params.get_str("parse_mode"),
            **fields,
        )
        chat.add(message)
        return message

    def _bot_message(self, params: Params, *, editable: bool = True) -> tuple[SimChat, SimMessage]:
        """The (chat, message) an edit or delete addresses."""
        if params.has("inline_message_id") and not params.has("chat_id"):
            raise bad_request("MESSAGE_ID_INVALID", violation=False)
        chat = self._chat(params)
        message_id = params.get_int("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.by_id.get(message_id)
        if message is None or message.deleted:
            raise bad_request("message to edit not found", violation=False)
        if editable and (not message.from_bot or message.service is not None):
            raise bad_request("message can't be edited")
        return chat, message

    def _edit(self, chat: SimChat, message: SimMessage, **changes: Any) -> dict[str, Any]:
        """Apply an edit (refusing a no-op like Telegram) and return the edited Message."""
        before = message.content_key()
        previous = {key: getattr(message, key) for key in changes}
        for key, value in changes.items():
            setattr(message, key, value)
        if message.content_key() == before:
            for key, value in previous.items():
                setattr(message, key, value)
            raise bad_request(NOT_MODIFIED[len("Bad Request: ") :], violation=False)
        message.history.append({**previous, "edit_date": message.edit_date})
        message.edited = True
        message.edit_date = int(time.time())
        chat.changed()
        return tgtypes.message_dict(self.state, message)

    def _input_file(self, params: Params, value: Any, kind: str, field: str) -> list[SimFile]:
        """Resolve an InputFile (attach://, file_id or URL) to stored file(s).

        Photos give [thumbnail, full size]; other kinds a single file.
        """
        if value is None or value == "":
            raise bad_request(f"there is no {kind} in the request")
        upload: Upload | None = None
        if isinstance(value, Upload):
            upload = value
        elif isinstance(value, str) and value.startswith("attach://"):
            upload = params.files.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
        elif isinstance(value, str) and value in self.state.files:
            known = self.state.files[value]
            if kind in ("photo", "voice") and known.kind != kind:
                raise bad_request(f"can't use file of type {known.kind.title()} as {kind.title()}")
            return [known]
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            name = value.rsplit("/", 1)[-1] or "file"
            data = placeholder_png(640, 480) if kind == "photo" else b"simulated remote file"
            upload = Upload(name, data, None)
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        data = upload.data
        if not data:
            raise bad_request("file must be non-empty")
        if len(data) > DOCUMENT_LIMIT:
            raise ApiError(413, "Request Entity Too Large", violation="bad_request")
        if kind == "photo":
            if len(data) > PHOTO_LIMIT:
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
            size = image_size(data)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            width, height = size
            full = self.state.store_file(
                data,
                "photo",
                mime_type=guess_mime(upload.filename, data),
                width=width,
                height=height,
            )
            scale = min(1.0, 90 / max(width, height, 1))
            thumb = self.state.store_file(
                data,
                "photo",
                mime_type=full.mime_type,
                width=max(1, round(width * scale)),
                height=max(1, round(height * scale)),
            )
            return [thumb, full]
        stored = self.state.store_file(
            data,
            kind,
            mime_type=upload.content_type
            if upload.content_type and upload.content_type != "application/octet-stream"
            else guess_mime(upload.filename, data),
            file_name=upload.filename if upload.filename != field else None,
        )
        return [stored]
