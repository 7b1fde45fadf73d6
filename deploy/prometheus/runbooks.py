#!/usr/bin/env python3
"""Keeps alerts.yml and docs/runbooks/ in step.

Every alert in alerts.yml has a runbook, docs/runbooks/<AlertName>.md, and a
`runbook_url` annotation pointing at it: the base URL in `runbook_base_url`
(this directory, one line; the one place to change it) followed by
`<AlertName>.md`.

  runbooks.py --check   fails on an alert without a runbook file or without the
                        right runbook_url, and on a runbook file for no alert
                        (run by deploy/check.sh)
  runbooks.py --write   sets every alert's runbook_url from runbook_base_url
                        (after changing the base, run this, then
                        deploy/kubernetes/prometheusrule.py --write)

Standard library only (alerts.yml is read as text: `- alert:` lines and each
alert's `runbook_url:` annotation).
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ALERTS = HERE / "alerts.yml"
RUNBOOKS = ROOT / "docs" / "runbooks"
ALERT = re.compile(r"^      - alert: (\S+)\s*$")
RUNBOOK_URL = re.compile(r"^          runbook_url: (\S*)\s*$")
ANNOTATIONS = re.compile(r"^        annotations:\s*$")


def base_url() -> str:
    return (HERE / "runbook_base_url").read_text(encoding="utf-8").strip()


def alert_blocks(lines: list[str]) -> list[tuple[str, int, int]]:
    """(name, first line, one past the last line) of each alert in alerts.yml."""
    starts = [(i, m.group(1)) for i, line in enumerate(lines) if (m := ALERT.match(line))]
    blocks = []
    for n, (i, name) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        # A new group ends the block too.
        for j in range(i + 1, end):
            if re.match(r"^  - name:", lines[j]):
                end = j
                break
        blocks.append((name, i, end))
    return blocks


def urls(lines: list[str]) -> dict[str, str | None]:
    out = {}
    for name, i, end in alert_blocks(lines):
        found = [m.group(1) for line in lines[i:end] if (m := RUNBOOK_URL.match(line))]
        out[name] = found[0] if found else None
    return out


def check() -> list[str]:
    lines = ALERTS.read_text(encoding="utf-8").splitlines()
    base = base_url()
    problems = []
    found = urls(lines)
    if not found:
        problems.append("alerts.yml: no alerts found")
    for name, url in found.items():
        if not (RUNBOOKS / f"{name}.md").is_file():
            problems.append(f"alert {name}: no runbook docs/runbooks/{name}.md")
        if url != f"{base}{name}.md":
            problems.append(f"alert {name}: runbook_url is {url!r}, want {base}{name}.md (runbooks.py --write)")
    for doc in sorted(RUNBOOKS.glob("*.md")):
        if doc.name == "README.md":
            continue
        if doc.stem not in found:
            problems.append(f"docs/runbooks/{doc.name}: no alert {doc.stem} in alerts.yml")
    return problems


def write() -> None:
    lines = ALERTS.read_text(encoding="utf-8").splitlines()
    base = base_url()
    for name, i, end in reversed(alert_blocks(lines)):
        url_line = f"          runbook_url: {base}{name}.md"
        at = [j for j in range(i, end) if RUNBOOK_URL.match(lines[j])]
        if at:
            lines[at[0]] = url_line
            continue
        ann = [j for j in range(i, end) if ANNOTATIONS.match(lines[j])]
        if not ann:
            sys.exit(f"alert {name}: no annotations block")
        lines.insert(ann[0] + 1, url_line)
    ALERTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    args = ap.parse_args()
    if args.write:
        write()
    problems = check()
    for p in problems:
        print(f"  FAIL  {p}")
    print(f"Runbooks: {len(urls(ALERTS.read_text(encoding='utf-8').splitlines()))} alerts; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
