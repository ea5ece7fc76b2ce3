"""The model profile (`model.yaml`): schema and loader.

Resource numbers mean "at least". Sizes take units (`16GiB`, `16GB`, `512MiB`,
`1TiB`, Kubernetes-style `16Gi`); a bare number is GiB. GPU names are the
catalogue's canonical names (`catalogue.gpus`), with aliases (`a100` means both
A100 sizes). Every problem becomes one `ProfileError` naming the file, the
line and the key; `schema/model.schema.json` is `json_schema()` for editors.
"""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema, field_validator

from mlx_deploy.orchestrator.errors import ProfileError

SCHEMA_FILE = "schema/model.schema.json"
FIX = "See examples/*.yaml or schema/model.schema.json."

_UNITS_GIB = {
    "": 1.0,
    "gib": 1.0,
    "gi": 1.0,
    "mib": 1 / 1024,
    "mi": 1 / 1024,
    "tib": 1024.0,
    "ti": 1024.0,
    "gb": 1e9 / 2**30,
    "mb": 1e6 / 2**30,
    "tb": 1e12 / 2**30,
}
_SIZE = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>[a-zA-Z]*)\s*$")
MAX_SIZE_GIB = 1024.0**2  # 1 PiB: anything larger is a unit mistake
SIZE_PATTERN = r"^\s*(\d+(\.\d+)?|\.\d+)\s*([GMT]i?B?|[GMT]iB|[GMT]B)?\s*$"


def parse_size(value: Any) -> float:
    """`16GiB` -> 16.0 (GiB). Accepts GiB, GB, MiB, MB, TiB, TB, Gi, Mi, Ti; bare numbers are GiB."""
    if isinstance(value, bool):
        raise ValueError("expected a size such as 16GiB, got a boolean")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        match = _SIZE.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a size; write e.g. 16GiB, 16GB or 512MiB")
        unit = match["unit"].lower()
        if unit not in _UNITS_GIB:
            raise ValueError(f"unknown unit {match['unit']!r} in {value!r}; use GiB, GB, MiB, MB, TiB or TB")
        number = float(match["number"]) * _UNITS_GIB[unit]
    else:
        raise ValueError(f"expected a size such as 16GiB, got {type(value).__name__}")
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{value!r} must be a size greater than zero")
    if number > MAX_SIZE_GIB:
        raise ValueError(f"{value!r} is more than 1 PiB; check the unit")
    return number


Size = Annotated[
    float,
    BeforeValidator(parse_size),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "string", "pattern": SIZE_PATTERN}],
            "description": "At least this much; units GiB, GB, MiB, MB, TiB, TB (bare number: GiB).",
        }
    ),
]


def _spot(value: Any) -> Any:
    if value is True or value is False or value == "only":
        return value
    raise ValueError(f"must be true, false or only, got {value!r}")


