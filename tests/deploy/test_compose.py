"""compose.yaml and its nginx, checked without a container daemon.

What a daemon would find only at `docker compose up`, and some of what it would
not: the services and their health checks, start order on health, named
volumes, pinned images, every variable documented in .env.example, secrets
only from variables, the Rasa servers given every ${VAR} that
endpoints.scale.yml and credentials.yml need, and nginx consistent with the
services it fronts (upstreams, ports, sticky socket.io, mounts, what is kept
off the public address). Prometheus scrapes every Rasa server; the Grafana
dashboard plots only metrics the servers have.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, List, Set

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
NGINX = ROOT / "deploy" / "compose" / "nginx.conf.template"
PROMETHEUS = ROOT / "deploy" / "compose" / "prometheus.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "assistant-dashboard.json"
ENV_EXAMPLE = ROOT / ".env.example"

CORE = {"rasa-1", "rasa-2", "actions", "postgres", "redis", "nginx"}
MONITORING = {"prometheus", "grafana"}
# ${VAR}, ${VAR:-default}, ${VAR:?message}; not $${VAR} (for the container's shell)
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|AUTH)")
RASA_PORT = 5005


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> Dict[str, dict]:
    return compose["services"]


def rasa_services(services: Dict[str, dict]) -> List[str]:
    return sorted(name for name in services if name.startswith("rasa-"))


def without_comments(text: str) -> str:
    return re.sub(r"(^|\s)#[^\n]*", r"\1", text)


def documented_variables() -> Set[str]:
    """Names .env.example sets or shows commented out (``NAME=`` or ``# NAME=``)."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.MULTILINE))


def test_the_stack_has_its_services(services):
    assert CORE <= set(services), sorted(services)
    assert rasa_services(services) == ["rasa-1", "rasa-2"]
    for name in MONITORING:
        assert services[name].get("profiles") == ["monitoring"], f"{name} runs only when asked for"
    for name in CORE:
        assert "profiles" not in services[name], name


def test_every_service_has_a_health_check(services):
    for name, service in services.items():
        check = service.get("healthcheck") or {}
        assert check.get("test"), f"{name} has no health check"
        assert check.get("interval") and check.get("timeout") and check.get("retries"), name


def test_rasa_servers_report_readiness_and_start_after_their_stores(services):
    for name in rasa_services(services):
        service = services[name]
        assert any("/health/ready" in part for part in service["healthcheck"]["test"]), name
        assert service["depends_on"] == {part: {"condition": "service_healthy"}
                                         for part in ("postgres", "redis", "actions")}, name
        assert service["command"][:1] == ["run"] and "endpoints.scale.yml" in service["command"]
        assert service["command"][service["command"].index("--port") + 1] == str(RASA_PORT)
    nginx_waits_for = services["nginx"]["depends_on"]
    assert set(nginx_waits_for) == set(rasa_services(services))
    assert all(value == {"condition": "service_healthy"} for value in nginx_waits_for.values())


def test_named_volumes_are_declared_and_hold_the_database(compose, services):
    declared = set(compose.get("volumes") or {})
    used = set()
    for name, service in services.items():
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/")):
                used.add(source)
                assert source in declared, f"{name} uses volume {source!r}, not declared"
            else:
                assert (ROOT / source).exists() or source == "./node_modules/rasa-webchat/lib/index.js", (
                    f"{name} mounts {source}, which is not in the repository")
    assert used == declared, f"declared but unused: {declared - used}"
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]


def test_every_image_is_pinned(services):
    for name, service in services.items():
        image = service.get("image", "")
        if "build" in service:
            assert image.startswith("spasm-twitch-"), f"{name}: our own image, named and tagged"
            assert (ROOT / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
            continue
        repository, _, tag = image.rpartition(":")
        assert repository and tag, f"{name}: {image!r} has no tag"
        assert tag != "latest" and re.match(r"v?\d+\.\d+", tag), f"{name}: {image!r} is not a pinned version"
    assert "latest" not in COMPOSE.read_text()


def test_every_variable_is_documented_in_env_example():
    used = set(VARIABLE.findall(without_comments(COMPOSE.read_text())))
    used |= set(VARIABLE.findall(without_comments(NGINX.read_text())))
    missing = sorted(used - documented_variables())
    assert not missing, f"used in compose.yaml or its nginx template but not in .env.example: {missing}"


def test_secrets_come_only_from_variables_and_are_required(services):
    required = set(re.findall(r"\$\{([A-Z_]+):\?", COMPOSE.read_text()))
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key):
                assert re.fullmatch(r"\$\{[A-Z_]+(:[-?][^}]*)?\}", str(value)), f"{name}.{key} = {value!r}"
    for secret in ("ACTION_SERVER_TOKEN", "DB_PASSWORD", "REDIS_PASSWORD", "SOCKET_SESSION_SECRET"):
        assert secret in required, f"{secret} must be required (${{{secret}:?...}}), not defaulted"


def test_rasa_servers_get_every_variable_their_files_need(services):
    needed = set()
    for file in ("endpoints.scale.yml", "credentials.yml"):
        needed |= set(VARIABLE.findall(without_comments((ROOT / file).read_text())))
    for name in rasa_services(services):
        given = set(services[name]["environment"])
        assert needed <= given, f"{name} lacks {sorted(needed - given)}: Rasa refuses an unset ${{VAR}}"
        assert services[name]["environment"]["ACTION_SERVER_URL"] == "http://actions:5055/webhook"
        assert services[name]["environment"]["DB_HOST"] == "postgres"
        assert services[name]["environment"]["REDIS_HOST"] == "redis"


