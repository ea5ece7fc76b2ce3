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


def test_a_target_lacking_replicas_refuses_more_than_one(tmp_path, terraform_env):
    from mlx_deploy.orchestrator.errors import ConfigError

    from .conftest import free_port, mlx, status_json, write_model

    three = load_profile_text(PROFILE + "replicas: 3\n")
    assert "replicas" in get_provider("local").lacks
    with pytest.raises(ConfigError) as caught:
        choose_candidates(three, provider="local")
    assert caught.value.one_line() == (
        "local (This machine) cannot run replicas: 3: it lacks replicas. "
        "To deploy there, set replicas: 1 in model.yaml; or deploy to a cloud (e.g. --cheapest)."
    )
    [one] = choose_candidates(load_profile_text(PROFILE + "replicas: 1\n"), provider="local")
    assert one.provider == "local"
    # The same message through the command line, and nothing recorded.
    model = write_model(tmp_path, "many", free_port(), replicas=2)
    done = mlx("deploy", str(model), "--provider", "local", "--yes", env=terraform_env)
    assert done.returncode == 1 and "local (This machine) cannot run replicas: 2: it lacks replicas" in done.stderr
    assert "Traceback" not in done.stderr and status_json(terraform_env, "--all") == []


def test_quoted_candidates_skip_providers_lacking_what_the_profile_needs(monkeypatch):
    """The check reads `lacks` as data: any provider listing "replicas" drops out of a multi-replica deploy."""
    three = load_profile_text(PROFILE + "replicas: 3\n")
    cheapest = choose_candidates(three, limit=5)[0].provider
    monkeypatch.setattr(get_provider(cheapest), "lacks", frozenset({"replicas"}))
    chosen = choose_candidates(three, limit=5)
    assert chosen and all(c.provider != cheapest for c in chosen)
    assert choose_candidates(load_profile_text(PROFILE), limit=5)[0].provider == cheapest
