"""YAML for profiles: the data plus the line of every key, so errors can point at it."""

from __future__ import annotations

from typing import Any

import yaml

from mlx_deploy.orchestrator.errors import ProfileError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FIX_YAML = "Fix the YAML syntax there (indentation, colons, quotes)."


def parse_yaml(text: str, filename: str) -> tuple[Any, dict[tuple, int]]:
    """(data, {key path: 1-based line}) for one YAML document; ProfileError for bad YAML."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise ProfileError(f"{filename}{line}: YAML syntax error: {problem}", FIX_YAML) from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"{filename}: YAML error: {_first_line(exc)}", FIX_YAML) from None
    except RecursionError:
        raise ProfileError(f"{filename}: YAML nested too deeply", FIX_YAML) from None
    except (ValueError, TypeError, OverflowError) as exc:
        # The constructor rejects some scalars (bad timestamps, huge dates) with plain errors.
        raise ProfileError(f"{filename}: YAML value error: {_first_line(exc)}", FIX_YAML) from None
    lines: dict[tuple, int] = {}
    if node is not None:
        _index(node, (), lines, depth=0)
    return data, lines


def _index(node: yaml.Node, path: tuple, lines: dict[tuple, int], depth: int) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if depth > 50:
        return
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = _scalar_key(key_node)
                lines[path + (key,)] = key_node.start_mark.line + 1
                _index(value_node, path + (key,), lines, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _index(item, path + (position,), lines, depth + 1)


def _scalar_key(node: yaml.ScalarNode) -> Any:
    """The key as the constructor builds it (`1` is an int, `name` a str)."""
    try:
        return _Loader("").construct_object(node) if node.tag != "tag:yaml.org,2002:str" else node.value
    except Exception:  # noqa: BLE001 - only for line lookup; the data itself was already built
        return node.value


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
