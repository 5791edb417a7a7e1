"""Small helpers for simulated media: image size sniffing and generated placeholder images."""

from __future__ import annotations

import struct
import zlib

_PALETTE = [(0x4F, 0x8E, 0xC9), (0x6A, 0xB1, 0x5B), (0xE0, 0x8E, 0x3C), (0xB5, 0x5C, 0xB8)]


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF or JPEG, or None when the format is not recognised."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                index += 1
                continue
            marker = data[index + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                index += 2
                continue
            (length,) = struct.unpack(">H", data[index + 2 : index + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return int(width), int(height)
            index += 2 + length
    return None


def placeholder_png(width: int = 320, height: int = 240, seed: int = 0) -> bytes:
    """A solid-colour PNG (compresses to a few hundred bytes) for photos sent without data."""
    width = max(1, min(width, 2560))
    height = max(1, min(height, 2560))
    red, green, blue = _PALETTE[seed % len(_PALETTE)]
    row = b"\x00" + bytes((red, green, blue)) * width
    raw = row * height

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def guess_mime(file_name: str | None, data: bytes) -> str:
    """A MIME type from the magic bytes or the file name."""
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:4] == b"%PDF":
        return "application/pdf"
    if data[:4] == b"OggS":
        return "audio/ogg"
    name = (file_name or "").lower()
    for suffix, mime in (
        (".csv", "text/csv"),
        (".txt", "text/plain"),
        (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (".pdf", "application/pdf"),
        (".png", "image/png"),
        (".jpg", "image/jpeg"),
        (".jpeg", "image/jpeg"),
    ):
        if name.endswith(suffix):
            return mime
    return "application/octet-stream"
