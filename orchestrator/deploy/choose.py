"""Which candidates a deploy tries, cheapest first: from the quote, or pinned."""

from __future__ import annotations

from mlx_deploy.orchestrator.errors import ConfigError, DeployError
from mlx_deploy.providers.base import deploy_target_names, get_provider, provider_names


def choose_candidates(profile, *, provider: str | None = None, region: str | None = None,  # noqa: ANN001
                      instance_type: str | None = None, catalogue_url: str | None = None,
                      limit: int = 3) -> list:  # fmt: skip
    """Up to `limit` candidates for `profile`, narrowed by the pins given."""
    if provider is not None:
        if provider not in deploy_target_names():
            known = ", ".join(deploy_target_names())
            raise ConfigError(f"unknown provider {provider!r}", f"Use one of: {known}.")
        target = get_provider(provider)
        _check_capable(target, profile)
        if "prices" in target.lacks:
            found = [c for c in target.candidates(profile) if _pinned(c, region, instance_type)]
            return _some(found[:limit], provider, region, instance_type)
        placement = profile.placement.model_copy(update={"providers": [provider]})
        profile = profile.model_copy(update={"placement": placement})
    from mlx_deploy.orchestrator.quote import quote

    result = quote(
        _only_capable(profile),
        catalogue_url=catalogue_url,
        top=limit,
        regions=None if region is None else [region],
        instance_types=None if instance_type is None else [instance_type],
    )
    return _some(result.candidates[:limit], provider, region, instance_type)


def needs(profile) -> dict[str, tuple[str, str]]:  # noqa: ANN001
    """What the profile asks of a target: capability (as a provider's `lacks` names it) -> (the ask, how to drop it)."""
    asked = {}
    if int(profile.replicas) > 1:
        asked["replicas"] = (f"replicas: {profile.replicas}", "set replicas: 1 in model.yaml")
    return asked


def _missing(target, profile) -> dict[str, tuple[str, str]]:  # noqa: ANN001
    return {capability: ask for capability, ask in needs(profile).items() if capability in target.lacks}


def _check_capable(target, profile) -> None:  # noqa: ANN001
    missing = _missing(target, profile)
    if missing:
        asks, fixes = zip(*missing.values())
        raise ConfigError(
            f"{target.name} ({target.display_name}) cannot run {' and '.join(asks)}: it lacks {' and '.join(missing)}",
            f"To deploy there, {' and '.join(fixes)}; or deploy to a cloud (e.g. --cheapest).",
        )


def _only_capable(profile):  # noqa: ANN001, ANN202
    """The profile with its placement narrowed to the clouds that have what it needs."""
    allowed = profile.placement.providers or list(provider_names())
    capable = [name for name in allowed if not _missing(get_provider(name), profile)]
    if not capable:
        _check_capable(get_provider(allowed[0]), profile)
    if capable == allowed:
        return profile
    placement = profile.placement.model_copy(update={"providers": capable})
    return profile.model_copy(update={"placement": placement})


def _pinned(candidate, region: str | None, instance_type: str | None) -> bool:  # noqa: ANN001
    return (region is None or candidate.region == region) and (
        instance_type is None or candidate.instance_type == instance_type
    )


def _some(found: list, provider: str | None, region: str | None, instance_type: str | None) -> list:
    if found:
        return found
    pins = ", ".join(f"{key} {value}" for key, value in
                     (("provider", provider), ("region", region), ("instance type", instance_type)) if value)  # fmt: skip
    raise DeployError(
        f"no candidate fits the profile{' with ' + pins if pins else ''}",
        "Run `mlx quote` on the model.yaml to see what fits, then pin one of its rows.",
    )
