"""What a user's message carries, as Telegram fills it in: a text (with its command entity),
a photo (full size and thumbnail), a document, a voice note, a sticker, a shared contact,
and a caption. Sent files are stored in the simulator, so the bot can download them."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import HTTPException

from simulator.bodies import ContactIn, MessageIn
from simulator.chats import SimMessage, SimUser
from simulator.formatting import utf16_len
from simulator.media import guess_mime, image_size, placeholder_png
from simulator.state import SimState


def fill_message(state: SimState, user: SimUser, body: MessageIn, message: SimMessage) -> None:
    """Put what `body` sends into `message` (exactly one kind of content, and a caption)."""
    caption = body.caption
    if body.photo is not None:
        data = _decode(body.photo.data_base64)
        if data is None:
            data = placeholder_png(body.photo.width or 320, body.photo.height or 240, user.id)
        size = image_size(data) or (body.photo.width or 320, body.photo.height or 240)
        full = state.store_file(
            data, "photo", mime_type=guess_mime(None, data), width=size[0], height=size[1]
        )
        scale = min(1.0, 90 / max(size[0], size[1], 1))
        thumb = state.store_file(
            data,
            "photo",
            mime_type=full.mime_type,
            width=max(1, round(size[0] * scale)),
            height=max(1, round(size[1] * scale)),
        )
        message.photo = [thumb, full]
        caption = caption if caption is not None else body.text
    elif body.document is not None:
        data = _decode(body.document.data_base64) or b"simulated document\n"
        message.document = state.store_file(
            data,
            "document",
            mime_type=body.document.mime_type or guess_mime(body.document.file_name, data),
            file_name=body.document.file_name,
        )
        caption = caption if caption is not None else body.text
    elif body.voice is not None:
        data = _decode(body.voice.data_base64) or b"OggS\x00simulated voice"
        message.voice = state.store_file(
            data, "voice", mime_type="audio/ogg", duration=body.voice.duration
        )
    elif body.sticker:
        message.sticker = state.store_file(
            placeholder_png(128, 128, 3),
            "sticker",
            mime_type="image/webp",
            width=512,
            height=512,
        )
    elif body.contact is not None and body.contact is not False:
        contact = body.contact if isinstance(body.contact, ContactIn) else ContactIn()
        phone = contact.phone_number or user.phone_number
        if not phone:
            raise HTTPException(400, "the user has no phone_number; give contact.phone_number")
        shared_own = contact.phone_number is None or contact.phone_number == user.phone_number
        message.contact = {
            "phone_number": phone,
            "first_name": contact.first_name or user.first_name,
            "last_name": contact.last_name if contact.first_name else user.last_name,
            "user_id": contact.user_id
            if contact.user_id is not None
            else (user.id if shared_own else None),
        }
    elif body.text is not None and body.text != "":
        message.text = body.text
        if body.entities is not None:
            message.entities = body.entities
        else:
            message.entities = command_entities(body.text)
    else:
        raise HTTPException(
            400, "a message needs text, photo, document, voice, sticker or contact"
        )
    if caption:
        message.caption = caption
        message.caption_entities = command_entities(caption)


def command_entities(text: str) -> list[dict[str, Any]] | None:
    """The bot_command entity Telegram marks at the start of a text that begins with `/`."""
    if not text.startswith("/"):
        return None
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]


def _decode(data: str | None) -> bytes | None:
    """Bytes from base64 (a data: URL prefix is accepted)."""
    if data is None:
        return None
    if data.startswith("data:") and "," in data:
        data = data.split(",", 1)[1]
    try:
        return base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        raise HTTPException(400, "data_base64 is not valid base64") from None
