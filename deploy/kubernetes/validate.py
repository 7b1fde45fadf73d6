#!/usr/bin/env python3
"""Offline validation of the Kubernetes manifests in deploy/kubernetes/.

Three layers, none of which needs a cluster or the network:

1. Schema: built-in kinds are validated in strict mode (unknown fields are
   errors) against the Kubernetes OpenAPI-derived JSON schemas bundled in the
   PyPI package `kubernetes-validate`, for every version in K8S_VERSIONS.
   ServiceMonitor (a CRD) and Kustomization are validated against the subset
   schemas shipped in schemas/. A kind with no schema is an error, never a skip.
2. Field rules the API server enforces that a schema cannot express: object
   names, label keys and values, port names, selector vs. template labels.
3. Consistency across files: Service -> pods and ports, ServiceMonitor ->
   Service, port and job label, volumes -> ConfigMap/Secret, config.toml ->
   mounted Secret keys, kustomization -> files and images, shard flag ->
   replicas.

Usage: validate.py [FILE ...]   (default: every manifest under this directory)
Prints one line per check and exits non-zero if any failed.
"""

from __future__ import annotations

import json
import pathlib
import re
import sys

import jsonschema
import yaml
import kubernetes_validate.utils as kv
from kubernetes_validate.version import __version__ as kv_version

# Oldest version the kit supports (the pod-index label used by the sharded
# example is on by default from 1.28) and the newest schema bundled.
K8S_VERSIONS = ["1.28.0", kv.latest_version()]

HERE = pathlib.Path(__file__).resolve().parent
SCHEMAS = HERE / "schemas"
LOCAL_SCHEMAS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor-monitoring-v1.json",
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"): "kustomization-kustomize-v1beta1.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule-monitoring-v1.json",
}
# The job name the alert rules match (deploy/prometheus/alerts.yml).
EXPECTED_JOB = "aipool_exporter"

DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
IANA_SVC_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")


class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, ok: bool, where: str, what: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"  ok    {where}: {what}")
        else:
            self.failed += 1
            print(f"  FAIL  {where}: {what}" + (f": {detail}" if detail else ""))
        return ok


def kn(doc: dict) -> str:
    name = (doc.get("metadata") or {}).get("name")
    return f"{doc.get('kind', '?')}/{name}" if name else str(doc.get("kind", "?"))


def load(path: pathlib.Path, rep: Report) -> list[dict]:
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    except yaml.YAMLError as e:
        rep.check(False, str(path), "parses as YAML", str(e))
        return []
    for d in docs:
        d["__file__"] = path
    return docs


def rel(path: pathlib.Path) -> str:
    try:
        return str(path.relative_to(HERE.parent.parent))
    except ValueError:
        return str(path)


# --- 1. schema -------------------------------------------------------------

def schema_check(doc: dict, rep: Report) -> None:
    body = {k: v for k, v in doc.items() if k != "__file__"}
    where = f"{rel(doc['__file__'])} {kn(doc)}"
    local = LOCAL_SCHEMAS.get((body.get("apiVersion"), body.get("kind")))
    if local:
        schema = json.loads((SCHEMAS / local).read_text())
        validator = jsonschema.Draft202012Validator(schema)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        rep.check(not errors, where, f"matches schemas/{local}",
                  "; ".join(f"{'.'.join(map(str, e.path)) or '<root>'}: {e.message}" for e in errors))
        return
    for version in K8S_VERSIONS:
        try:
            got = kv.validate(body, version, strict=True)
            rep.check(True, where, f"strict schema of Kubernetes {got}")
        except kv.ValidationError as e:
            path = ".".join(str(p) for p in e.path)
            rep.check(False, where, f"strict schema of Kubernetes {e.version}", f"{path}: {e.message}")
        except kv.SchemaNotFoundError as e:
            rep.check(False, where, f"has a schema (Kubernetes {version})",
                      f"{e.message}; add a schema to {rel(SCHEMAS)} or fix apiVersion/kind")


# --- 2. field rules the API server enforces --------------------------------

def labels_ok(labels: dict | None) -> list[str]:
    bad = []
    for k, v in (labels or {}).items():
        prefix, _, name = k.rpartition("/")
        if prefix and (len(prefix) > 253 or not DNS1123_SUBDOMAIN.match(prefix)):
            bad.append(f"label key prefix {prefix!r}")
        if len(name) > 63 or not LABEL_NAME.match(name):
            bad.append(f"label key {k!r}")
        if not isinstance(v, str) or len(v) > 63 or not LABEL_VALUE.match(v):
            bad.append(f"label value {k}={v!r}")
    return bad


def pod_spec(doc: dict) -> dict | None:
    if doc.get("kind") in WORKLOADS:
        return ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}
    return None


