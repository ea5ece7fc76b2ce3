"""model.yaml: the schema, its units and aliases, every bad input as one ProfileError, and a loader fuzz."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mlx_deploy.orchestrator.errors import ProfileError
from mlx_deploy.orchestrator.profile import load_profile, load_profile_text, parse_size, schema_text

ROOT = Path(__file__).resolve().parents[2]
GOOD = """\
name: sentiment-classifier
image: ghcr.io/acme/sentiment:1.4.0
port: 5000
resources:
  cpu: 4
  memory: 16GiB
  gpu:
    count: 1
    model: [A10G, L4, a100]
    memory: 24GiB
  disk: 50GiB
replicas: 2
placement:
  providers: [aws, gcp, azure]
  regions: ["eu-*", us-east-1]
  spot: false
budget:
  max_hourly_usd: 6.0
"""


def test_the_issue_example_loads_with_canonical_gpu_names():
    profile = load_profile_text(GOOD)
    assert profile.resources.memory == 16.0
    assert profile.resources.gpu.model == ["A100-40GB", "A100-80GB", "A10G", "L4"]
    assert profile.placement.regions == ["eu-*", "us-east-1"]
    assert profile.allows_on_demand and not profile.allows_spot


@pytest.mark.parametrize(
    ("text", "gib"),
    [("16GiB", 16), ("16Gi", 16), ("512MiB", 0.5), ("1TiB", 1024), ("16GB", 16e9 / 2**30), (" 2.5 GiB ", 2.5), (8, 8)],
)
def test_sizes(text, gib):
    assert parse_size(text) == pytest.approx(gib)


@pytest.mark.parametrize("text", ["16XB", "GiB", "-1GiB", "0GiB", "1e3GiB", "sixteen", "2048TiB", 1e300, True, None])
def test_impossible_sizes(text):
    with pytest.raises(ValueError):
        parse_size(text)


def test_examples_validate_and_schema_file_is_up_to_date():
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    assert len(examples) >= 5
    for path in examples:
        load_profile(path)
    committed = (ROOT / "schema" / "model.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), (
        "schema/model.schema.json is out of date: run "
        "`python -c 'from mlx_deploy.orchestrator.profile import write_schema; write_schema()'`"
    )


BAD = [
    # (change to GOOD, line, text the message must contain)
    (("memory: 16GiB", "memroy: 16GiB"), 6, "resources: unknown key 'memroy' (did you mean 'memory'?)"),
    (("budget:", "budgte:"), 17, "unknown key 'budgte' (did you mean 'budget'?)"),
    (("cpu: 4", "cpu: four"), 5, "resources.cpu: Input should be a valid number"),
    (("cpu: 4", "cpu: -2"), 5, "resources.cpu: Input should be greater than 0"),
    (("cpu: 4", "cpu: 0"), 5, "resources.cpu: Input should be greater than 0"),
    (("replicas: 2", "replicas: 0"), 12, "replicas: Input should be greater than or equal to 1"),
    (("memory: 16GiB", "memory: 16XB"), 6, "resources.memory: unknown unit 'XB'"),
    (("memory: 16GiB", "memory: -16GiB"), 6, "resources.memory: '-16GiB' is not a size"),
    (("disk: 50GiB", "disk: 0GiB"), 11, "resources.disk: '0GiB' must be a size greater than zero"),
    (("a100]", "b9000]"), 9, "resources.gpu.model: unknown GPU 'b9000'"),
    (("count: 1", "count: 1.5"), 8, "resources.gpu.count: Input should be a valid integer"),
    (("[aws, gcp, azure]", "[]"), 14, "placement.providers: empty provider list"),
    (("[aws, gcp, azure]", "[aws, gpc]"), 14, "unknown provider 'gpc' (did you mean 'gcp'?)"),
    (("spot: false", "spot: maybe"), 16, "placement.spot: must be true, false or only"),
    (("port: 5000", "port: 70000"), 3, "port: Input should be less than or equal to 65535"),
    (("name: sentiment-classifier", "name: Sentiment_Classifier"), 1, "name: String should match pattern"),
    (("port: 5000", "port: [5000"), 4, "YAML syntax error"),
    (("  cpu: 4", "cpu: 4"), 6, "YAML syntax error"),
]


@pytest.mark.parametrize(("change", "line", "expected"), BAD, ids=[b[2][:40] for b in BAD])
def test_bad_input_names_file_line_and_key(tmp_path, change, line, expected):
    path = tmp_path / "model.yaml"
    assert change[0] in GOOD
    path.write_text(GOOD.replace(change[0], change[1], 1))
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    message = caught.value.one_line()
    assert message.startswith(f"{path}:{line}: "), message
    assert expected in message
    assert "\n" not in message


def test_missing_file_empty_file_and_not_a_mapping(tmp_path):
    with pytest.raises(ProfileError, match="no such file"):
        load_profile(tmp_path / "absent.yaml")
    (tmp_path / "empty.yaml").write_text("# nothing\n")
    with pytest.raises(ProfileError, match="the file is empty"):
        load_profile(tmp_path / "empty.yaml")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(ProfileError, match=r"list.yaml:1: expected a mapping"):
        load_profile(tmp_path / "list.yaml")
    with pytest.raises(ProfileError, match="is a directory"):
        load_profile(tmp_path)
    (tmp_path / "latin1.yaml").write_bytes(b"name: caf\xe9\n")
    with pytest.raises(ProfileError, match="not UTF-8"):
        load_profile(tmp_path / "latin1.yaml")


def test_missing_required_keys_point_at_their_parent():
    with pytest.raises(ProfileError, match=r"^model.yaml:2: resources.memory: missing required key"):
        load_profile_text("name: x\nresources:\n  cpu: 1\n")


# Fuzz: whatever the bytes, the loader returns a Profile or raises ProfileError, nothing else.
yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
KEYS = ["name", "image", "port", "replicas", "resources", "cpu", "memory", "gpu", "count", "model", "disk",
        "placement", "providers", "regions", "spot", "budget", "max_hourly_usd", "arch", "env", "command"]  # fmt: skip
profile_like = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**20) | st.floats() | st.sampled_from(["16GiB", "1e9", "L4", "aws", "only", "", "-1"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(KEYS), children, max_size=6),
    max_leaves=25,
)


def _load_or_profile_error(text: str) -> None:
    try:
        load_profile_text(text)
    except ProfileError as exc:
        assert exc.one_line() and "\n" not in exc.one_line()


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_fuzz_arbitrary_text(text):
    _load_or_profile_error(text)


@settings(max_examples=400, deadline=None)
@given(profile_like)
def test_fuzz_profile_shaped_yaml(data):
    _load_or_profile_error(yaml.safe_dump(data))


@settings(max_examples=200, deadline=None)
@given(yaml_values)
def test_fuzz_any_yaml_document(data):
    _load_or_profile_error(yaml.safe_dump(data))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(GOOD.splitlines()), max_size=20), st.sampled_from(["", ":", " ", "- ", "[", "{", "&a ", "*a", "!!python/object ", "\t"]))
def test_fuzz_mangled_lines(lines, junk):
    _load_or_profile_error("\n".join(junk + line if i % 3 == 0 else line for i, line in enumerate(lines)))