# --- nginx -------------------------------------------------------------------


def nginx_blocks(text: str) -> Dict[str, str]:
    """``"upstream rasa"`` / ``"location /socket.io/"`` -> the block's body (no nesting)."""
    text = re.sub(r"#[^\n]*", "", text)
    text = re.sub(r"\$\{(\w+)\}", r"@\1@", text)  # template variables: @PUBLIC_URL@
    text = re.sub(r"'[^']*'", lambda quoted: quoted.group(0).replace("{", "(").replace("}", ")"), text)
    return {re.sub(r"\s+", " ", head.strip()): body
            for head, body in re.findall(r"((?:upstream|location)[^{;]*)\{([^{}]*)\}", text)}


@pytest.fixture(scope="module")
def nginx() -> Dict[str, str]:
    return nginx_blocks(NGINX.read_text())


def upstream_servers(body: str) -> Set[str]:
    return set(re.findall(r"^\s*server\s+([^\s;]+)", body, re.MULTILINE))


def test_nginx_balances_over_every_rasa_server(nginx, services):
    expected = {f"{name}:{RASA_PORT}" for name in rasa_services(services)}
    upstreams = {head.split()[1]: body for head, body in nginx.items() if head.startswith("upstream")}
    assert set(upstreams) == {"rasa", "rasa_socketio"}
    for name, body in upstreams.items():
        assert upstream_servers(body) == expected, f"upstream {name}: {upstream_servers(body)} != {expected}"
    assert "ip_hash" in upstreams["rasa_socketio"], "socket.io needs sticky sessions"
    assert "ip_hash" not in upstreams["rasa"], "REST, Slack, Telegram: any server"


def test_nginx_routes(nginx):
    assert "proxy_pass http://rasa_socketio;" in nginx["location /socket.io/"]
    assert "Upgrade" in nginx["location /socket.io/"]
    for channel in ("rest", "slack", "telegram"):
        assert "proxy_pass http://rasa;" in nginx[f"location /webhooks/{channel}/"], channel
    assert "return 404" in nginx["location /webhooks/"]
    assert "return 404" in nginx["location = /metrics"] and "return 404" in nginx["location /health/"]
    assert "@PUBLIC_URL@" in nginx["location = /config.js"]
    assert "Content-Security-Policy" in nginx["location /"]
    assert not any("proxy_pass" in body and "location /" == head for head, body in nginx.items())


def test_nginx_files_are_where_compose_mounts_them(nginx, services):
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in services["nginx"]["volumes"]}
    assert mounts["/etc/nginx/templates/default.conf.template"] == "./deploy/compose/nginx.conf.template"
    root = re.search(r"root\s+([^;]+);", nginx["location /"]).group(1)
    assert mounts[root] == "./web"
    vendor = re.search(r"alias\s+([^;]+);", nginx["location = /vendor/rasa-webchat.js"]).group(1)
    # the same file scripts/serve_web.py serves at /vendor/rasa-webchat.js
    assert mounts[vendor] == "./node_modules/rasa-webchat/lib/index.js"
    assert '"/vendor/rasa-webchat.js": ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js"' in \
        (ROOT / "scripts" / "serve_web.py").read_text()
    assert 'src="/vendor/rasa-webchat.js"' in (ROOT / "web" / "index.html").read_text()
    assert set(VARIABLE.findall(NGINX.read_text())) <= set(services["nginx"]["environment"])
    listen = re.search(r"listen\s+(\d+);", NGINX.read_text()).group(1)
    assert services["nginx"]["ports"] == ["${WEB_PORT:-8080}:" + listen]


def test_nginx_access_log_has_no_query_strings_or_addresses():
    text = NGINX.read_text()
    log_format = re.search(r"log_format assistant escape=json(.*?);", text, re.DOTALL).group(1)
    assert "$uri" in log_format
    for kept_out in ("$request_uri", "$args", "$query_string", "$request_body", "$remote_addr", "$request "):
        assert kept_out not in log_format, kept_out


# --- monitoring ----------------------------------------------------------------


def test_prometheus_scrapes_every_rasa_server(services):
    config = yaml.safe_load(PROMETHEUS.read_text())
    targets = {target for job in config["scrape_configs"] for group in job["static_configs"]
               for target in group["targets"]}
    assert targets == {f"{name}:{RASA_PORT}" for name in rasa_services(services)}
    assert config["scrape_configs"][0]["metrics_path"] == "/metrics"


def test_the_dashboard_plots_only_metrics_the_servers_have():
    from observability.metrics import REGISTRY

    names = set()
    for metric in REGISTRY.collect():
        names |= {sample.name for sample in metric.samples} | {metric.name, metric.name + "_total"}
        for suffix in ("_bucket", "_count", "_sum"):
            names.add(metric.name + suffix)
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert len(expressions) >= 10
    used = {name for expr in expressions for name in re.findall(r"\b(assistant_[a-z_]+)", expr)}
    assert used and used <= names, f"the dashboard plots metrics nobody exports: {sorted(used - names)}"
    exported = {metric.name for metric in REGISTRY.collect()}
    plotted = {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in used}
    assert exported <= plotted, f"metrics without a panel: {sorted(exported - plotted)}"


def test_make_has_the_compose_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("compose-up", "compose-down", "images"):
        assert re.search(rf"^{target}:.*## ", makefile, re.MULTILINE), target
