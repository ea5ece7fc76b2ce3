"""Find a model project's framework, its version and the Python it needs.

Sources, in order of trust: requirements.txt pins, pyproject.toml
dependencies, then the project's own imports (a framework imported but not
declared is pinned to the version installed here, or reported).
"""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from mlx_deploy.orchestrator.errors import MlxError

# distribution -> framework; earlier entries win when a project has several
# (transformers runs on torch, so it decides before torch does).
FRAMEWORK_DISTRIBUTIONS = (
    ("transformers", "transformers"),
    ("torch", "pytorch"),
    ("tensorflow", "tensorflow"),
    ("tensorflow-cpu", "tensorflow"),
    ("onnxruntime-gpu", "onnx"),
    ("onnxruntime", "onnx"),
    ("scikit-learn", "sklearn"),
)
IMPORT_DISTRIBUTIONS = {
    "transformers": "transformers", "torch": "torch", "tensorflow": "tensorflow",
    "onnxruntime": "onnxruntime", "sklearn": "scikit-learn",
}
DEFAULT_PYTHON = "3.11"
SKIP_DIRS = {".git", ".venv", "venv", "__pycache__", ".mlx", "node_modules", ".tox"}
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")


class BuildError(MlxError):
    """A model project that cannot be turned into an image as it stands."""


@dataclass(frozen=True)
class Requirement:
    name: str  # normalised distribution name
    line: str  # as the user wrote it
    version: str | None  # exact pin, or the lower bound
    pinned: bool


@dataclass
class Detection:
    framework: str  # pytorch, tensorflow, onnx, transformers, sklearn or "python"
    python: str
    requirements: list[Requirement]
    added: list[Requirement] = field(default_factory=list)  # imported but undeclared
    notes: list[str] = field(default_factory=list)

    def version_of(self, distribution: str) -> str | None:
        for req in self.requirements + self.added:
            if req.name == distribution:
                return req.version
        return None


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirement(line: str) -> Requirement | None:
    text = line.split(" #", 1)[0].split(";", 1)[0].strip()
    if not text or text.startswith(("#", "-")):
        return None
    match = REQUIREMENT.match(text)
    if not match:
        return None
    spec = match.group(3).replace(" ", "")
    exact = re.search(r"===?([0-9][^,]*)", spec)
    lower = re.search(r"(?:>=|~=)([0-9][^,]*)", spec)
    version = exact.group(1) if exact else lower.group(1) if lower else None
    return Requirement(normalise(match.group(1)), text, version, bool(exact))


def read_requirements(project: Path) -> tuple[list[Requirement], list[str]]:
    reqs: list[Requirement] = []
    sources = []
    req_file = project / "requirements.txt"
    if req_file.is_file():
        sources.append("requirements.txt")
        reqs += [r for r in map(parse_requirement, req_file.read_text(encoding="utf-8").splitlines()) if r]
    pyproject = project / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise BuildError(f"{pyproject} is not valid TOML ({exc})", "Fix the file.") from exc
        known = {r.name for r in reqs}
        for line in data.get("project", {}).get("dependencies", []):
            req = parse_requirement(line)
            if req and req.name not in known:
                reqs.append(req)
        sources.append("pyproject.toml")
    return reqs, sources


def imported_modules(project: Path) -> set[str]:
    names: set[str] = set()
    for path in project.rglob("*.py"):
        if SKIP_DIRS & set(path.relative_to(project).parts):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError) as exc:
            raise BuildError(f"cannot parse {path}: {exc}", "Fix the syntax error first.") from exc
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def python_version(project: Path) -> str:
    pinned = project / ".python-version"
    if pinned.is_file():
        match = re.match(r"(3\.\d+)", pinned.read_text(encoding="utf-8").strip())
        if match:
            return match.group(1)
    pyproject = project / "pyproject.toml"
    if pyproject.is_file():
        spec = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("requires-python", "")
        match = re.search(r">=\s*(3\.\d+)", spec)
        if match and tuple(map(int, match.group(1).split("."))) > (3, 11):
            return match.group(1)
    return DEFAULT_PYTHON


def _undeclared(imports: set[str], declared: set[str]) -> list[Requirement]:
    added = []
    for module, distribution in IMPORT_DISTRIBUTIONS.items():
        if module not in imports or distribution in declared:
            continue
        try:
            version = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            raise BuildError(
                f"the project imports {module} but does not declare {distribution}",
                f"Add {distribution}==<version> to requirements.txt.",
            ) from None
        added.append(Requirement(distribution, f"{distribution}=={version}", version, True))
    return added


def detect(project: Path) -> Detection:
    if not (project / "model.py").is_file():
        raise BuildError(f"no model.py in {project}", "Point mlx build at a model project (see `mlx init`).")
    requirements, _sources = read_requirements(project)
    declared = {r.name for r in requirements}
    added = _undeclared(imported_modules(project), declared)
    everything = declared | {r.name for r in added}
    framework = next((fw for dist, fw in FRAMEWORK_DISTRIBUTIONS if dist in everything), "python")
    detection = Detection(framework, python_version(project), requirements, added)
    for req in requirements:
        if req.name in dict(FRAMEWORK_DISTRIBUTIONS) and not req.pinned:
            detection.notes.append(f"{req.name} is not pinned (`{req.line}`); pin it with == for reproducible images")
    for req in added:
        detection.notes.append(f"{req.name} is imported but not declared: pinned to {req.version}, the version installed here")
    return detection
