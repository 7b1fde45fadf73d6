#!/usr/bin/env python3
"""Checks conventions and unit-test coverage of the rules in this directory.

promtool proves that the tests it is given pass; this proves that the tests
exist. For alerts.yml: every alert is named AiPool<CamelCase>, has a severity of
critical|warning|info and summary + description annotations, and is the subject
of at least one promtool test case where it fires (with its exact labels and
annotations) and one where it must not. For rules.yml: every recorded series is
checked by at least one promql_expr_test.

Usage: check_test_coverage.py   (paths are relative to this file)
"""

from __future__ import annotations

import pathlib
import re
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
SEVERITIES = {"critical", "warning", "info"}
NAME = re.compile(r"^AiPool[A-Z][A-Za-z0-9]+$")


def rules(path: pathlib.Path) -> list[dict]:
    return [r for g in yaml.safe_load(path.read_text())["groups"] for r in g["rules"]]


def main() -> int:
    problems: list[str] = []
    alerts = rules(HERE / "alerts.yml")
    records = [r["record"] for r in rules(HERE / "rules.yml")]

    firing: dict[str, int] = {}
    quiet: dict[str, int] = {}
    exprs: list[str] = []
    test_files = sorted((HERE / "tests").glob("*.yml"))
    for tf in test_files:
        for group in yaml.safe_load(tf.read_text()).get("tests", []):
            for case in group.get("alert_rule_test") or []:
                name = case["alertname"]
                exp = case.get("exp_alerts") or []
                if exp:
                    firing[name] = firing.get(name, 0) + 1
                    for a in exp:
                        if not a.get("exp_labels", {}).get("severity") or not a.get("exp_annotations"):
                            problems.append(f"{tf.name}: a firing case of {name} at {case['eval_time']} "
                                            "does not pin its severity label and annotations")
                else:
                    quiet[name] = quiet.get(name, 0) + 1
            exprs += [c["expr"] for c in group.get("promql_expr_test") or []]

    names = set()
    for a in alerts:
        name = a["alert"]
        names.add(name)
        if not NAME.match(name):
            problems.append(f"alert {name}: name is not AiPool<CamelCase>")
        if a.get("labels", {}).get("severity") not in SEVERITIES:
            problems.append(f"alert {name}: severity must be one of {sorted(SEVERITIES)}")
        ann = a.get("annotations", {})
        for key in ("summary", "description"):
            if not ann.get(key):
                problems.append(f"alert {name}: no {key} annotation")
        if not firing.get(name):
            problems.append(f"alert {name}: no test case where it fires")
        if not quiet.get(name):
            problems.append(f"alert {name}: no test case where it must not fire")
    for name in sorted(set(firing) | set(quiet)):
        if name not in names:
            problems.append(f"tests mention {name}, which alerts.yml does not define")

    for rec in records:
        if not any(re.search(rf"(?<![\w:]){re.escape(rec)}(?![\w:])", e) for e in exprs):
            problems.append(f"recording rule {rec}: no promql_expr_test checks it")

    for p in problems:
        print(f"  FAIL  {p}")
    print(f"Rule test coverage: {len(alerts)} alerts, "
          f"{len(records)} recording rules, {len(test_files)} test files; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
