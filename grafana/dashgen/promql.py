"""PromQL building blocks shared by the dashboards: the label matchers of the
filter variables, the join keys of pools, queues and compute units, and the
expressions every dashboard adds up the same way (root pools, in-use figures,
names joined from the `_info` series)."""

from __future__ import annotations

# Label matchers, one per filter variable. Multi-value variables render as a
# regex alternation in Prometheus queries, so they are always used with =~.
F_PROVIDER = 'provider=~"$provider"'
F_ACCOUNT = 'account=~"$account"'
F_REGION = 'cloud_region=~"$cloud_region"'
F_POOL = 'pool_id=~"$pool_id"'
F_ACC = 'accelerator=~"$accelerator"'
F_QUEUE = 'queue_id=~"$queue_id"'
SELF = "{" + ", ".join([F_PROVIDER, F_ACCOUNT]) + "}"
ACCT = "{" + ", ".join([F_PROVIDER, F_ACCOUNT, F_REGION]) + "}"
POOL = "{" + ", ".join([F_PROVIDER, F_ACCOUNT, F_REGION, F_POOL]) + "}"
# Series with an `accelerator` label also filter on the accelerator variable;
# queue series on the queue variable (dashboards that have those variables).
POOLA = "{" + ", ".join([F_PROVIDER, F_ACCOUNT, F_REGION, F_POOL, F_ACC]) + "}"
QUEUE = "{" + ", ".join([F_PROVIDER, F_ACCOUNT, F_REGION, F_POOL, F_QUEUE]) + "}"
QUEUEA = "{" + ", ".join([F_PROVIDER, F_ACCOUNT, F_REGION, F_POOL, F_QUEUE, F_ACC]) + "}"

# Join keys: the identity of a pool / queue / compute unit series (job and
# instance included, so shards never collide).
K_POOL = "job, instance, provider, account, cloud_region, pool_id"
K_QUEUE = K_POOL + ", queue_id"
K_SVC = "job, instance, provider, account, cloud_region, service_id"
K_CU = K_SVC + ", instance_id"
ON_POOL = f"on ({K_POOL})"
BY_ACCT_ACC = "by (provider, account, cloud_region, accelerator)"


def named(expr: str, key: str, info: str, labels: str, fallback: tuple[str, str] | None = None) -> str:
    """`expr` with `labels` copied from the `info` series of the same `key`, or, for
    series without one, `expr` itself (with `fallback` = (label, from) filled in:
    the id where the name is unknown). An absent info series never blanks a panel."""
    joined = f"{expr} * on ({key}) group_left ({labels}) {info}"
    bare = expr if fallback is None else f'label_replace({expr}, "{fallback[0]}", "$1", "{fallback[1]}", "(.+)")'
    return f"(({joined}) or on ({key}) {bare})"


def queue_named(expr: str) -> str:
    return named(expr, K_QUEUE, "aipool_queue_info", "queue_name", ("queue_name", "queue_id"))


def pool_named(expr: str) -> str:
    return named(expr, K_POOL, "aipool_pool_info", "pool_name", ("pool_name", "pool_id"))


def service_named(expr: str) -> str:
    return named(expr, K_SVC, "aipool_service_info", "service_name", ("service_name", "service_id"))


# Pools that are no logical sub-pool of another (pools without a parent_pool
# label, as on AIHC and Sugon, are roots).
NOT_SUB_POOL = f'unless {ON_POOL} aipool_pool_info{{parent_pool!=""}}'


def pool_acc(kind: str) -> str:
    """Accelerators per pool and type as the exporter reports them (capability,
    allocated, remaining). Sugon AI resource groups report none of these: see
    no_allocation()."""
    return f"aipool_pool_{kind}_accelerators{POOLA}"


def no_allocation() -> str:
    """Cards of the pools that report no capability, allocation or free figure,
    only nodes x cards per node (Sugon AI resource groups): shown on their own so
    they are never added to reported capability."""
    return (f"(aipool_pool_node_capability_accelerators{POOLA} * {ON_POOL} group_left () aipool_pool_nodes{POOL} "
            f"unless {ON_POOL} group by ({K_POOL}) (aipool_pool_capability_accelerators{POOL}))")


def roots(expr: str) -> str:
    return f"({expr} {NOT_SUB_POOL})"


def pool_sum(kind: str, by: str = BY_ACCT_ACC) -> str:
    """Root pools' accelerators summed per account and type (or `by`)."""
    return f"sum {by} {roots(pool_acc(kind))}"


# Capability of the root pools that report a free figure: the denominator of a
# headroom, so capability-only pools (Sugon AI groups) do not dilute it.
CAP_WITH_FREE = roots(f"(aipool_pool_capability_accelerators{POOLA} and aipool_pool_remaining_accelerators{POOLA})")


def in_use(scope: str, res: str) -> str:
    """Allocated, else capability - remaining (platforms without allocation)."""
    return (f"(aipool_{scope}_allocated_{res}{POOL} or "
            f"(aipool_{scope}_capability_{res}{POOL} - aipool_{scope}_remaining_{res}{POOL}))")
