"""The pool and queue drill-down dashboard: pool facts, queue quotas and the
queue tree, free slots, and the platform-specific node details."""

from __future__ import annotations

from .dashboard import Dashboard
from .panels import HEADROOM_STEPS, USAGE_STEPS, only, table, target, timeseries
from .platforms import AIHC, CAPACITY, MODELARTS, SUGON
from .promql import (
    ACCT, K_POOL, K_QUEUE, POOL, POOLA, QUEUE, QUEUEA, in_use, no_allocation, pool_acc, pool_named, queue_named,
)
from .variables import V_ACCEL, V_ACCOUNT, V_POOL, V_PROVIDER, V_QUEUE, V_REGION


def drilldown() -> Dashboard:
    d = Dashboard(
        "aipool-pools",
        "AI pools / Pool and queue drill-down",
        "One pool or queue at a time: pool facts, accelerators over time, queue quotas, headroom and workloads, "
        "the queue tree, and the platform-specific node details (ModelArts node phases and drivers, Sugon node "
        "specs). Free is the exporter's remaining everywhere.",
        [V_PROVIDER, V_ACCOUNT, V_REGION, V_POOL, V_QUEUE, V_ACCEL],
    )
    d.row("Pools")
    d.add(only(table("Pools", "Every selected pool with its type, phase and node count (ModelArts: workspace and, "
                     "for a logical sub-pool, its physical parent pool).",
                     [target(f"aipool_pool_info{POOL}"), target(f"aipool_pool_nodes{POOL}")],
                     {"Value #B": "Nodes", "cloud_region": "region"}, hide=["Value #A"]), *CAPACITY), 24, 7)
    for kind, title, desc, platforms in (
            ("capability", "Pool accelerators: capability",
             "The exporter's pool totals (AIHC: sums over top-level queues; ModelArts: node sums). Sugon AI "
             "resource groups, which report none, have their own panel.", (AIHC, MODELARTS)),
            ("allocated", "Pool accelerators: allocated", "Cards allocated (not reported by Sugon).",
             (AIHC, MODELARTS)),
            ("remaining", "Pool accelerators: free", "Remaining: what new workloads can still get.",
             (AIHC, MODELARTS))):
        d.add(only(timeseries(title, desc, [target(pool_acc(kind), "{{account}} {{pool_id}} {{accelerator}}")]),
                   *platforms), 8, 8)
    d.add(only(timeseries("Pool accelerators without allocation figures (Sugon AI)",
                          "Resource groups that report only nodes and cards per node (no capability, allocation "
                          "or free figure): nodes x cards per node, never added to the capability above.",
                          [target(no_allocation(), "{{account}} {{pool_id}} {{accelerator}}")]), SUGON), 8, 8)
    d.add(only(timeseries("Pool accelerator headroom", "Remaining / capability per pool and type; the dashed line "
                          "is AiPoolPoolAcceleratorHeadroomLow's threshold.",
                          [target(f"aipool:pool_accelerator_headroom:ratio{POOLA}",
                                  "{{account}} {{pool_id}} {{accelerator}}")],
                          "percentunit", lo=0, steps=HEADROOM_STEPS, threshold_line=True), AIHC, MODELARTS), 8, 8)
    d.add(only(timeseries("Pool accelerator usage", "In use / capability per pool and type (in use: allocated, "
                          "else capability - remaining).",
                          [target(f"aipool:pool_accelerator_usage:ratio{POOLA}",
                                  "{{account}} {{pool_id}} {{accelerator}}")],
                          "percentunit", lo=0, steps=USAGE_STEPS, threshold_line=True), AIHC, MODELARTS), 8, 8)
    d.add(only(timeseries("Pool CPU and memory in use", "Share of pool CPU and memory in use (allocated, else "
                          "capability - remaining).",
                          [target(f"{in_use('pool', 'cpu_cores')} / (aipool_pool_capability_cpu_cores{POOL} > 0)",
                                  "{{pool_id}} cpu"),
                           target(f"{in_use('pool', 'memory_bytes')} / "
                                  f"(aipool_pool_capability_memory_bytes{POOL} > 0)", "{{pool_id}} memory")],
                          "percentunit", lo=0, steps=USAGE_STEPS), AIHC, MODELARTS), 8, 8)

    d.row("Queues")
    d.add(only(table("Queue accelerators",
                     "Per queue and type: capability, allocated, free (remaining: what a new workload can still "
                     "get) and headroom as the alerts see it.",
                     [target(queue_named(f"aipool_queue_capability_accelerators{QUEUEA}")),
                      target(queue_named(f"aipool_queue_allocated_accelerators{QUEUEA}"), platforms=(AIHC,)),
                      target(queue_named(f"aipool_queue_remaining_accelerators{QUEUEA}")),
                      target(queue_named(f"aipool:queue_accelerator_headroom:ratio{QUEUEA}"))],
                     {"Value #A": "Capability", "Value #B": "Allocated", "Value #C": "Free", "Value #D": "Headroom",
                      "cloud_region": "region"},
                     units={"Headroom": "percentunit"}, cell_colors={"Headroom": HEADROOM_STEPS},
                     sort_by="Headroom"), AIHC, SUGON), 24, 9)
    d.add(only(timeseries("Queue accelerators free", "Remaining per queue and type.",
                          [target(queue_named(f"aipool_queue_remaining_accelerators{QUEUEA}"),
                                  "{{account}} {{queue_name}} {{accelerator}}")]), AIHC, SUGON), 12, 8)
    d.add(only(timeseries("Queue accelerator headroom", "Remaining / capability; the dashed line is "
                          "AiPoolAcceleratorHeadroomLow's threshold.",
                          [target(queue_named(f"aipool:queue_accelerator_headroom:ratio{QUEUEA}"),
                                  "{{account}} {{queue_name}} {{accelerator}}")],
                          "percentunit", lo=0, steps=HEADROOM_STEPS, threshold_line=True), AIHC, SUGON), 12, 8)
    d.add(only(timeseries("Queue quota usage", "In use / capability per resource (accelerators, CPU, memory); in "
                          "use is allocated, else capability - remaining.",
                          [target(queue_named(f"aipool:queue_accelerator_quota_usage:ratio{QUEUEA}"),
                                  "{{queue_name}} {{accelerator}}"),
                           target(queue_named(f"aipool:queue_cpu_quota_usage:ratio{QUEUE}"), "{{queue_name}} cpu"),
                           target(queue_named(f"aipool:queue_memory_quota_usage:ratio{QUEUE}"),
                                  "{{queue_name}} memory", platforms=(AIHC,))],
                          "percentunit", lo=0, steps=USAGE_STEPS, threshold_line=True), AIHC, SUGON), 12, 8)
    d.add(only(timeseries("Queue workloads", "Jobs per queue by state (running, pending, inqueue). Stacked.",
                          [target(f"sum by (account, pool_id, queue_name, state) "
                                  f"({queue_named(f'aipool_queue_workloads{QUEUE}')})",
                                  "{{queue_name}} {{state}}")], stack=True), AIHC), 12, 8)
    # The parent's name next to its id: parent_queue is the parent's queue_id.
    parents = ('label_replace(label_replace(aipool_queue_info, "parent_queue", "$1", "queue_id", "(.+)"), '
               '"parent_name", "$1", "queue_name", "(.*)")')
    d.add(only(table("Queue tree", "Queues with their type and parent (parent_queue is the parent's queue id, "
                     "empty for a top-level queue; the parent's name beside it).",
                     [target(f"((aipool_queue_info{QUEUE} * on ({K_POOL}, parent_queue) group_left (parent_name) "
                             f"{parents}) or on ({K_QUEUE}) aipool_queue_info{QUEUE})")],
                     {"Value": "n", "cloud_region": "region", "parent_queue": "parent id",
                      "parent_name": "parent"}, hide=["Value"]), AIHC, SUGON), 24, 7)

    d.row("Free slots")
    # Where the platform reports free cards per node: ModelArts pools, Sugon HPC
    # queues (whole free nodes). AIHC and Qianfan have no such series.
    d.add(timeseries("Free slots by job size",
                     "Single-node jobs of N cards (`cards`) that fit now: the sum over schedulable nodes of free "
                     "cards on the node / N, rounded down, per size of the account's slot_sizes. Free cards spread "
                     "over nodes fit small jobs only: 8 free at 2 per node are 0 slots of 4. AiPoolNoSlotForJobSize "
                     "fires when N cards are free but no slot of N is. ModelArts pools, Sugon HPC queues.",
                     [target(pool_named(f"aipool_pool_free_slots{POOLA}"),
                             "{{account}} {{pool_name}} {{accelerator}} x{{cards}}", platforms=(MODELARTS,)),
                      target(queue_named(f"aipool_queue_free_slots{QUEUEA}"),
                             "{{account}} {{queue_name}} {{accelerator}} x{{cards}}", platforms=(SUGON,))]), 12, 8)
    d.add(timeseries("Largest free block and free cards",
                     "The most free cards on one schedulable node (a single-node job larger than this waits), "
                     "beside the free cards in total. ModelArts pools, Sugon HPC queues (cards per node while a "
                     "node is free, else 0).",
                     [target(pool_named(f"aipool_pool_largest_free_block_accelerators{POOLA}"),
                             "{{account}} {{pool_name}} {{accelerator}} largest block", platforms=(MODELARTS,)),
                      target(pool_named(f"(aipool_pool_remaining_accelerators{POOLA} and on ({K_POOL}, accelerator) "
                                        f"aipool_pool_largest_free_block_accelerators{POOLA})"),
                             "{{account}} {{pool_name}} {{accelerator}} free", platforms=(MODELARTS,)),
                      target(queue_named(f"aipool_queue_largest_free_block_accelerators{QUEUEA}"),
                             "{{account}} {{queue_name}} {{accelerator}} largest block", platforms=(SUGON,)),
                      target(queue_named(f"(aipool_queue_remaining_accelerators{QUEUEA} and on ({K_QUEUE}, "
                                         f"accelerator) aipool_queue_largest_free_block_accelerators{QUEUEA})"),
                             "{{account}} {{queue_name}} {{accelerator}} free", platforms=(SUGON,))]), 12, 8)

    d.row("Nodes and hardware")
    d.add(only(timeseries("Nodes by phase (ModelArts)", "From the pool's node list. Stacked.",
                          [target(f"sum by (pool_id, phase) (aipool_node_phase_nodes{POOL})",
                                  "{{pool_id}} {{phase}}")],
                          stack=True, draw="bars"), MODELARTS), 12, 8)
    d.add(only(table("Nodes by flavor and state (ModelArts)", "From the pool status.",
                     [target(f"aipool_pool_flavor_nodes{POOL}")], {"Value": "Nodes", "cloud_region": "region"}),
               MODELARTS), 12, 8)
    d.add(only(table("Node specs (Sugon)", "Per-node capability of the resource group's node type, and per-node "
                     "accelerator limits (0: no per-node quota set).",
                     [target(f"aipool_pool_node_capability_accelerators{POOLA}"),
                      target(f"aipool_pool_node_limit_accelerators{POOLA}")],
                     {"Value #A": "Cards per node", "Value #B": "Limit per node", "cloud_region": "region"}),
               SUGON), 12, 8)
    d.add(table("Drivers (ModelArts) and accelerator models",
                "Accelerator drivers per pool, and the card model behind each accelerator resource name.",
                [target(f"aipool_pool_driver_info{POOL}", platforms=(MODELARTS,)),
                 target(f"aipool_accelerator_info{ACCT}", platforms=(AIHC,))],
                {"cloud_region": "region"}, hide=["Value #A", "Value #B"]), 12, 8)
    return d
