"""docker/*.Dockerfile and .dockerignore, checked without a container daemon.

Multi-stage, base images pinned, a non-root user by number, no secret, a health
check; every file an image copies is in the repository and in the build
context, and so is every project module those files import (the images carry
what they run and nothing else); the packages installed are the project's, at
the versions of requirements.lock. tests/deploy/test_images_run.py runs the
images' files and commands on this machine.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set

import pytest
import yaml

from tests.deploy.dockerfiles import DOCKERFILES, ROOT, Stage, ignored, parse

PROJECT_PACKAGES = {"actions", "addons", "channels", "observability", "stores", "triage"}
# Built by `make spacy` and `make train`, not in git: the Rasa image copies them.
BUILT = ("models/assistant.tar.gz", "models/spacy_pipeline/")
TEST_TOOLS = {"pytest", "pytest-timeout", "requests", "playwright", "py-spy", "ruff"}
SECRET = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_KEY", re.IGNORECASE)


def final(name: str) -> Stage:
    return parse(DOCKERFILES[name])[1][-1]


def copied_files(stage: Stage) -> Set[str]:
    """Repository paths (files) a stage copies from the build context."""
    files: Set[str] = set()
    for sources, _target, from_stage in stage.copies:
        if from_stage:
            continue
        for source in sources:
            path = ROOT / source
            if path.is_dir():
                files |= {str(child.relative_to(ROOT)) for child in path.rglob("*")
                          if child.is_file() and "__pycache__" not in child.parts}
            else:
                files.add(source)
    return files


def requirement_names(path: Path) -> List[str]:
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(re.split(r"[\[=<>~! ]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_multi_stage_pinned_non_root_with_a_health_check(name):
    args, stages = parse(DOCKERFILES[name])
    assert len(stages) >= 2, "multi-stage: packages are installed in a stage of their own"
    for stage in stages:
        image, _, tag = stage.image.partition(":")
        assert tag and tag != "latest" and re.match(r"\d+\.\d+\.\d+", tag), f"{stage.image} is not pinned"
    last = stages[-1]
    assert any(from_stage == stages[0].name for _, _, from_stage in last.copies), "the runtime copies the packages"
    assert last.user and re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", last.user), f"USER {last.user}: non-root, by number"
    assert last.entrypoint and last.healthcheck
    assert not any("pip" in run for run in last.runs), "nothing is installed in the runtime stage"
    for stage in stages:
        for variable in list(stage.env) + list(args):
            assert not SECRET.search(variable), f"{variable}: secrets come from the environment at run time"


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_every_copied_file_is_in_the_build_context(name):
    for sources, _target, from_stage in final(name).copies + parse(DOCKERFILES[name])[1][0].copies:
        if from_stage:
            continue
        for source in sources:
            assert not ignored(source.rstrip("/")), f"{source} is left out by .dockerignore"
            if source.startswith(BUILT):
                continue
            assert (ROOT / source).exists(), f"{DOCKERFILES[name].name} copies {source}, which does not exist"


def test_the_build_context_leaves_out_secrets_and_local_state():
    for path in (".env", ".git/HEAD", ".venv/bin/python", "node_modules/react/index.js", "var/conversations.db",
                 "results/bench.md", "tests/servers.py", ".stamps/web", "addons/__pycache__/x.pyc"):
        assert ignored(path), f"{path} would be sent to the build"


def imported_project_modules(path: Path) -> Set[str]:
    """``triage.rules`` for ``from triage.rules import x`` / ``from triage import rules``."""
    found: Set[str] = set()
    text = path.read_text()
    for module, names in re.findall(r"^\s*from ([\w.]+) import ([\w, ()]+)", text, re.MULTILINE):
        if module.split(".")[0] in PROJECT_PACKAGES:
            found.add(module)
            for name in re.findall(r"\w+", names):
                found.add(f"{module}.{name}")
    for module in re.findall(r"^\s*import ([\w.]+)", text, re.MULTILINE):
        if module.split(".")[0] in PROJECT_PACKAGES:
            found.add(module)
    return found


def module_file(module: str) -> List[str]:
    """Files that make ``module`` importable (the package's __init__ and the module)."""
    parts = module.split(".")
    needed = [f"{'/'.join(parts[:depth])}/__init__.py" for depth in range(1, len(parts))]
    as_file, as_package = "/".join(parts) + ".py", "/".join(parts) + "/__init__.py"
    if (ROOT / as_file).is_file():
        needed.append(as_file)
    elif (ROOT / as_package).is_file():
        needed.append(as_package)
    else:
        return []  # a name imported from a module, not a module
    return needed


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_the_image_has_every_project_module_its_code_imports(name):
    files = copied_files(final(name))
    missing: Dict[str, str] = {}
    for file in sorted(f for f in files if f.endswith(".py")):
        for module in imported_project_modules(ROOT / file):
            for needed in module_file(module):
                if needed not in files:
                    missing[needed] = file
    assert not missing, f"{name} image: imported but not copied (file -> importer): {missing}"


def test_the_rasa_image_has_every_plugin_its_config_names():
    files = copied_files(final("rasa"))
    names = set()
    for config in ("endpoints.yml", "endpoints.scale.yml", "credentials.yml", "config.yml"):
        text = (ROOT / config).read_text()
        names |= set(re.findall(r"\b((?:addons|channels|stores|observability)\.[\w.]+)", text))
    for dotted in names:
        module = dotted.rsplit(".", 1)[0]
        assert f"{module.replace('.', '/')}.py" in files, f"{dotted} is named in a config but not in the image"
    assert {"endpoints.yml", "endpoints.scale.yml", "credentials.yml"} <= files


def test_the_images_install_the_projects_packages_at_the_locked_versions():
    locked = {re.split("==", line)[0].lower().replace("_", "-")
              for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line}
    top_level = set(requirement_names(ROOT / "requirements.in"))
    rasa = set(requirement_names(ROOT / "docker" / "rasa-requirements.txt"))
    actions = set(requirement_names(ROOT / "docker" / "actions-requirements.txt"))
    assert rasa == top_level - TEST_TOOLS, "the Rasa image installs requirements.in without the test tools"
    assert actions <= locked and rasa <= locked
    for name in DOCKERFILES:
        packages_stage = parse(DOCKERFILES[name])[1][0]
        install = " ".join(packages_stage.runs)
        assert "-c /tmp/requirements.lock" in install, "versions come from requirements.lock"
        assert f"-r /tmp/{name}-requirements.txt" in install


def test_the_entrypoints_are_the_ones_the_deployments_expect():
    rasa, actions = final("rasa"), final("actions")
    # The Helm chart passes only rasa's arguments ("run", "--port", ...): the entry point is rasa.
    assert rasa.entrypoint == ["python", "-m", "observability.run_rasa"] and rasa.cmd[0] == "run"
    assert rasa.workdir == "/app", "the chart mounts /app/endpoints.yml and /app/credentials.yml"
    assert actions.entrypoint == ["python", "scripts/action_server.py"]
    assert actions.cmd == ["--host", "0.0.0.0", "--port", "5055"]
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert compose["services"]["rasa-1"]["command"][0] == "run"
    assert rasa.env["LOG_FORMAT"] == actions.env["LOG_FORMAT"] == "json"
    assert rasa.env["RASA_TELEMETRY_ENABLED"] == "false"
