"""Logging filters the LOGGING setting installs: what the log must not hold."""

import logging


class NoMessageBodies(logging.Filter):
    """Drops pika's record of a returned (unroutable) message: it quotes the start of
    the body, and a message body is the caller's data, never logged. The publisher
    reports the return itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "body_prefix" not in str(record.msg)


class RefusalsInOneLine(logging.Filter):
    """A refused or bad request (4xx) is one line: Django logs the PermissionDenied or
    SuspiciousOperation behind it with its traceback, which says nothing about a
    request that was meant to be refused. Server errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
