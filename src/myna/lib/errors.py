"""Domain errors. Raised anywhere below the entry points; mapped to HTTP in api/errors.py."""


class MynaError(Exception):
    """Base class: `message` is safe to show to a client."""

    def __init__(self, message: str, description: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.description = description


class NotFound(MynaError):
    """Missing or not visible: the two are deliberately indistinguishable."""

    def __init__(self, message: str = "Record not found") -> None:
        super().__init__(message)


class ValidationFailed(MynaError):
    """The request was understood but its content is not acceptable (422)."""


class BadRequest(MynaError):
    """The request could not be parsed (400)."""


class Forbidden(MynaError):
    """Authenticated but not allowed (403)."""


class Unauthorized(MynaError):
    """No valid credentials (401)."""


class Conflict(MynaError):
    """The request conflicts with the current state (409)."""


class TooManyRequests(MynaError):
    """A limit of the server's rules was reached (429); trying later works."""
