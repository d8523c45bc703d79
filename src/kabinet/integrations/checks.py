"""``kabinet check``: an environment variable that pins an unknown provider fails at start, not at the first
text."""

from __future__ import annotations

from django.core.checks import Error, register

from kabinet.core.providers import kinds


@register()
def pinned_providers_exist(app_configs=None, **kwargs) -> list[Error]:
    problems = []
    for kind in kinds():
        pinned = kind.pinned()
        known = [provider.id for provider in kind.providers()]
        if pinned and pinned not in known:
            problems.append(
                Error(
                    f"{kind.pin_setting}={pinned!r} names no registered {kind.kind} provider.",
                    hint=f"Use one of: {', '.join(known)}; or leave it empty to let staff choose.",
                    id="kabinet.E101",
                )
            )
    return problems