def field_rules(doc: dict, rep: Report) -> None:
    where = f"{rel(doc['__file__'])} {kn(doc)}"
    kind = doc.get("kind")
    if kind == "Kustomization":
        return
    meta = doc.get("metadata") or {}
    name = meta.get("name", "")
    name_re, rule = (DNS1035_LABEL, "DNS-1035 label") if kind == "Service" else (DNS1123_SUBDOMAIN, "DNS-1123 subdomain")
    rep.check(bool(name_re.match(name)) and len(name) <= 253, where, f"name is a {rule}", repr(name))
    bad = labels_ok(meta.get("labels"))
    rep.check(not bad, where, "metadata labels are valid", ", ".join(bad))

    if kind in WORKLOADS:
        spec = doc["spec"]
        tmpl_labels = (spec.get("template", {}).get("metadata") or {}).get("labels") or {}
        bad = labels_ok(tmpl_labels)
        rep.check(not bad, where, "pod template labels are valid", ", ".join(bad))
        sel = (spec.get("selector") or {}).get("matchLabels") or {}
        rep.check(bool(sel) and all(tmpl_labels.get(k) == v for k, v in sel.items()), where,
                  "selector matches the pod template labels", f"{sel} vs {tmpl_labels}")
        for c in pod_spec(doc).get("containers", []):
            for p in c.get("ports", []):
                if "name" in p:
                    rep.check(bool(IANA_SVC_NAME.match(p["name"])) and len(p["name"]) <= 15, where,
                              f"container port name {p['name']!r} is an IANA_SVC_NAME")
    if kind == "Service":
        for p in doc["spec"].get("ports", []):
            if "name" in p:
                rep.check(bool(DNS1035_LABEL.match(p["name"])) and len(p["name"]) <= 63, where,
                          f"service port name {p['name']!r} is a DNS-1035 label")


# --- 3. consistency across files -------------------------------------------

