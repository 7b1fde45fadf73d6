"""The dashboards' template variables and the data source reference every
panel and variable query reads."""

from __future__ import annotations

from .platforms import AIHC, CAPACITY, SUGON
from .promql import F_ACCOUNT, F_POOL, F_PROVIDER, F_REGION

DS = {"type": "prometheus", "uid": "${datasource}"}


def datasource_var() -> dict:
    return {
        "type": "datasource",
        "name": "datasource",
        "label": "Data source",
        "query": "prometheus",
        "current": {},
        "hide": 0,
        "includeAll": False,
        "multi": False,
        "options": [],
        "refresh": 1,
        "regex": "",
    }


def query_var(name: str, label: str, query: str) -> dict:
    return {
        "type": "query",
        "name": name,
        "label": label,
        "datasource": DS,
        "definition": query,
        "query": {"qryType": 1, "query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "refresh": 2,  # on time range change: accounts and pools come and go
        "regex": "",
        "sort": 1,
        "multi": True,
        "includeAll": True,
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "options": [],
        "hide": 0,
    }


def job_var() -> dict:
    return {
        "type": "textbox",
        "name": "job",
        "label": "Scrape job",
        "description": "The job name of the exporter's scrape config (the alerts expect aipool_exporter).",
        "query": "aipool_exporter",
        "current": {"text": "aipool_exporter", "value": "aipool_exporter"},
        "options": [{"selected": True, "text": "aipool_exporter", "value": "aipool_exporter"}],
        "hide": 0,
    }


V_PROVIDER = query_var("provider", "Provider", "label_values(aipool_up, provider)")
V_ACCOUNT = query_var("account", "Account", f"label_values(aipool_up{{{F_PROVIDER}}}, account)")
# Compute units too: a Qianfan account with `service_ids` exports no service info.
V_REGION = query_var(
    "cloud_region",
    "Region",
    f'label_values({{__name__=~"aipool_(pool|queue|service|compute_unit)_info", {F_PROVIDER}, {F_ACCOUNT}}}, '
    "cloud_region)",
)
V_ACCEL = query_var(
    "accelerator",
    "Accelerator",
    f'label_values({{__name__=~"aipool_(pool|queue)_capability_accelerators|aipool_pool_node_capability_accelerators", '
    f"{F_PROVIDER}, {F_ACCOUNT}, {F_REGION}}}, accelerator)",
)


def named_var(name: str, label: str, series: str, id_label: str, name_label: str) -> dict:
    """A multi-value variable over `series` (a names recording rule) whose values
    are ids and whose options show the names (the id where there is none)."""
    v = query_var(name, label, f"query_result({series})")
    v["query"] = {"qryType": 3, "query": f"query_result({series})",
                  "refId": "PrometheusVariableQueryEditor-VariableQuery"}
    # Prometheus lists labels sorted, so the id comes before the name.
    v["regex"] = f'/{id_label}="(?<value>[^"]*)"(?:.*{name_label}="(?<text>[^"]*)")?/'
    return v


V_POOL = named_var("pool_id", "Pool", f"aipool:pool_names:info{{{F_PROVIDER}, {F_ACCOUNT}, {F_REGION}}}",
                   "pool_id", "pool_name")
V_QUEUE = named_var("queue_id", "Queue", f"aipool:queue_names:info{{{F_PROVIDER}, {F_ACCOUNT}, {F_REGION}, {F_POOL}}}",
                    "queue_id", "queue_name")
# Platforms whose accounts must see values in each variable (default: all).
VARIABLE_PLATFORMS = {"pool_id": CAPACITY, "accelerator": CAPACITY, "queue_id": (AIHC, SUGON)}
