"""Deployment files: the Docker image, the production config, nginx replicas and Kubernetes."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_dockerfile_runs_cpu_torch_as_non_root_with_a_health_check():
    text = (ROOT / "Dockerfile").read_text()
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK .*\n?.*http://localhost:8501/_stcore/health", text, flags=re.MULTILINE)
    assert re.search(r"^EXPOSE 8501$", text, flags=re.MULTILINE)
    assert "--index-url https://download.pytorch.org/whl/cpu torch==2.13.0" in text
    assert "streamlit" in text and "--server.port=8501" in text and "--server.address=0.0.0.0" in text


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in [".venv", ".git", "tests/e2e/artifacts", "benchmarks/results"]:
        assert entry in ignored
    assert any("__pycache__" in entry for entry in ignored)


def test_streamlit_config_is_the_production_config():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    server = config["server"]
    assert server["enableXsrfProtection"] is True
    assert server.get("enableCORS", True) is True
    assert server["maxUploadSize"] == 25
    assert server["fileWatcherType"] == "none"
    assert server["headless"] is True
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["runner"] == {"magicEnabled": False, "postScriptGC": False}


def test_nginx_proxies_websockets_to_sticky_replicas():
    text = (ROOT / "deploy" / "nginx" / "convolution-explorer.conf").read_text()
    assert re.search(r"^\s*(ip_hash;|hash \$\S+ consistent;)", text, flags=re.MULTILINE)
    assert "server 127.0.0.1:8511" in text and "server 127.0.0.1:8512" in text
    assert "location /_stcore/stream" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "proxy_set_header Connection $connection_upgrade;" in text
    assert "proxy_http_version 1.1;" in text
    assert re.search(r"proxy_read_timeout (\d+h|\d{4,}s?);", text)
    upload_mb = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    assert f"client_max_body_size {upload_mb}m;" in text


def test_replica_script_runs_nginx_under_a_private_prefix():
    text = (ROOT / "deploy" / "run-replicas.sh").read_text()
    assert text.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in text
    assert "mktemp -d" in text and '-p "$WORK"' in text and "trap stop EXIT" in text
    assert "apt-get install -y nginx-light" in text


def test_kubernetes_manifest_has_affinity_and_health_probes():
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (not a dependency of the app)")
    docs = list(
        yaml.safe_load_all((ROOT / "deploy" / "kubernetes" / "convolution-explorer.yaml").read_text())
    )
    kinds = {doc["kind"]: doc for doc in docs}
    deployment = kinds["Deployment"]
    assert deployment["spec"]["replicas"] == 2
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    for probe in ["readinessProbe", "livenessProbe"]:
        assert container[probe]["httpGet"]["path"] == "/_stcore/health"
    assert {"requests", "limits"} <= container["resources"].keys()
    env = {item["name"] for item in container["env"]}
    assert {"EXPLORER_THREADS", "EXPLORER_MAX_TRAINERS"} <= env
    assert kinds["Service"]["spec"]["sessionAffinity"] == "ClientIP"
    annotations = kinds["Ingress"]["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600


def test_kubernetes_manifest_names_the_affinity_without_yaml():
    text = (ROOT / "deploy" / "kubernetes" / "convolution-explorer.yaml").read_text()
    assert "sessionAffinity: ClientIP" in text
    assert text.count("path: /_stcore/health") >= 2
