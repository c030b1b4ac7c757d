"""Configuration checks when the worker starts, so a bad one stops it with one clear line
instead of failing a call: names the chains do not know (``AgentSettings``), a provider
named without its credentials, and (asking the provider) a model it does not offer."""

from __future__ import annotations

from pydantic import ValidationError

from agent_app.providers.chains import CREDENTIALS, MODEL_CHECKS
from agent_app.providers.cloud import model_check
from agent_app.settings import AgentSettings


class ConfigurationError(Exception):
    """The worker's configuration cannot serve a call; the message is one line."""


def named_providers(settings: AgentSettings) -> list[str]:
    """Every provider any chain names, in first-named order."""
    names = [*settings.chain("stt"), *settings.chain("llm"), *settings.chain("tts")]
    return list(dict.fromkeys(names))


def missing_credentials(settings: AgentSettings) -> list[str]:
    """One line per named provider lacking a credential it needs."""
    problems = []
    for name in named_providers(settings):
        missing = CREDENTIALS[name](settings) if name in CREDENTIALS else []
        if missing:
            problems.append(f"{name!r} is named in a chain but {' and '.join(missing)} is not set")
    return problems


def check(settings: AgentSettings, *, ask_providers: bool = True) -> None:
    """Raise ``ConfigurationError`` unless every named provider can serve; with
    ``ask_providers``, those that can be asked confirm the model and the key."""
    problems = missing_credentials(settings)
    if not problems and ask_providers:
        checks = [MODEL_CHECKS[n](settings) for n in named_providers(settings) if n in MODEL_CHECKS]
        problems = model_check.run_all(checks)
    if problems:
        raise ConfigurationError("; ".join(problems))


def load_settings(*, ask_providers: bool = True) -> AgentSettings:
    """The worker's settings, checked; a bad configuration is one ``ConfigurationError``
    line naming the variable at fault."""
    try:
        settings = AgentSettings()
    except ValidationError as e:
        raise ConfigurationError(describe(e)) from None
    check(settings, ask_providers=ask_providers)
    return settings


def describe(error: ValidationError) -> str:
    """A settings error on one line: each variable at fault and what is wrong with it."""
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in item["loc"]).upper()
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)