def matches(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def arg_value(args: list[str], flag: str) -> str | None:
    for a in args:
        if a.startswith(flag + "="):
            return a.split("=", 1)[1]
    return None


def consistency(docs: list[dict], rep: Report) -> None:
    by_kind: dict[str, list[dict]] = {}
    for d in docs:
        by_kind.setdefault(d.get("kind"), []).append(d)
    workloads = [d for d in docs if d.get("kind") in WORKLOADS]
    services = by_kind.get("Service", [])
    configmaps = {d["metadata"]["name"]: d for d in by_kind.get("ConfigMap", [])}
    secrets = {d["metadata"]["name"]: d for d in by_kind.get("Secret", [])}

    for svc in services:
        where = f"{rel(svc['__file__'])} {kn(svc)}"
        selected = [w for w in workloads
                    if matches(svc["spec"].get("selector") or {},
                               (w["spec"]["template"].get("metadata") or {}).get("labels") or {})]
        rep.check(bool(selected), where, "selects the pods of a workload")
        for w in selected:
            ports = {p.get("name") for c in pod_spec(w).get("containers", []) for p in c.get("ports", [])}
            for p in svc["spec"].get("ports", []):
                tp = p.get("targetPort")
                if isinstance(tp, str):
                    rep.check(tp in ports, where, f"targetPort {tp!r} is a container port of {kn(w)}")

    for sm in by_kind.get("ServiceMonitor", []):
        where = f"{rel(sm['__file__'])} {kn(sm)}"
        spec = sm["spec"]
        selected = [s for s in services
                    if matches((spec.get("selector") or {}).get("matchLabels") or {},
                               s["metadata"].get("labels") or {})]
        rep.check(len(selected) == 1, where, "selects exactly one Service",
                  f"selects {[kn(s) for s in selected]}")
        for s in selected:
            names = {p.get("name") for p in s["spec"].get("ports", [])}
            for ep in spec.get("endpoints", []):
                if "port" in ep:
                    rep.check(ep["port"] in names, where, f"endpoint port {ep['port']!r} is a port of {kn(s)}")
            job = (s["metadata"].get("labels") or {}).get(spec.get("jobLabel", ""), s["metadata"]["name"])
            rep.check(job == EXPECTED_JOB, where, f"scrape job label is {EXPECTED_JOB!r} (alerts.yml matches it)",
                      f"it would be {job!r}")

    for w in workloads:
        where = f"{rel(w['__file__'])} {kn(w)}"
        ps = pod_spec(w)
        volumes = {v["name"]: v for v in ps.get("volumes", [])}
        for v in volumes.values():
            if "configMap" in v:
                rep.check(v["configMap"]["name"] in configmaps, where,
                          f"volume {v['name']!r}: ConfigMap {v['configMap']['name']!r} is defined")
            if "secret" in v:
                rep.check(v["secret"]["secretName"] in secrets, where,
                          f"volume {v['name']!r}: Secret {v['secret']['secretName']!r} is defined (example)")
        for c in ps.get("containers", []):
            mounts = {m["mountPath"].rstrip("/"): volumes.get(m["name"]) for m in c.get("volumeMounts", [])}
            rep.check(all(m["name"] in volumes for m in c.get("volumeMounts", [])), where,
                      f"container {c['name']!r}: every volumeMount has a volume")
            args = c.get("args", [])
            cfg = arg_value(args, "--config.file")
            if not rep.check(cfg is not None, where, f"container {c['name']!r} passes --config.file"):
                continue
            mdir, _, key = cfg.rpartition("/")
            vol = mounts.get(mdir)
            cm = configmaps.get(((vol or {}).get("configMap") or {}).get("name", ""))
            if not rep.check(cm is not None and key in (cm.get("data") or {}), where,
                             f"--config.file={cfg} is a key of a mounted ConfigMap"):
                continue
            # Every *_file path in the config must be a key of a mounted Secret.
            for ref in re.findall(r'_file\s*=\s*"([^"]+)"', cm["data"][key]):
                rdir, _, rkey = ref.rpartition("/")
                svol = mounts.get(rdir)
                sec = secrets.get(((svol or {}).get("secret") or {}).get("secretName", ""))
                have = set((sec or {}).get("stringData") or {}) | set((sec or {}).get("data") or {})
                rep.check(sec is not None and rkey in have, where,
                          f"config file reference {ref} is a key of a mounted Secret")
            shard = arg_value(args, "--shard")
            if shard is not None:
                m = re.fullmatch(r"\$\((\w+)\)/(\d+)", shard)
                if rep.check(m is not None, where, "--shard is $(VAR)/n", shard):
                    var, n = m.group(1), int(m.group(2))
                    rep.check(w["spec"].get("replicas") == n, where, f"replicas equals the shard count {n}",
                              f"replicas is {w['spec'].get('replicas')}")
                    env = {e["name"]: e for e in c.get("env", [])}
                    path = ((env.get(var) or {}).get("valueFrom") or {}).get("fieldRef", {}).get("fieldPath")
                    rep.check(path == "metadata.labels['apps.kubernetes.io/pod-index']", where,
                              f"${var} comes from the pod-index label", str(path))


def kustomization(doc: dict, docs_by_file: dict, rep: Report) -> list[pathlib.Path]:
    kdir = doc["__file__"].parent
    where = f"{rel(doc['__file__'])} {kn(doc)}"
    listed = []
    for r in doc.get("resources", []):
        p = (kdir / r).resolve()
        if rep.check(p.is_file() and p.parent == kdir, where, f"resource {r} exists in the kustomization directory"):
            listed.append(p)
    others = sorted(p for p in kdir.glob("*.yaml") if p.name != "kustomization.yaml")
    missing = [p.name for p in others if p not in listed]
    rep.check(not missing, where, "lists every manifest in its directory", ", ".join(missing))
    images = {c.get("image", "").split(":")[0]
              for p in listed for d in docs_by_file.get(p, []) if pod_spec(d) is not None
              for c in pod_spec(d).get("containers", [])}
    for img in doc.get("images", []):
        rep.check(img["name"] in images, where, f"images[] entry {img['name']!r} matches a container image")
    return listed


def main(argv: list[str]) -> int:
    rep = Report()
    files = [pathlib.Path(a).resolve() for a in argv] or sorted(
        p for p in HERE.rglob("*.yaml") if SCHEMAS not in p.parents)
    print(f"Kubernetes manifests (schemas of Kubernetes {', '.join(K8S_VERSIONS)} "
          f"from kubernetes-validate {kv_version}, and schemas/):")
    docs_by_file = {}
    for f in files:
        docs_by_file[f] = load(f, rep)
    all_docs = [d for ds in docs_by_file.values() for d in ds]
    for d in all_docs:
        schema_check(d, rep)
        field_rules(d, rep)

    # Consistency: the base kustomization as one set, and the sharded example
    # with the base files it is documented to be applied with.
    base = [d for d in all_docs if d.get("kind") == "Kustomization" and d["__file__"].parent == HERE]
    listed = []
    for k in base:
        listed = kustomization(k, docs_by_file, rep)
    base_docs = [d for p in listed for d in docs_by_file.get(p, [])]
    if base_docs:
        print("  -- consistency of the base (kustomization.yaml) --")
        consistency(base_docs, rep)
    sharded = [d for d in all_docs if d["__file__"].parent.name == "sharded"]
    if sharded:
        print("  -- consistency of sharded/ with the base ConfigMap, Secret, Service, ServiceMonitor --")
        consistency([d for d in base_docs if d.get("kind") not in WORKLOADS] + sharded, rep)

    print(f"Kubernetes validation: {rep.passed} checks ok, {rep.failed} failing")
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
