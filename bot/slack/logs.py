"""Logging for the Slack door: to stderr at $LOG_LEVEL, with tokens and the signing secret redacted
from every line, whatever a library prints."""

from __future__ import annotations

import logging
import re

import aiohttp

from bot.settings import Settings

NETWORK_ERRORS = (aiohttp.ClientError, ConnectionError, TimeoutError)
TOKEN_RE = re.compile(r"\b(xox[abposr]-|xapp-|xwfp-)[A-Za-z0-9-]+")  # xwfp-: a workflow step's token


class RedactSecrets(logging.Filter):
    """Tokens and the signing secret never reach a log line, whatever a library prints."""

    def __init__(self, secrets: tuple[str, ...]):
        super().__init__()
        self.secrets = tuple(s for s in secrets if len(s) >= 8)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = TOKEN_RE.sub(r"\1[redacted]", message)
        for secret in self.secrets:
            clean = clean.replace(secret, "[redacted]")
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and isinstance(record.exc_info[1], NETWORK_ERRORS):
            # "Failed to connect (error: Cannot connect to host …); Retrying…" already says it all: a
            # traceback per retry would bury the one line that matters while Slack is unreachable.
            record.exc_info, record.exc_text = None, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = TOKEN_RE.sub(r"\1[redacted]", logging.Formatter().formatException(record.exc_info))
            for secret in self.secrets:
                record.exc_text = record.exc_text.replace(secret, "[redacted]")
            record.exc_info = None
        return True


def configure_logging(settings: Settings) -> None:
    """Log to stderr at $LOG_LEVEL (default INFO), every line passing through the secret filter."""
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact = RedactSecrets(settings.secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
