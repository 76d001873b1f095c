"""deploy/helm/*-values.yaml against RasaHQ's charts, without a cluster or helm.

Every key set exists in the chart it is for (deploy/helm/chart-keys.txt, derived
from the charts' values.yaml and templates by scripts/helm_chart_keys.py; a
``.*`` key is passed on whole by the chart); the readiness probe is
GET /health/ready and the liveness probe GET /; the tracker store and lock store
are those of endpoints.scale.yml; the channels are those of credentials.yml and
every ${VAR} they and the stores need is set; secrets come from Kubernetes
Secrets, never as values; the action server URL names the action-server
release's Service and port.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Set

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HELM = ROOT / "deploy" / "helm"
VALUES = {"rasa": HELM / "rasa-values.yaml", "rasa-action-server": HELM / "action-server-values.yaml"}
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD")
# Set by the chart itself in the Rasa pods (rasa-common psql/redis envs, the action server URL).
SET_BY_CHART = {"DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD", "DB_DATABASE",
                "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "ACTION_SERVER_URL"}


def allowed_keys() -> Dict[str, Set[str]]:
    keys: Dict[str, Set[str]] = {}
    for line in (HELM / "chart-keys.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            chart, key = line.split()
            keys.setdefault(chart, set()).add(key)
    return keys


def paths(value: Any, prefix: str = "") -> Iterable[str]:
    """Leaf key paths: ``image.tag``; a list or an empty map is a leaf."""
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from paths(child, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix


def is_allowed(path: str, allowed: Set[str]) -> bool:
    if path in allowed:
        return True
    parts = path.split(".")
    return any(".".join(parts[:depth]) + ".*" in allowed for depth in range(1, len(parts) + 1))


@pytest.fixture(scope="module")
def values() -> Dict[str, dict]:
    return {chart: yaml.safe_load(path.read_text()) for chart, path in VALUES.items()}


def test_the_key_list_names_the_chart_versions():
    header = (HELM / "chart-keys.txt").read_text().splitlines()[:3]
    assert any("rasa 1.17.8" in line and "rasa-action-server 1.0.9" in line for line in header), header
    for chart, path in VALUES.items():
        assert re.search(rf"`{chart}` chart \(version \d+\.\d+\.\d+", path.read_text()), path.name


@pytest.mark.parametrize("chart", sorted(VALUES))
def test_every_key_exists_in_the_chart(chart, values):
    allowed = allowed_keys()[chart]
    unknown = [path for path in paths(values[chart]) if not is_allowed(path, allowed)]
    assert not unknown, f"{VALUES[chart].name}: keys the {chart} chart does not have: {unknown}"


def test_the_key_check_catches_a_typo():
    allowed = allowed_keys()["rasa"]
    assert is_allowed("readinessProbe.httpGet.path", allowed)
    assert is_allowed("applicationSettings.endpoints.trackerStore.query.sslmode", allowed)
    assert not is_allowed("readinessProbes.httpGet.path", allowed)
    assert not is_allowed("applicationSettings.endpoint.trackerStore.url", allowed)
    assert not is_allowed("postgresql.externalHost", allowed)


def test_probes(values):
    rasa, actions = values["rasa"], values["rasa-action-server"]
    assert rasa["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http", "scheme": "HTTP"}
    assert rasa["livenessProbe"]["httpGet"]["path"] == "/"
    # each readiness check gives up after 2 s (READINESS_TIMEOUT): within the probe's timeout
    assert rasa["readinessProbe"]["timeoutSeconds"] > 2
    assert actions["readinessProbe"]["httpGet"]["path"] == actions["livenessProbe"]["httpGet"]["path"] == "/health"


def test_the_stores_are_those_of_the_scale_out_profile(values):
    scale = yaml.safe_load((ROOT / "endpoints.scale.yml").read_text())
    endpoints = values["rasa"]["applicationSettings"]["endpoints"]
    tracker = {k: v for k, v in endpoints["trackerStore"].items() if k != "enabled"}
    lock = {k: v for k, v in endpoints["lockStore"].items() if k != "enabled"}
    assert endpoints["trackerStore"]["enabled"] and endpoints["lockStore"]["enabled"]
    for key in ("type", "dialect", "url", "port", "username", "password", "db"):
        assert tracker[key] == scale["tracker_store"][key], key
    assert set(tracker["query"]) == set(scale["tracker_store"]["query"])
    assert {k: tracker["query"][k] for k in ("connect_timeout", "tcp_user_timeout")} == \
        {k: scale["tracker_store"]["query"][k] for k in ("connect_timeout", "tcp_user_timeout")}
    for key in ("type", "url", "port", "password"):
        assert lock[key] == scale["lock_store"][key], key
    assert set(lock) == set(scale["lock_store"])
    assert endpoints["additionalEndpoints"]["nlg"] == scale["nlg"]
    assert values["rasa"]["postgresql"]["external"]["enabled"] and not values["rasa"]["postgresql"]["install"]
    assert values["rasa"]["redis"]["external"]["enabled"] and not values["rasa"]["redis"]["install"]


def test_the_channels_are_those_of_credentials_yml(values):
    ours = yaml.safe_load((ROOT / "credentials.yml").read_text())
    theirs = values["rasa"]["applicationSettings"]["credentials"]["additionalChannelCredentials"]
    assert set(theirs) == set(ours)
    for channel, settings in ours.items():
        assert (theirs[channel] or {}) == (settings or {}), channel
    assert "observability.routes.ServerRoutes" in theirs, "GET /health/ready and /metrics come with it"


def env_names(entries: List[dict]) -> Set[str]:
    return {entry["name"] for entry in entries}


def test_every_variable_rasa_reads_is_set(values):
    text = yaml.safe_dump(values["rasa"]["applicationSettings"])
    needed = set(VARIABLE.findall(text))
    given = env_names(values["rasa"]["extraEnv"]) | SET_BY_CHART
    assert needed <= given, f"unset in the pods, so Rasa refuses to start: {sorted(needed - given)}"
    for variable in ("ACTION_SERVER_TOKEN", "SOCKET_SESSION_SECRET", "REST_API_TOKEN", "CORS_ORIGIN"):
        assert variable in given, variable


@pytest.mark.parametrize("chart", sorted(VALUES))
def test_secrets_come_from_kubernetes_secrets(chart, values):
    for entry in values[chart]["extraEnv"]:
        if SECRET_NAME.search(entry["name"]):
            assert "value" not in entry and entry["valueFrom"]["secretKeyRef"]["name"], entry
    text = VALUES[chart].read_text()
    assert not re.search(r"(?i)(password|token|secret)\s*:\s*['\"]?[A-Za-z0-9+/]{12,}", text), \
        "a literal secret in the values"
    if chart == "rasa":
        assert values[chart]["global"]["postgresql"]["existingSecret"]
        assert "postgresqlPassword" not in values[chart]["global"]["postgresql"]
        assert values[chart]["redis"]["existingSecret"]


def test_the_action_server_url_is_the_action_release_service(values):
    url = values["rasa"]["rasa-action-server"]["external"]["url"]
    port = values["rasa-action-server"]["service"]["port"]
    assert url == f"http://assistant-actions-rasa-action-server:{port}/webhook"
    assert values["rasa-action-server"]["applicationSettings"]["port"] == 5055
    assert "ACTION_SERVER_TOKEN" in env_names(values["rasa-action-server"]["extraEnv"])


@pytest.mark.parametrize("chart", sorted(VALUES))
def test_non_root_and_read_only(chart, values):
    pod, container = values[chart]["podSecurityContext"], values[chart]["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] == 1001  # the images' USER
    assert container["readOnlyRootFilesystem"] is True and container["allowPrivilegeEscalation"] is False
