"""Deploy candidates come from the quote on the bundled catalogue, and render for their module."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlx_deploy.orchestrator.deploy.choose import choose_candidates
from mlx_deploy.orchestrator.deploy.inputs import DeployContext
from mlx_deploy.orchestrator.errors import DeployError
from mlx_deploy.orchestrator.profile import load_profile_text
from mlx_deploy.providers.base import get_provider

PROFILE = """
name: sentiment
image: ghcr.io/acme/sentiment:1.4.0
resources: {cpu: 2, memory: 4GiB}
"""


def test_cheapest_candidates_then_pinned_ones_render_for_their_module():
    profile = load_profile_text(PROFILE)
    cheapest = choose_candidates(profile, limit=3)
    assert len(cheapest) == 3
    assert [c.allin_usd_per_hour for c in cheapest] == sorted(c.allin_usd_per_hour for c in cheapest)
    for cloud in ("aws", "azure", "gcp"):
        [first, *_] = choose_candidates(profile, provider=cloud, limit=2)
        assert first.provider == cloud
        pinned = choose_candidates(profile, provider=cloud, region=first.region, instance_type=first.instance_type)
        assert (pinned[0].region, pinned[0].instance_type) == (first.region, first.instance_type)
        provider = get_provider(cloud)
        tfvars = provider.tfvars(first, profile, DeployContext("sentiment", Path("/m"), Path("/r")))
        assert (tfvars["instance_type"], tfvars["region"]) == (first.instance_type, first.region)
        assert provider.terraform_module == cloud


def test_local_is_a_deploy_target_but_not_a_catalogue_provider():
    from mlx_deploy.providers.base import deploy_target_names, provider_names

    assert "local" in deploy_target_names() and "local" not in provider_names()
    [candidate] = choose_candidates(load_profile_text(PROFILE), provider="local")
    assert (candidate.provider, candidate.allin_usd_per_hour, candidate.nodes) == ("local", 0.0, 1)
    with pytest.raises(DeployError, match="no candidate fits the profile with provider local, region mars"):
        choose_candidates(load_profile_text(PROFILE), provider="local", region="mars")
