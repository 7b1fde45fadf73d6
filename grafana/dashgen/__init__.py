"""The dashboard generator behind grafana/generate.py, one module per concern:

- platforms: the `provider` values a query applies to;
- promql: label matchers, join keys and the shared PromQL expressions;
- variables: the template variables and the data source reference;
- panels: query and panel builders (time series, stat, gauge, bar gauge, table);
- dashboard: the grid layout and the JSON model of a dashboard;
- overview, drilldown, compute_units, exporter_health: one dashboard each.
"""
