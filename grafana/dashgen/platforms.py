"""The platforms a query applies to (the `provider` label values)."""

# Platforms (the `provider` label). A query's platforms are those whose accounts
# must see data in it; tests/e2e/dashboard_queries.py checks exactly that.
AIHC, MODELARTS, QIANFAN, SUGON = "aihc", "modelarts", "qianfan", "sugon"
ALL = (AIHC, MODELARTS, QIANFAN, SUGON)
CAPACITY = (AIHC, MODELARTS, SUGON)
NONE = ()  # may be empty on any account (e.g. failures, which need a failure)
