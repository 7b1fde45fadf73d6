#!/usr/bin/env python3
"""Points the example configs in config/ at the simulator, unchanged.

tests/e2e/prometheus.sh runs one exporter per example file against
`aipool_exporter simulate`, so that the dashboards and alerts are checked on
every example's setup (console cookie and OpenAPI keys, Qianfan with and
without `service_ids`, ModelArts AK/SK and IAM password, Sugon password and
SCNet AK/SK), not only on the demo's. The file itself is used as is; what has
to differ is given the way a user would override it: `AIPOOL_ACCOUNTS__<i>__<KEY>`
environment variables for endpoints and key ids (the exporter's documented
overrides), and for each secret the variable its `*_env` key names (or a file
for `*_file`, or the plain key). The simulator's credentials are read from
crates/aipool-sim/src/lib.rs (`pub mod credentials`), so nothing here repeats them.

    example_configs.py accounts FILE        # JSON: [{"name", "provider"}, ...]
    example_configs.py env FILE SIM DIR      # KEY=VALUE lines for `env`; secret
                                             # files, if any, are written to DIR

Standard library only (no TOML or YAML parser is needed: the example files are
read line by line for their accounts' names, providers and keys, and the
exporter reads them for real).
"""

from __future__ import annotations

import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
POLL_INTERVAL = "2s"


class ExampleError(Exception):
    pass


def credentials() -> dict[str, str]:
    src = (ROOT / "crates" / "aipool-sim" / "src" / "lib.rs").read_text(encoding="utf-8")
    block = re.search(r"pub mod credentials \{(.*?)\n\}", src, re.S)
    if not block:
        raise ExampleError("no `pub mod credentials` in crates/aipool-sim/src/lib.rs")
    return dict(re.findall(r'pub const (\w+): &str = "([^"]*)";', block.group(1)))


def strip_comment(line: str) -> str:
    """The line without a trailing `# comment` (a `#` inside quotes stays)."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#":
            return line[:i].rstrip()
    return line.rstrip()


def accounts(path: pathlib.Path) -> list[dict]:
    """Each account's name, provider and keys ({key: value}, values unquoted), in
    file order. Understands the examples' TOML (`[[accounts]]` tables) and YAML
    (`accounts:` with `- name:` items); comments are ignored."""
    out: list[dict] = []
    cur: dict | None = None
    toml = path.suffix == ".toml"
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = strip_comment(raw)
        if not line.strip():
            continue
        if toml:
            if line.strip() == "[[accounts]]":
                cur = {}
                out.append(cur)
                continue
            if line.startswith("["):
                cur = None
                continue
            m = re.match(r"^\s*(\w+)\s*=\s*(.+?)\s*$", line)
        else:
            if re.match(r"^\S", line):
                cur = None  # a top-level key: `accounts:` or another section
                continue
            m = re.match(r"^\s*-\s+(\w+)\s*:\s*(.+?)\s*$", line)
            if m:
                cur = {}
                out.append(cur)
            else:
                m = re.match(r"^\s+(\w+)\s*:\s*(.+?)\s*$", line)
        if m and cur is not None:
            cur[m.group(1)] = m.group(2).strip().strip('"')
    for i, a in enumerate(out):
        for key in ("name", "provider"):
            if not a.get(key):
                raise ExampleError(f"{path.name}: account {i} has no {key}")
    if not out:
        raise ExampleError(f"{path.name}: no accounts")
    return out


def overrides(path: pathlib.Path, sim: str, secret_dir: pathlib.Path) -> list[tuple[str, str]]:
    cred = credentials()
    env: list[tuple[str, str]] = []
    for i, a in enumerate(accounts(path)):
        prefix = f"AIPOOL_ACCOUNTS__{i}__"

        def key(k: str, v: str) -> None:
            env.append((prefix + k.upper(), v))

        def secret(field: str, value: str) -> None:
            if f"{field}_env" in a:
                env.append((a[f"{field}_env"], value))
            elif f"{field}_file" in a:
                f = secret_dir / f"{a['name']}.{field}"
                f.write_text(value + "\n", encoding="utf-8")
                key(f"{field}_file", str(f))
            else:
                key(field, value)

        provider = a["provider"]
        base = f"http://{sim}"
        key("interval", POLL_INTERVAL)
        key("timeout", "5s")
        if provider == "aihc":
            if a.get("api") == "console":
                key("endpoint", base + "/api/aihc/aihc-service")
                secret("cookie", cred["AIHC_CONSOLE_COOKIE"])
            else:
                key("endpoint", base)
                key("access_key_id", cred["BCE_ACCESS_KEY_ID"])
                secret("secret_access_key", cred["BCE_SECRET_ACCESS_KEY"])
        elif provider == "qianfan":
            key("endpoint", base)
            key("access_key_id", cred["BCE_ACCESS_KEY_ID"])
            secret("secret_access_key", cred["BCE_SECRET_ACCESS_KEY"])
        elif provider == "modelarts":
            key("endpoint", base)
            key("project_id", cred["MODELARTS_PROJECT_ID"])
            if "access_key_id" in a:
                key("access_key_id", cred["HUAWEI_ACCESS_KEY_ID"])
                secret("secret_access_key", cred["HUAWEI_SECRET_ACCESS_KEY"])
            else:
                key("iam_endpoint", base)
                key("username", cred["HUAWEI_IAM_USER"])
                key("domain", cred["HUAWEI_IAM_DOMAIN"])
                secret("password", cred["HUAWEI_IAM_PASSWORD"])
        elif provider == "sugon":
            key("endpoint", base)
            key("user", cred["SUGON_USER"])
            if "access_key_id" in a:
                key("login_endpoint", base)
                key("access_key_id", cred["SCNET_ACCESS_KEY_ID"])
                secret("secret_access_key", cred["SCNET_SECRET_ACCESS_KEY"])
            else:
                secret("password", cred["SUGON_PASSWORD"])
                secret("org_id", cred["SUGON_ORG_ID"])
        else:
            raise ExampleError(f"{path.name}: account {a['name']}: provider {provider!r} is not simulated")
    return env


def main() -> int:
    try:
        if len(sys.argv) == 3 and sys.argv[1] == "accounts":
            print(json.dumps([{"name": a["name"], "provider": a["provider"]}
                              for a in accounts(pathlib.Path(sys.argv[2]))]))
            return 0
        if len(sys.argv) == 5 and sys.argv[1] == "env":
            for k, v in overrides(pathlib.Path(sys.argv[2]), sys.argv[3], pathlib.Path(sys.argv[4])):
                if "\n" in v:
                    raise ExampleError(f"{k}: a value with a newline")
                print(f"{k}={v}")
            return 0
    except (ExampleError, OSError) as e:
        print(f"example_configs.py: {e}", file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
