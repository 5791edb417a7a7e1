"""Bot API requests and errors: parameters with Telegram's loose typing (JSON, urlencoded or
multipart bodies), uploads, and the error answers Telegram gives."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.requests import Request


class ApiError(Exception):
    """A Bot API error answer; `violation` names the kind when it counts as a violation."""

    def __init__(
        self,
        status: int,
        description: str,
        parameters: dict[str, Any] | None = None,
        *,
        violation: str | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters
        self.violation = violation

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        data: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            data["parameters"] = self.parameters
        return data


def bad_request(description: str, *, violation: bool = True, **parameters: Any) -> ApiError:
    """A 400 error; most count as violations (a correct bot never sends them)."""
    return ApiError(
        400,
        f"Bad Request: {description}",
        parameters or None,
        violation="bad_request" if violation else None,
    )


@dataclass
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    data: bytes
    content_type: str | None


class Params:
    """Request parameters with Telegram's loose typing (form values are strings or JSON)."""

    def __init__(self, raw: dict[str, Any], files: dict[str, Upload] | None = None) -> None:
        self.raw = raw
        self.files = files or {}

    def has(self, name: str) -> bool:
        """Whether the parameter is present and not empty."""
        return self.raw.get(name) not in (None, "")

    def get_str(self, name: str) -> str | None:
        """A string parameter."""
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value, ensure_ascii=False)

    def get_int(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter."""
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def get_float(self, name: str, default: float | None = None) -> float | None:
        """A number parameter."""
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str) -> bool:
        """A boolean parameter ("true"/"1" or JSON true)."""
        value = self.raw.get(name)
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes")
        return False

    def get_json(self, name: str) -> Any:
        """A JSON-serialized parameter (already decoded when the body was JSON)."""
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self, name: str = "chat_id") -> int:
        """The (integer) chat id; @usernames are not simulated and give "chat not found"."""
        value = self.raw.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, bool):
            raise bad_request("chat not found", violation=False)
        if isinstance(value, int):
            return value
        text = str(value).strip()
        try:
            return int(text)
        except ValueError:
            raise bad_request("chat not found", violation=False) from None


async def read_params(request: Request) -> Params:
    """Decode query string plus a JSON, urlencoded or multipart body into Params."""
    raw: dict[str, Any] = dict(request.query_params)
    files: dict[str, Upload] = {}
    content_type = request.headers.get("content-type", "").lower()
    if request.method == "POST":
        if content_type.startswith("multipart/form-data"):
            form = await request.form(max_files=100, max_fields=1000, max_part_size=64 << 20)
            try:
                for key, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        data = await value.read()
                        files[key] = Upload(value.filename, data, value.content_type)
                    else:
                        raw[key] = value
            finally:
                await form.close()
        else:
            body = await request.body()
            if body:
                if content_type.startswith("application/json"):
                    try:
                        decoded = json.loads(body)
                    except json.JSONDecodeError:
                        raise bad_request("can't parse JSON object") from None
                    if not isinstance(decoded, dict):
                        raise bad_request("can't parse JSON object")
                    raw.update(decoded)
                else:
                    raw.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return Params(raw, files)
