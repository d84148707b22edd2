"""SMS providers behind one small interface (base.Provider); `provider_for(settings)`
gives the configured one. A further provider is one new module here and a line in
PROVIDERS."""

from __future__ import annotations

from importlib import import_module

from amsplan.adapters.sms.base import Provider
from amsplan.config import Settings
from amsplan.errors import ConfigError

# name -> module defining `PROVIDER` (a Provider class taking the settings)
PROVIDERS = {
    "twilio": "amsplan.adapters.sms.twilio",
    "sveve": "amsplan.adapters.sms.sveve",
}


def provider_for(settings: Settings, name: str | None = None) -> Provider:
    """The provider `name` (default: [sms] provider), configured from the settings."""
    name = name or settings.sms_provider
    module = PROVIDERS.get(name)
    if module is None:
        known = ", ".join(["file", *PROVIDERS])
        raise ConfigError(f"sms.provider {name!r} is not known; use one of {known}")
    provider: Provider = import_module(module).PROVIDER(settings)
    return provider
