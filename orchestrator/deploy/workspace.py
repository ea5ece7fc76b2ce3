"""One Terraform workspace per deployment, under the data dir.

Layout of `<deployments_dir>/<name>-<id>/` (directories 0700, files 0600):
  root/      the provider's module, copied from the package, + terraform.tfvars.json
  modules/   the shared modules the provider's module uses (../modules/...)
  logs/      every Terraform command's full output
  run/       what a target keeps outside Terraform (the local target's pid)
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from mlx_deploy.orchestrator import paths
from mlx_deploy.orchestrator.errors import ConfigError

BACKEND_ENV = "MLX_TERRAFORM_BACKEND"
# Which backend setting names the state object, per backend type.
STATE_KEY_SETTING = {"s3": "key", "azurerm": "key", "gcs": "prefix"}


@dataclass(frozen=True)
class Workspace:
    path: Path

    @property
    def root(self) -> Path:
        return self.path / "root"

    @property
    def logs(self) -> Path:
        return self.path / "logs"

    @property
    def run_dir(self) -> Path:
        return self.path / "run"

    @property
    def tfvars_file(self) -> Path:
        return self.root / "terraform.tfvars.json"

    def exists(self) -> bool:
        return self.root.is_dir()

    def tfvars(self) -> dict:
        return json.loads(self.tfvars_file.read_text()) if self.tfvars_file.exists() else {}


def workspace_for(name: str, deployment_id: int) -> Workspace:
    return Workspace(paths.deployments_dir() / f"{name}-{deployment_id}")


def terraform_dir() -> Path:
    """The Terraform modules shipped inside the package."""
    import mlx_deploy.terraform as modules  # a folder without __init__: package data

    return Path(next(iter(modules.__path__)))


def render(workspace: Workspace, module: str, tfvars: dict) -> None:
    """Copy `module` and the shared modules into the workspace and write its inputs."""
    source = terraform_dir()
    if not (source / module / "main.tf").is_file():
        raise ConfigError(f"no Terraform module {module!r} in {source}", "Reinstall mlx-deploy.")
    _private_dir(workspace.path)
    for sub in ("logs", "run"):
        _private_dir(workspace.path / sub)
    _copy_tree(source / module, workspace.root)
    _copy_tree(source / "modules", workspace.path / "modules")
    write_private(workspace.tfvars_file, json.dumps(tfvars, indent=2, sort_keys=True) + "\n")
    _write_backend(workspace)


def _copy_tree(source: Path, target: Path) -> None:
    # Keep .terraform/ and state from an earlier attempt: only module files change.
    for item in source.rglob("*"):
        if "__pycache__" in item.parts or item.name == "README.md":
            continue
        destination = target / item.relative_to(source)
        if item.is_dir():
            _private_dir(destination)
        else:
            _private_dir(destination.parent)
            shutil.copy2(item, destination)


def _write_backend(workspace: Workspace) -> None:
    """A remote backend when MLX_TERRAFORM_BACKEND names a JSON file {"type": ..., "config": {...}}."""
    setting = os.environ.get(BACKEND_ENV)
    if not setting:
        return
    try:
        spec = json.loads(Path(setting).read_text())
        kind, config = spec["type"], dict(spec.get("config", {}))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{BACKEND_ENV}={setting}: not a readable backend file ({exc})",
            'Write {"type": "s3", "config": {"bucket": "...", "region": "..."}} there, or unset it.',
        ) from None
    key = STATE_KEY_SETTING.get(kind)
    if key is None:
        raise ConfigError(f"{BACKEND_ENV}: backend type {kind!r} is not supported", "Use s3, gcs or azurerm.")
    config.setdefault(key, f"mlx/{workspace.path.name}" + (".tfstate" if key == "key" else ""))
    write_private(workspace.root / "backend.tf.json", json.dumps({"terraform": {"backend": {kind: {}}}}, indent=2))
    write_private(workspace.root / "backend.json", json.dumps(config, indent=2))


def write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