def _gpu_names(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GpuSpec(_Strict):
    count: int = Field(1, ge=1, le=64, description="GPUs per replica.")
    model: Annotated[list[str], BeforeValidator(_gpu_names)] | None = Field(
        None, description="Any of these GPU models (canonical names or aliases such as a100)."
    )
    memory: Size | None = Field(None, description="Memory per GPU, at least.")

    @field_validator("model")
    @classmethod
    def _canonical(cls, names: list[str] | None) -> list[str] | None:
        if names is None:
            return None
        if not names:
            raise ValueError("empty GPU model list; omit `model` to accept any GPU")
        from mlx_deploy.catalogue.gpus import resolve_gpu_names

        resolved: set[str] = set()
        for name in names:
            try:
                resolved |= resolve_gpu_names(name)
            except ProfileError as exc:
                raise ValueError(exc.one_line()) from None
        return sorted(resolved)


class Resources(_Strict):
    cpu: float = Field(..., gt=0, le=100_000, allow_inf_nan=False, description="vCPUs per replica, at least.")
    memory: Size = Field(..., description="Memory per replica, at least.")
    gpu: GpuSpec | None = Field(None, description="Omitted: CPU only.")
    disk: Size = Field(50.0, description="Node disk per replica, at least.")
    arch: Literal["x86_64", "arm64", "any"] = Field("x86_64", description="CPU architecture of the image.")


class Placement(_Strict):
    providers: list[str] | None = Field(None, description="Only these clouds.")
    regions: list[str] | None = Field(None, description="Only regions matching these globs, e.g. eu-*.")
    spot: Annotated[bool | Literal["only"], BeforeValidator(_spot)] = Field(
        False, description='true: spot allowed; "only": spot only.'
    )

    @field_validator("providers")
    @classmethod
    def _known_providers(cls, names: list[str] | None) -> list[str] | None:
        if names is None:
            return None
        from mlx_deploy.providers.base import provider_names

        known = provider_names()
        if not names:
            raise ValueError(f"empty provider list; omit `providers` or list some of {', '.join(known)}")
        for name in names:
            if name not in known:
                raise ValueError(f"unknown provider {name!r}{_did_you_mean(name, known)}; known: {', '.join(known)}")
        return list(dict.fromkeys(names))

    @field_validator("regions")
    @classmethod
    def _globs(cls, globs: list[str] | None) -> list[str] | None:
        if globs is not None and (not globs or any(not glob.strip() for glob in globs)):
            raise ValueError("empty region list or empty region glob; omit `regions` to allow every region")
        return globs


class Budget(_Strict):
    max_hourly_usd: float | None = Field(None, gt=0, allow_inf_nan=False, description="All-in $/h, at most.")
    max_monthly_usd: float | None = Field(None, gt=0, allow_inf_nan=False, description="All-in $/month (730 h), at most.")


class Profile(_Strict):
    """A model to deploy and what it needs, per replica."""

    name: str = Field(..., pattern=r"^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$", description="DNS-safe, at most 40 characters.")
    image: str | None = Field(None, min_length=1, description="Container image; needed to deploy, not to quote.")
    port: int = Field(8080, ge=1, le=65535)
    replicas: int = Field(1, ge=1, le=1000)
    resources: Resources
    placement: Placement = Placement()
    budget: Budget = Budget()
    env: dict[str, str] = Field(default_factory=dict, description="Environment variables for the model.")
    command: list[str] | None = Field(None, description="Command overriding the image's entry point.")
    health_path: str = Field("/health", pattern=r"^/", description="HTTP path that answers 200 when ready.")
    runtime: Literal["auto", "docker", "process"] = Field(
        "auto", description="Local target: docker, process (runs `command` on this machine) or auto (Docker if it answers)."
    )

    @property
    def gpu_count(self) -> int:
        return self.resources.gpu.count if self.resources.gpu else 0

    @property
    def allows_spot(self) -> bool:
        return self.placement.spot is not False

    @property
    def allows_on_demand(self) -> bool:
        return self.placement.spot != "only"


def json_schema() -> dict:
    schema = Profile.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": "mlx model.yaml"}


def schema_text() -> str:
    """The committed `schema/model.schema.json`; regenerate it with `write_schema()` after changing the models."""
    import json

    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def write_schema(path: str | Path = SCHEMA_FILE) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(schema_text(), encoding="utf-8")


def load_profile(path: str | Path) -> Profile:
    """Read and validate a model.yaml; ProfileError (file, line, key) for anything wrong."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such file", "Check the path, or start from examples/cpu.yaml.") from None
    except IsADirectoryError:
        raise ProfileError(f"{path}: is a directory, not a model.yaml", "Pass the YAML file itself.") from None
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read ({exc.strerror or exc})", "Check the file's permissions.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{path}: not UTF-8 text (byte {exc.start})", "Save the file as UTF-8.") from None
    return load_profile_text(text, str(path))


def load_profile_text(text: str, filename: str = "model.yaml") -> Profile:
    from mlx_deploy.orchestrator.profile_yaml import parse_yaml

    data, lines = parse_yaml(text, filename)
    if data is None:
        raise ProfileError(f"{filename}: the file is empty", f"Write a profile with name and resources. {FIX}")
    if not isinstance(data, dict):
        raise ProfileError(
            f"{filename}:1: expected a mapping of keys (name, resources, ...), got {_kind(data)}", FIX
        )
    return profile_from_data(data, filename, lines)


def profile_from_data(data: dict, filename: str = "<options>", lines: dict | None = None) -> Profile:
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise _profile_error(exc, data, filename, lines or {}) from None
    except RecursionError:
        raise ProfileError(f"{filename}: nested too deeply", FIX) from None


def _profile_error(exc: ValidationError, data: dict, filename: str, lines: dict) -> ProfileError:
    errors = exc.errors(include_url=False)
    # A misspelt key also shows up as a missing one: name the misspelling first.
    error = min(errors, key=lambda e: (e["type"] != "extra_forbidden", e["type"] == "missing"))
    path = _data_path(error["loc"], data)
    key = ".".join(str(part) for part in path) or "(top level)"
    where = f"{filename}:{_line_for(path, lines)}" if lines else filename
    kind = error["type"]
    if kind == "extra_forbidden":
        parent_model = _model_at(path[:-1])
        choices = list(parent_model.model_fields) if parent_model else []
        message = f"unknown key {str(path[-1])!r}{_did_you_mean(str(path[-1]), choices)}"
        key = ".".join(str(part) for part in path[:-1]) or "(top level)"
        return ProfileError(f"{where}: {key}: {message}", f"Known keys here: {', '.join(choices)}.")
    if kind == "missing":
        return ProfileError(f"{where}: {key}: missing required key", FIX)
    message = error["msg"].removeprefix("Value error, ")
    if "input" in error and kind not in ("value_error",) and _short(error["input"]):
        message += f" (got {_short(error['input'])})"
    return ProfileError(f"{where}: {key}: {message}", FIX)


def _data_path(loc: tuple, data: Any) -> tuple:
    """The error's location cut to keys that exist in the data (drops union/type tags)."""
    path: list = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(node, dict) and not path[-1:] == [part]:
            path.append(part)  # a missing or unknown key: name it, then stop
            break
        else:
            break
        path.append(part)
    return tuple(path)


def _line_for(path: tuple, lines: dict) -> int:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1


def _model_at(path: tuple) -> type[BaseModel] | None:
    model: type[BaseModel] = Profile
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        nested = _nested_model(field.annotation)
        if nested is None:
            return None
        model = nested
    return model


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _short(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return ""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
