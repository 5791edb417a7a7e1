"""The simulated Bot API: `POST|GET /bot{token}/{method}` and `GET /file/bot{token}/{path}`.

Requests may be JSON, form-urlencoded (what aiogram sends without files) or multipart (with
files, attached as `attach://<field>`). Each method validates its input the way Telegram
does and answers with Telegram's error descriptions; results are built with
python-telegram-bot's classes (see `tgtypes`). Scheduled faults are applied before a method
runs and never count as violations.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import telegram
from starlette.requests import Request
from starlette.responses import Response

from simulator import tgtypes
from simulator.checks import check_entities, check_inline_keyboard
from simulator.formatting import EntityParseError, parse_text
from simulator.media import guess_mime, image_size, placeholder_png
from simulator.params import ApiError, Params, Upload, bad_request, read_params
from simulator.state import (
    DEFAULT_ALLOWED_UPDATES,
    SimChat,
    SimFile,
    SimMessage,
    SimState,
    SimTopic,
    WebhookConfig,
)

log = logging.getLogger(__name__)

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


def _ok(result: Any) -> Response:
    """A successful Bot API response."""
    return _json(200, {"ok": True, "result": result})


def _json(status: int, body: dict[str, Any]) -> Response:
    """A compact JSON response."""
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        status_code=status,
        media_type="application/json",
    )


Handler = Callable[[Params], Any]


class BotApi:
    """The Bot API methods over a SimState."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.methods: dict[str, tuple[str, Handler, bool]] = {}
        for name in (
            "getMe",
            "logOut",
            "close",
            "getUpdates",
            "setWebhook",
            "deleteWebhook",
            "getWebhookInfo",
            "sendMessage",
            "sendPhoto",
            "sendDocument",
            "sendVoice",
            "sendMediaGroup",
            "copyMessage",
            "forwardMessage",
            "editMessageText",
            "editMessageCaption",
            "editMessageReplyMarkup",
            "deleteMessage",
            "deleteMessages",
            "answerCallbackQuery",
            "getFile",
            "sendChatAction",
            "setMyCommands",
            "getMyCommands",
            "deleteMyCommands",
            "setChatMenuButton",
            "getChatMenuButton",
            "setMyDescription",
            "setMyShortDescription",
            "setMyName",
            "pinChatMessage",
            "unpinChatMessage",
            "unpinAllChatMessages",
            "getChat",
            "getChatMember",
            "getChatMemberCount",
            "getChatAdministrators",
            "createForumTopic",
            "closeForumTopic",
            "reopenForumTopic",
            "editForumTopic",
        ):
            handler = getattr(self, "m_" + name)
            self.methods[name.lower()] = (name, handler, inspect.iscoroutinefunction(handler))

    # --- HTTP entry points --------------------------------------------------------------------

    async def http_method(self, request: Request) -> Response:
        """Serve `/bot{token}/{method}`."""
        if request.path_params["token"] != self.state.token:
            return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        try:
            params = await read_params(request)
        except ApiError as error:
            self._count_error(error)
            return _json(error.status, error.body())
        status, body = await self.call(request.path_params["method"], params)
        return _json(status, body)

    async def http_file(self, request: Request) -> Response:
        """Serve `/file/bot{token}/{file_path}` (the download URL of getFile)."""
        if request.path_params["token"] != self.state.token:
            return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        stored = self.state.files_by_path.get(request.path_params["file_path"])
        if stored is None:
            return _json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        return Response(stored.data, media_type=stored.mime_type or "application/octet-stream")

    async def call(self, method: str, params: Params) -> tuple[int, dict[str, Any]]:
        """Run one method call (with faults and counters) and return (status, JSON body)."""
        state = self.state
        entry = self.methods.get(method.lower())
        if entry is None:
            state.calls_by_method[method] += 1
            error = ApiError(404, "Not Found: method not found")
            self._count_error(error)
            return 404, error.body()
        name, handler, is_async = entry
        state.calls_by_method[name] += 1
        fault = state.take_fault(name, params.raw.get("chat_id"))
        if fault is not None:
            if fault.delay > 0:
                await asyncio.sleep(fault.delay)
            if fault.status is not None:
                return fault.status, self._fault_body(
                    fault.status, fault.retry_after, fault.description
                )
        try:
            result = await handler(params) if is_async else handler(params)
        except ApiError as error:
            self._count_error(error)
            return error.status, error.body()
        except Exception:
            log.exception("simulator: %s failed", name)
            internal = ApiError(500, "Internal Server Error: simulator bug")
            self._count_error(internal)
            return 500, internal.body()
        if name != "getUpdates":
            state.sent_by_method[name] += 1
        return 200, {"ok": True, "result": result}

    @staticmethod
    def _fault_body(
        status: int, retry_after: int | None, description: str | None
    ) -> dict[str, Any]:
        """The error body of a simulated fault."""
        body: dict[str, Any] = {"ok": False, "error_code": status}
        if status == 429:
            wait = max(1, retry_after or 1)
            body["description"] = description or f"Too Many Requests: retry after {wait}"
            body["parameters"] = {"retry_after": wait}
        else:
            body["description"] = description or FAULT_DESCRIPTIONS.get(status, "Simulated error")
        return body

    def _count_error(self, error: ApiError) -> None:
        """Count an error answer (and a violation when it is one)."""
        self.state.errors[f"{error.status} {error.description}"[:160]] += 1
        if error.violation:
            self.state.record_violation(error.violation)

    # --- shared checks ------------------------------------------------------------------------

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

    # --- methods: bot and updates -------------------------------------------------------------

    def m_getMe(self, params: Params) -> dict[str, Any]:
        """Return the bot's User."""
        return tgtypes.bot_user(self.state, full=True).to_dict()

    def m_logOut(self, params: Params) -> bool:
        """Pretend to log out."""
        return True

    def m_close(self, params: Params) -> bool:
        """Pretend to close the bot instance."""
        return True

    async def m_getUpdates(self, params: Params) -> list[dict[str, Any]]:
        """Long-poll for updates; an offset confirms every update below it."""
        state = self.state
        if state.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
                violation="conflict",
            )
        offset = params.get_int("offset")
        limit = max(1, min(100, params.get_int("limit", 100) or 100))
        timeout = max(0.0, min(50.0, params.get_float("timeout", 0.0) or 0.0))
        allowed = params.get_json("allowed_updates")
        if isinstance(allowed, list):
            state.allowed_updates = frozenset(allowed) or DEFAULT_ALLOWED_UPDATES
        if offset is not None:
            if offset < 0:
                state.updates.keep_last(-offset)
                offset = None
            else:
                state.updates.confirm_below(offset)
        state.poll_generation += 1
        generation = state.poll_generation
        state.update_notifier.notify()  # an older long poll ends with 409 Conflict
        deadline = time.monotonic() + timeout
        while True:
            batch = state.updates.take_batch(offset, limit)
            if batch:
                return [state.update_dict(entry) for entry in batch]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            await state.update_notifier.wait(remaining)
            if state.poll_generation != generation:
                state.getupdates_conflicts += 1
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            if state.webhook is not None:
                return []

    def m_setWebhook(self, params: Params) -> bool:
        """Set (or, with an empty url, remove) the webhook and start delivering to it."""
        state = self.state
        url = (params.get_str("url") or "").strip()
        if not url:
            return self.m_deleteWebhook(params)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: invalid webhook URL specified")
        secret = params.get_str("secret_token")
        if secret is not None and secret != "" and not SECRET_RE.match(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = params.get_int("max_connections", 40) or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be in 1..100")
        allowed = params.get_json("allowed_updates")
        if isinstance(allowed, list):
            state.allowed_updates = frozenset(allowed) or DEFAULT_ALLOWED_UPDATES
        if params.get_bool("drop_pending_updates"):
            state.updates.clear()
        state.webhook = WebhookConfig(
            url=url,
            secret_token=secret or None,
            max_connections=max_connections,
            allowed_updates=sorted(state.allowed_updates),
            ip_address=params.get_str("ip_address"),
        )
        state.update_notifier.notify()
        if state.webhook_runner is not None:
            state.webhook_runner.start()
        return True

    def m_deleteWebhook(self, params: Params) -> bool:
        """Remove the webhook (optionally dropping pending updates)."""
        state = self.state
        state.drop_webhook()
        if params.get_bool("drop_pending_updates"):
            state.updates.clear()
        return True

    def m_getWebhookInfo(self, params: Params) -> dict[str, Any]:
        """Return the WebhookInfo."""
        return tgtypes.webhook_info(self.state)

    # --- methods: sending ---------------------------------------------------------------------

    def m_sendMessage(self, params: Params) -> dict[str, Any]:
        """Send a text message."""
        chat = self._send_chat(params)
        text, entities = self._text(params)
        markup = self._markup(params)
        thread_id = self._thread(chat, params)
        reply_to = self._reply_to(chat, params)
        self._admit(chat, params)
        message = self._new_message(
            chat,
            params,
            text=text,
            entities=entities,
            reply_markup=markup,
            reply_to_message_id=reply_to,
            message_thread_id=thread_id,
        )
        return tgtypes.message_dict(self.state, message)

    def m_sendPhoto(self, params: Params) -> dict[str, Any]:
        """Send a photo (upload, file_id or URL)."""
        return self._send_file(params, "photo")

    def m_sendDocument(self, params: Params) -> dict[str, Any]:
        """Send a document (upload, file_id or URL)."""
        return self._send_file(params, "document")

    def m_sendVoice(self, params: Params) -> dict[str, Any]:
        """Send a voice note (upload, file_id of a voice note, or URL)."""
        return self._send_file(params, "voice")

    def _send_file(self, params: Params, kind: str) -> dict[str, Any]:
        """One file with an optional caption; the parameter is named after its kind."""
        chat = self._send_chat(params)
        caption, caption_entities = self._caption(params)
        markup = self._markup(params)
        thread_id = self._thread(chat, params)
        reply_to = self._reply_to(chat, params)
        value = params.files.get(kind) or params.raw.get(kind)
        stored = self._input_file(params, value, kind, kind)
        self._admit(chat, params)
        message = self._new_message(
            chat,
            params,
            # A photo is its sizes (thumbnail and full); other kinds are one file.
            **{kind: stored if kind == "photo" else stored[0]},
            caption=caption,
            caption_entities=caption_entities,
            reply_markup=markup,
            reply_to_message_id=reply_to,
            message_thread_id=thread_id,
        )
        return tgtypes.message_dict(self.state, message)

    def m_sendMediaGroup(self, params: Params) -> list[dict[str, Any]]:
        """Send an album of 2–10 photos or documents; each item counts against the limits."""
        chat = self._send_chat(params)
        media = params.get_json("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media in the group: must be 2-10 items")
        kinds = {item.get("type") if isinstance(item, dict) else None for item in media}
        if not kinds <= {"photo", "document"}:
            raise bad_request("unsupported media type in the simulator (photo/document only)")
        if len(kinds) > 1:
            raise bad_request("document can't be mixed with other media types")
        thread_id = self._thread(chat, params)
        reply_to = self._reply_to(chat, params)
        prepared = []
        for item in media:
            item_params = Params({**item}, params.files)
            caption, caption_entities = self._caption(item_params)
            files = self._input_file(params, item.get("media"), item["type"], "media")
            prepared.append((item["type"], files, caption, caption_entities))
        self._admit(chat, params, count=len(media))
        group_id = self.state.new_media_group_id()
        results = []
        for kind, files, caption, caption_entities in prepared:
            content: dict[str, Any] = (
                {"photo": files} if kind == "photo" else {"document": files[0]}
            )
            message = self._new_message(
                chat,
                params,
                caption=caption,
                caption_entities=caption_entities,
                media_group_id=group_id,
                reply_to_message_id=reply_to,
                message_thread_id=thread_id,
                **content,
            )
            results.append(tgtypes.message_dict(self.state, message))
        return results

    def _source(self, params: Params) -> SimMessage:
        """The message a copy or forward takes."""
        source_chat = self.state.chats.get(params.chat_id("from_chat_id"))
        if source_chat is None:
            raise bad_request("chat not found", violation=False)
        message_id = params.get_int("message_id")
        source = source_chat.by_id.get(message_id or 0)
        if source is None or source.deleted:
            raise bad_request("message to copy not found", violation=False)
        if source.service is not None:
            raise bad_request("message can't be copied")
        if source.protect_content:
            raise bad_request("message can't be forwarded", violation=False)
        return source

    def m_copyMessage(self, params: Params) -> dict[str, Any]:
        """Copy a message (without a link to the original); returns a MessageId."""
        chat = self._send_chat(params)
        source = self._source(params)
        markup = self._markup(params)
        thread_id = self._thread(chat, params)
        reply_to = self._reply_to(chat, params)
        caption, caption_entities = source.caption, source.caption_entities
        if params.has("caption"):
            caption, caption_entities = self._caption(params)
        self._admit(chat, params)
        message = self._new_message(
            chat,
            params,
            text=source.text,
            entities=source.entities,
            caption=caption,
            caption_entities=caption_entities,
            photo=source.photo,
            document=source.document,
            voice=source.voice,
            sticker=source.sticker,
            contact=source.contact,
            reply_markup=markup,
            reply_to_message_id=reply_to,
            message_thread_id=thread_id,
        )
        return telegram.MessageId(message_id=message.message_id).to_dict()

    def m_forwardMessage(self, params: Params) -> dict[str, Any]:
        """Forward a message (with forward_origin)."""
        chat = self._send_chat(params)
        source = self._source(params)
        thread_id = self._thread(chat, params)
        self._admit(chat, params)
        message = self._new_message(
            chat,
            params,
            text=source.text,
            entities=source.entities,
            caption=source.caption,
            caption_entities=source.caption_entities,
            photo=source.photo,
            document=source.document,
            voice=source.voice,
            sticker=source.sticker,
            contact=source.contact,
            message_thread_id=thread_id,
            forward_from_user_id=source.sender_id,
        )
        return tgtypes.message_dict(self.state, message)

    # --- methods: editing and deleting --------------------------------------------------------

    def m_editMessageText(self, params: Params) -> dict[str, Any]:
        """Edit a bot message's text (a missing reply_markup removes the inline keyboard)."""
        chat, message = self._bot_message(params)
        text, entities = self._text(params)
        markup = self._markup(params, inline_only=True)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        markup = _edited_markup(message, markup)
        return self._edit(chat, message, text=text, entities=entities, reply_markup=markup)

    def m_editMessageCaption(self, params: Params) -> dict[str, Any]:
        """Edit a media message's caption."""
        chat, message = self._bot_message(params)
        caption, caption_entities = self._caption(params)
        markup = self._markup(params, inline_only=True)
        if message.text is not None:
            raise bad_request("there is no caption in the message to edit")
        markup = _edited_markup(message, markup)
        return self._edit(
            chat, message, caption=caption, caption_entities=caption_entities, reply_markup=markup
        )

    def m_editMessageReplyMarkup(self, params: Params) -> dict[str, Any]:
        """Replace (or remove) a bot message's inline keyboard."""
        chat, message = self._bot_message(params)
        markup = self._markup(params, inline_only=True)
        return self._edit(chat, message, reply_markup=markup)

    def _delete_one(self, chat: SimChat, message_id: int | None) -> None:
        """Mark one message deleted, with Telegram's permission rules."""
        message = chat.by_id.get(message_id or 0)
        if message is None or message.deleted:
            raise bad_request("message to delete not found", violation=False)
        if chat.is_group and not message.from_bot and chat.bot_status != "administrator":
            raise bad_request("message can't be deleted", violation=False)
        message.deleted = True

    def m_deleteMessage(self, params: Params) -> bool:
        """Delete one message."""
        chat = self._chat(params)
        self._delete_one(chat, params.get_int("message_id"))
        chat.changed()
        return True

    def m_deleteMessages(self, params: Params) -> bool:
        """Delete several messages (missing ones are skipped, as Telegram does)."""
        chat = self._chat(params)
        ids = params.get_json("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must be a list of 1-100 identifiers")
        for message_id in ids:
            message = chat.by_id.get(int(message_id))
            if message is not None:
                message.deleted = True
        chat.changed()
        return True

    # --- methods: callbacks, files, actions ---------------------------------------------------

    def m_answerCallbackQuery(self, params: Params) -> bool:
        """Answer a callback query once (text at most 200 characters)."""
        query_id = params.get_str("callback_query_id")
        record = self.state.callbacks.get(query_id or "")
        text = params.get_str("text")
        if text is not None and len(text) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        if record is None or record.answered:
            raise bad_request(QUERY_INVALID[len("Bad Request: ") :], violation=False)
        record.answered = True
        record.answered_at = time.monotonic()
        record.text = text
        record.show_alert = params.get_bool("show_alert")
        record.url = params.get_str("url")
        record.cache_time = params.get_int("cache_time")
        record.notifier.notify()
        return True

    def m_getFile(self, params: Params) -> dict[str, Any]:
        """Return a File whose file_path downloads from /file/bot<token>/<path>."""
        stored = self.state.files.get(params.get_str("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        return tgtypes.tg_file(stored).to_dict()

    def m_sendChatAction(self, params: Params) -> bool:
        """Show a chat action (not rate limited)."""
        chat = self._send_chat(params)
        action = params.get_str("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.last_action = action
        return True

    # --- methods: commands, menu, descriptions ------------------------------------------------

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

    # --- methods: chats, pins, members --------------------------------------------------------

    def _require_admin(self, chat: SimChat) -> None:
        """Group operations that need the bot to be an administrator."""
        if chat.is_group and chat.bot_status != "administrator":
            raise bad_request(
                "not enough rights to manage pinned messages in the chat", violation=False
            )

    def m_pinChatMessage(self, params: Params) -> bool:
        """Pin a message."""
        chat = self._chat(params)
        self._require_admin(chat)
        message = chat.by_id.get(params.get_int("message_id") or 0)
        if message is None or message.deleted:
            raise bad_request("message to pin not found", violation=False)
        message.pinned = True
        chat.changed()
        return True

    def m_unpinChatMessage(self, params: Params) -> bool:
        """Unpin a message (the most recent pinned one when no id is given)."""
        chat = self._chat(params)
        self._require_admin(chat)
        message_id = params.get_int("message_id")
        if message_id is None:
            target = next((m for m in reversed(chat.messages) if m.pinned), None)
        else:
            target = chat.by_id.get(message_id)
        if target is None or not target.pinned:
            raise bad_request("message to unpin not found", violation=False)
        target.pinned = False
        chat.changed()
        return True

    def m_unpinAllChatMessages(self, params: Params) -> bool:
        """Unpin every message of a chat."""
        chat = self._chat(params)
        self._require_admin(chat)
        for message in chat.messages:
            message.pinned = False
        chat.changed()
        return True

    def m_getChat(self, params: Params) -> dict[str, Any]:
        """Return a ChatFullInfo."""
        return tgtypes.chat_full_info(self.state, self._chat(params)).to_dict()

    def m_getChatMember(self, params: Params) -> dict[str, Any]:
        """Return a ChatMember."""
        chat = self._chat(params)
        user_id = params.get_int("user_id")
        if user_id is None:
            raise bad_request("user_id is empty")
        if user_id != self.state.bot_id and user_id not in self.state.users:
            raise bad_request("user not found", violation=False)
        return tgtypes.chat_member(self.state, chat, user_id).to_dict()

    def m_getChatMemberCount(self, params: Params) -> int:
        """Return the number of members (the bot included)."""
        chat = self._chat(params)
        return 2 if chat.type == "private" else len(chat.members) + 1

    def m_getChatAdministrators(self, params: Params) -> list[dict[str, Any]]:
        """Return the administrators (the bot when it is one)."""
        chat = self._chat(params)
        if chat.is_group and chat.bot_status == "administrator":
            return [tgtypes.chat_member(self.state, chat, self.state.bot_id).to_dict()]
        return []

    # --- methods: forum topics ----------------------------------------------------------------

    def _forum(self, params: Params) -> SimChat:
        """A forum supergroup where the bot may manage topics."""
        chat = self._chat(params)
        if chat.type != "supergroup" or not chat.is_forum:
            raise bad_request("the chat is not a forum")
        if chat.bot_status != "administrator":
            raise bad_request("not enough rights to create a topic", violation=False)
        return chat

    def _topic(self, chat: SimChat, params: Params) -> SimTopic:
        """The addressed topic."""
        topic = chat.topics.get(params.get_int("message_thread_id") or 0)
        if topic is None:
            raise bad_request("TOPIC_ID_INVALID")
        return topic

    def _service(self, chat: SimChat, thread_id: int | None, service: dict[str, Any]) -> None:
        """Store a service message sent on behalf of the bot."""
        message_id = chat.allocate_id()
        chat.add(
            SimMessage(
                message_id=message_id,
                chat_id=chat.id,
                from_bot=True,
                sender_id=self.state.bot_id,
                date=int(time.time()),
                message_thread_id=thread_id,
                is_topic_message=thread_id is not None,
                service=service,
            )
        )

    def m_createForumTopic(self, params: Params) -> dict[str, Any]:
        """Create a topic; its message_thread_id is the id of its service message."""
        chat = self._forum(params)
        name = params.get_str("name") or ""
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        icon_color = params.get_int("icon_color", 0x6FB9F0) or 0x6FB9F0
        thread_id = chat.next_message_id
        topic = SimTopic(
            message_thread_id=thread_id,
            name=name,
            icon_color=icon_color,
            icon_custom_emoji_id=params.get_str("icon_custom_emoji_id"),
        )
        chat.topics[thread_id] = topic
        self._service(
            chat, thread_id, {"forum_topic_created": {"name": name, "icon_color": icon_color}}
        )
        return tgtypes.forum_topic(topic)

    def m_closeForumTopic(self, params: Params) -> bool:
        """Close a topic (then only administrators may send into it, as in Telegram)."""
        chat = self._forum(params)
        topic = self._topic(chat, params)
        if topic.closed:
            raise bad_request("TOPIC_NOT_MODIFIED", violation=False)
        topic.closed = True
        self._service(chat, topic.message_thread_id, {"forum_topic_closed": {}})
        return True

    def m_reopenForumTopic(self, params: Params) -> bool:
        """Reopen a closed topic."""
        chat = self._forum(params)
        topic = self._topic(chat, params)
        if not topic.closed:
            raise bad_request("TOPIC_NOT_MODIFIED", violation=False)
        topic.closed = False
        self._service(chat, topic.message_thread_id, {"forum_topic_reopened": {}})
        return True

    def m_editForumTopic(self, params: Params) -> bool:
        """Rename a topic or change its icon."""
        chat = self._forum(params)
        topic = self._topic(chat, params)
        name = params.get_str("name")
        icon = params.get_str("icon_custom_emoji_id")
        if name is not None:
            if not 1 <= len(name) <= 128:
                raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
            if name == topic.name and icon is None:
                raise bad_request("TOPIC_NOT_MODIFIED", violation=False)
            topic.name = name
        if icon is not None:
            topic.icon_custom_emoji_id = icon or None
        chat.changed()
        return True


def _edited_markup(message: SimMessage, markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The markup after an edit: an omitted inline keyboard goes, a reply keyboard stays.

    A reply keyboard belongs to the chat, not to the message, so edits never touch it.
    """
    current = message.reply_markup
    if markup is None and current is not None and "inline_keyboard" not in current:
        return current
    return markup


MethodCaller = Callable[[str, Params], Awaitable[tuple[int, dict[str, Any]]]]
