"""The images' files and commands run, without a container daemon.

What each Dockerfile puts into /app (its COPY lines, read by
tests/deploy/dockerfiles.py) is laid out in a folder of its own, and each server
is started there with the image's entry point, command and environment (only
the address and the stores changed for this machine: loopback, free ports, a
SQLite file). The action server runs in a fresh virtual environment holding
only what docker/actions.Dockerfile installs (docker/actions-requirements.txt
at the versions of requirements.lock); the Rasa server uses the project's
environment (its image installs requirements.in without the test tools).
A whole check-in then runs through both, with ACTION_SERVER_TOKEN required as
in the containers, and both write only JSON lines.

So a file the images forget, a package the action image lacks or an entry
point that does not start fails here, before anyone builds an image.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest
import requests

from tests.deploy.dockerfiles import DOCKERFILES, ROOT, parse
from tests.persistence.check_in import CALF_CHECK_IN, assert_calf_assessment, run_steps
from tests.servers import CHANNEL_VARIABLES, MODEL, OneServer, free_port

pytestmark = pytest.mark.slow

TOKEN = "image-test-token-0123456789abcdef"


def lay_out(name: str, folder: Path) -> Dict[str, str]:
    """Copy what the image's last stage copies into ``folder`` (its WORKDIR); return its ENV."""
    stage = parse(DOCKERFILES[name])[1][-1]
    for sources, target, from_stage in stage.copies:
        if from_stage:
            continue
        for source in sources:
            origin = ROOT / source
            destination = folder / target
            if target.endswith("/") and not source.endswith("/"):
                destination = destination / origin.name
            if origin.is_dir():
                shutil.copytree(origin, destination, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, destination)
    return dict(stage.env)


def python310() -> str:
    return subprocess.run([str(ROOT / "scripts" / "find_python310.sh")], capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture(scope="module")
def action_venv(tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("actions-venv") / "venv"
    subprocess.run([python310(), "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    result = subprocess.run(pip + ["-c", str(ROOT / "requirements.lock"),
                                   "-r", str(ROOT / "docker" / "actions-requirements.txt")],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.skip(f"could not install the action image's packages (package index unreachable?): "
                    f"{result.stderr.strip()[-400:]}")
    return venv


@pytest.fixture(scope="module")
def images(tmp_path_factory, action_venv):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first (make test does).")
    work = tmp_path_factory.mktemp("images")
    rasa_app, actions_app = work / "rasa-app", work / "actions-app"
    rasa_env, actions_env = lay_out("rasa", rasa_app), lay_out("actions", actions_app)
    rasa_stage, actions_stage = parse(DOCKERFILES["rasa"])[1][-1], parse(DOCKERFILES["actions"])[1][-1]
    rasa_port, action_port = free_port(), free_port()

    base = {key: value for key, value in os.environ.items() if key in ("PATH", "LANG", "TMPDIR")}
    env_actions = {**base, **actions_env, "PATH": f"{action_venv / 'bin'}:{base['PATH']}",
                   "ACTION_SERVER_TOKEN": TOKEN}
    command = [str(action_venv / "bin" / "python"), *actions_stage.entrypoint[1:],
               "--host", "127.0.0.1", "--port", str(action_port)]
    actions = OneServer("actions", command, env_actions, work / "actions.log", cwd=actions_app)

    (work / "var").mkdir(mode=0o700)
    env_rasa = {**base, **rasa_env, "PATH": f"{ROOT / '.venv' / 'bin'}:{base['PATH']}",
                "HOME": str(work), "TRACKER_SQLITE_PATH": str(work / "var" / "conversations.db"),
                "ACTION_SERVER_URL": f"http://localhost:{action_port}/webhook", "ACTION_SERVER_TOKEN": TOKEN,
                **{name: "" for name in CHANNEL_VARIABLES}}
    arguments = list(rasa_stage.cmd)
    arguments[arguments.index("endpoints.scale.yml")] = "endpoints.yml"  # no PostgreSQL here
    arguments[arguments.index("--port") + 1] = str(rasa_port)
    command = [str(ROOT / ".venv" / "bin" / "python"), *rasa_stage.entrypoint[1:], *arguments,
               "--interface", "127.0.0.1"]
    rasa = OneServer("rasa", command, env_rasa, work / "rasa.log", cwd=rasa_app)
    actions.start()
    rasa.start()
    try:
        actions.wait_until_answering(f"http://localhost:{action_port}/health", 120)
        rasa.wait_until_answering(f"http://localhost:{rasa_port}/", 300)
        yield {"rasa": rasa, "actions": actions, "rasa_port": rasa_port, "action_port": action_port,
               "venv": action_venv}
    finally:
        rasa.stop()
        actions.stop()


def test_a_whole_check_in_runs_on_the_images_files(images):
    url = f"http://localhost:{images['rasa_port']}/webhooks/rest/webhook"

    def send(_step: int, text: str) -> List[dict]:
        reply = requests.post(url, json={"sender": "image-test", "message": text}, timeout=60)
        reply.raise_for_status()
        return reply.json()

    assert_calf_assessment(run_steps(send, CALF_CHECK_IN))
    ready = requests.get(f"http://localhost:{images['rasa_port']}/health/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    # the action server demands the token the Rasa server sent
    refused = requests.post(f"http://localhost:{images['action_port']}/webhook", json={}, timeout=10)
    assert refused.status_code == 401


def test_the_images_write_json_lines(images):
    for name in ("rasa", "actions"):
        lines = images[name].log.read_text(errors="replace").splitlines()
        assert len(lines) > 5, name
        for line in lines:
            assert isinstance(json.loads(line), dict), f"{name}: {line[:200]!r}"


def test_the_action_image_has_no_machine_learning_stack(images):
    site = next((images["venv"] / "lib").glob("python3*/site-packages"))
    installed = {entry.name.split("-")[0].lower() for entry in site.glob("*.dist-info")}
    assert "rasa_sdk" in installed and "pyyaml" in installed
    assert not installed & {"tensorflow", "spacy", "rasa", "torch"}, sorted(installed)
