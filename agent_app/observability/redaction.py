"""Keep secrets out of logs: a filter that masks every configured secret value."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from pydantic import SecretStr

from agent_app.settings import AgentSettings

MASK = "***"

# Credentials that can appear inside URLs or headers even when we never log them directly
_PATTERNS = (
    re.compile(
        r"(?i)(x-api-key|api[_-]?key|authorization|sig|token)([\"']?\s*[:=]\s*[\"']?)[^\s&\"',]+"
    ),
)


def secret_values(settings: AgentSettings) -> list[str]:
    """Every non-trivial secret value in ``settings``."""
    values: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            raw = value.get_secret_value()
            if len(raw) >= 4:
                values.append(raw)
    return values


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret and credential-looking assignment masked."""
    for secret in secrets:
        text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (args already applied) with secrets masked."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # longest first so a secret containing another is masked whole
        self._secrets = sorted(set(secrets), key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self._secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_installed: RedactingFilter | None = None


def install(settings: AgentSettings) -> RedactingFilter:
    """Attach one filter to every root handler; call again after handlers change."""
    global _installed
    if _installed is None:
        _installed = RedactingFilter(secret_values(settings))
    root = logging.getLogger()
    for handler in root.handlers:
        if _installed not in handler.filters:
            handler.addFilter(_installed)
    return _installed
