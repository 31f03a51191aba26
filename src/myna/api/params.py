"""Request parameters the way Mastodon clients send them: query string, urlencoded or
multipart form, or JSON, merged into one view with typed getters that fail with a clear 4xx."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.requests import Request

from myna.lib.errors import BadRequest, NotFound, ValidationFailed
from myna.lib.ids import parse_id

_TRUE = {"true", "1", "on", "yes", "t"}
_FALSE = {"false", "0", "off", "no", "f", ""}


class Params:
    def __init__(
        self,
        values: Mapping[str, Any],
        lists: Mapping[str, list[Any]],
        pairs: list[tuple[str, Any]] | None = None,
    ) -> None:
        self._values = values
        self._lists = lists
        # Query and form fields in the order sent: `records` groups `name[][field]` by it.
        self._pairs = pairs or []

    @classmethod
    async def read(cls, request: Request) -> "Params":
        values: dict[str, Any] = {}
        lists: dict[str, list[Any]] = {}
        pairs: list[tuple[str, Any]] = []

        def put(key: str, value: Any) -> None:
            pairs.append((key, value))
            base = key[:-2] if key.endswith("[]") else key
            lists.setdefault(base, []).append(value)
            values.setdefault(base, value)

        for key, value in request.query_params.multi_items():
            put(key, value)
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type == "application/json":
                raw = await request.body()
                if raw.strip():
                    try:
                        body = orjson.loads(raw)
                    except orjson.JSONDecodeError as exc:
                        raise BadRequest("Malformed JSON body", str(exc)) from None
                    if not isinstance(body, dict):
                        raise BadRequest("The JSON body must be an object")
                    for key, value in body.items():
                        _put_json(values, lists, key, value)
                        if isinstance(value, dict):
                            # {"poll": {"options": [...]}} reads like the form's
                            # poll[options][]=...: one level, the depth Mastodon's API uses.
                            for inner, item in value.items():
                                name = inner.removesuffix("[]")
                                _put_json(values, lists, f"{key}[{name}]", item)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                if content_type == "multipart/form-data" and not await _multipart_complete(request):
                    # python-multipart drops an unfinished last part silently: a cut-off body
                    # would post without its `visibility`, so it is refused instead.
                    raise BadRequest("Malformed form body", "The multipart body is incomplete")
                try:
                    form = await request.form()
                except Exception as exc:  # python-multipart raises several kinds
                    raise BadRequest("Malformed form body", str(exc)) from None
                for field, item in form.multi_items():
                    put(field, item)
        return cls(values, lists, pairs)

    def has(self, name: str) -> bool:
        return name in self._values

    def nested(self, name: str) -> bool:
        """Whether the object `name` was given, as `name[key]` fields or a JSON object."""
        value = self._values.get(name)
        if value is not None and not isinstance(value, dict):
            raise ValidationFailed(f"Validation failed: {name} must be an object")
        prefix = f"{name}["
        return any(key.startswith(prefix) for key in self._values)

    def raw(self, name: str) -> Any:
        return self._values.get(name)

    def text(
        self, name: str, *, default: str | None = None, max_length: int | None = None
    ) -> str | None:
        value = self._values.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValidationFailed(f"Validation failed: {name} must be a string")
        text = str(value)
        if max_length is not None and len(text) > max_length:
            raise ValidationFailed(f"Validation failed: {name} is too long (at most {max_length})")
        return text

    def required_text(self, name: str, *, max_length: int | None = None) -> str:
        value = self.text(name, max_length=max_length)
        if value is None or not value.strip():
            raise ValidationFailed(f"Validation failed: {name} can't be blank")
        return value

    def flag(self, name: str, *, default: bool | None = None) -> bool | None:
        value = self._values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int | str):
            text = str(value).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
        raise ValidationFailed(f"Validation failed: {name} must be a boolean")

    def integer(
        self,
        name: str,
        *,
        default: int | None = None,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = self._values.get(name)
        if value is None or value == "":
            return default
        try:
            if isinstance(value, bool | float):
                raise ValueError
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationFailed(f"Validation failed: {name} must be an integer") from None
        if minimum is not None and number < minimum:
            raise ValidationFailed(f"Validation failed: {name} must be at least {minimum}")
        if maximum is not None and number > maximum:
            raise ValidationFailed(f"Validation failed: {name} must be at most {maximum}")
        return number

    def timestamp(self, name: str) -> datetime | None:
        """An ISO 8601 date and time; one without a zone is taken as UTC."""
        value = self._values.get(name)
        if value is None or value == "":
            return None
        try:
            if not isinstance(value, str):
                raise ValueError
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationFailed(
                f"Validation failed: {name} must be an ISO 8601 date and time"
            ) from None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed

    def id(self, name: str) -> int | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        parsed = parse_id(value)
        if parsed is None:
            raise ValidationFailed(f"Validation failed: {name} must be an id")
        return parsed

    def strings(self, name: str) -> list[str]:
        out = []
        for value in self._lists.get(name, []):
            if not isinstance(value, str):
                raise ValidationFailed(f"Validation failed: {name} must be a list of strings")
            out.append(value)
        return out

    def integers(self, name: str) -> list[int]:
        out = []
        for value in self._lists.get(name, []):
            try:
                if isinstance(value, bool) or not isinstance(value, int | str):
                    raise ValueError
                out.append(int(value))
            except ValueError:
                raise ValidationFailed(
                    f"Validation failed: {name} must be a list of integers"
                ) from None
        return out

    def ids(self, name: str) -> list[int]:
        out = []
        for value in self._lists.get(name, []):
            parsed = parse_id(value)
            if parsed is None:
                raise ValidationFailed(f"Validation failed: {name} must be a list of ids")
            out.append(parsed)
        return out

    def records(self, name: str) -> list[dict[str, Any]]:
        """A list of objects the way Rails nests them (Mastodon's `keywords_attributes`): in a
        form or query string `name[][field]=...` (a field seen again starts the next object)
        or `name[0][field]=...` (grouped by index, in order of appearance); in JSON an array
        of objects, or an object of them keyed by index."""
        invalid = ValidationFailed(f"Validation failed: {name} must be a list of objects")
        value = self._values.get(name)
        if isinstance(value, dict):
            value = [value[k] for k in sorted(value, key=lambda k: (len(str(k)), str(k)))]
        if isinstance(value, list):
            if not all(isinstance(item, dict) for item in value):
                raise invalid
            return [dict(item) for item in value]
        if value is not None:
            raise invalid
        out: list[dict[str, Any]] = []
        indexed: dict[str, dict[str, Any]] = {}
        current: dict[str, Any] | None = None
        prefix = f"{name}["
        for key, item in self._pairs:
            if not key.startswith(prefix):
                continue
            index, sep, rest = key[len(prefix) :].partition("][")
            if not sep or not rest.endswith("]") or "[" in rest[:-1] or "]" in rest[:-1]:
                raise invalid
            field_name = rest[:-1]
            if index:
                target = indexed.get(index)
                if target is None:
                    target = indexed[index] = {}
                    out.append(target)
            else:
                if current is None or field_name in current:
                    current = {}
                    out.append(current)
                target = current
            target[field_name] = item
        return out


def _put_json(values: dict[str, Any], lists: dict[str, list[Any]], key: str, value: Any) -> None:
    base = key[:-2] if key.endswith("[]") else key
    values[base] = value
    lists[base] = list(value) if isinstance(value, list) else [value]


async def _multipart_complete(request: Request) -> bool:
    """Whether the body holds the closing delimiter `--boundary--`. Without a boundary the
    form parser itself fails. Starlette keeps the body read here for the parser."""
    boundary = ""
    for option in request.headers.get("content-type", "").split(";")[1:]:
        key, _, value = option.strip().partition("=")
        if key.strip().lower() == "boundary":
            boundary = value.strip().strip('"')
    if not boundary:
        return True
    return b"--" + boundary.encode("latin-1") + b"--" in await request.body()


def path_id(raw: str) -> int:
    """An id from the URL path; anything that is not one is simply not found."""
    parsed = parse_id(raw)
    if parsed is None:
        raise NotFound()
    return parsed
