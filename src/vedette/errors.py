"""Typed domain errors: one base with an HTTP status, so API and CLI report them the same way."""

from __future__ import annotations


class VedetteError(Exception):
    status_code = 400

    def __init__(self, message: str, *, item: str | None = None) -> None:
        self.item = item
        self.message = message
        super().__init__(f"{item}: {message}" if item else message)

    def __reduce__(self):  # noqa: ANN204 - keeps ``item`` across processes (parse workers)
        return (_rebuild, (type(self), self.message, self.item))


def _rebuild(cls: type[VedetteError], message: str, item: str | None) -> VedetteError:
    return cls(message, item=item)


class NotFound(VedetteError):
    status_code = 404


class BadInput(VedetteError):
    status_code = 422


class FetchFailed(VedetteError):
    status_code = 502


class Conflict(VedetteError):
    """The record changed since the caller read it, or is in a state that refuses the act (HTTP 409)."""

    status_code = 409
