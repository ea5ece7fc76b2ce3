"""Which candidates a deploy tries, cheapest first: from the quote, or pinned."""

from __future__ import annotations

from mlx_deploy.orchestrator.errors import ConfigError, DeployError


def choose_candidates(profile, *, provider: str | None = None, region: str | None = None,  # noqa: ANN001
                      instance_type: str | None = None, catalogue_url: str | None = None,
                      limit: int = 3) -> list:  # fmt: skip
    """Up to `limit` candidates for `profile`, narrowed by the pins given."""
    if provider is not None:
        from mlx_deploy.providers.base import deploy_target_names, get_provider

        if provider not in deploy_target_names():
            known = ", ".join(deploy_target_names())
            raise ConfigError(f"unknown provider {provider!r}", f"Use one of: {known}.")
        target = get_provider(provider)
        if "prices" in target.lacks:
            found = [c for c in target.candidates(profile) if _pinned(c, region, instance_type)]
            return _some(found[:limit], provider, region, instance_type)
        placement = profile.placement.model_copy(update={"providers": [provider]})
        profile = profile.model_copy(update={"placement": placement})
    from mlx_deploy.orchestrator.quote import quote

    result = quote(
        profile,
        catalogue_url=catalogue_url,
        top=limit,
        regions=None if region is None else [region],
        instance_types=None if instance_type is None else [instance_type],
    )
    return _some(result.candidates[:limit], provider, region, instance_type)


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
