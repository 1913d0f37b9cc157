/**
 * A storage node's replication metrics, read from its Raft groups when Prometheus scrapes (never kept in
 * step on the write path). Label values are bounded by the groups (`meta`, `p0`…, at most
 * `maxPartitionGroups` with splits) and the nodes of the cluster.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { RaftDisk } from "./raft-disk.js";
import type { Replica } from "./replica.js";

export function registerReplicationMetrics(registry: Registry, replicas: () => readonly Replica[]): void {
  const statuses = () => replicas().map((replica) => ({ group: replica.group, status: replica.status() }));
  const lastLeaders = new Map<string, string | undefined>();
  const leaderChanges = new Counter({
    name: "storage_leader_changes_total",
    help: "Leader changes this node has seen per replication group (counted when metrics are read).",
    labelNames: ["partition"],
    registers: [registry],
  });
  new Gauge({
    name: "storage_raft_term",
    help: "Current Raft term of this node's replica of each group.",
    labelNames: ["partition"],
    registers: [registry],
    collect() {
      this.reset();
      for (const { group, status } of statuses()) {
        this.set({ partition: group }, status.term);
        if (lastLeaders.has(group) && lastLeaders.get(group) !== status.leaderId) {
          leaderChanges.inc({ partition: group });
        }
        lastLeaders.set(group, status.leaderId);
      }
    },
  });
  new Gauge({
    name: "storage_raft_leader",
    help: "1 for each replication group this node leads, else 0.",
    labelNames: ["partition"],
    registers: [registry],
    collect() {
      this.reset();
      for (const { group, status } of statuses())
        this.set({ partition: group }, status.role === "leader" ? 1 : 0);
    },
  });
  new Gauge({
    name: "storage_raft_commit_index",
    help: "Highest log index this node knows to be committed, per replication group.",
    labelNames: ["partition"],
    registers: [registry],
    collect() {
      this.reset();
      for (const { group, status } of statuses()) this.set({ partition: group }, status.commitIndex);
    },
  });
  new Gauge({
    name: "storage_partitions_without_leader",
    help: "Replication groups for which this node knows no leader.",
    registers: [registry],
    collect() {
      this.set(statuses().filter(({ status }) => status.leaderId === undefined).length);
    },
  });
  new Gauge({
    name: "storage_replication_lag_entries",
    help: "On a group's leader: log entries each follower still lacks (leader's last index minus follower's match).",
    labelNames: ["partition", "follower"],
    registers: [registry],
    collect() {
      this.reset();
      for (const { group, status } of statuses()) {
        if (status.role !== "leader") continue;
        for (const follower of status.followers) {
          this.set(
            { partition: group, follower: follower.id },
            Math.max(0, status.lastIndex - follower.match),
          );
        }
      }
    },
  });
}

/** Seconds an `fdatasync` of the Raft log may take, as histogram buckets: a local SSD syncs in 0.1–2 ms. */
const syncSecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The node's Raft log (its write-ahead log): how long each sync takes — every write waits for one, on
 * a majority of nodes — and how much it writes.
 */
export function registerRaftLogMetrics(registry: Registry, disk: RaftDisk): void {
  const syncSeconds = new Histogram({
    name: "storage_raft_log_sync_seconds",
    help: "Time of each fdatasync of this node's Raft log (one per replication round, for all its groups).",
    buckets: syncSecondsBuckets,
    registers: [registry],
  });
  const records = new Counter({
    name: "storage_raft_log_records_total",
    help: "Records made durable in this node's Raft log (one per group per round).",
    registers: [registry],
  });
  const bytes = new Counter({
    name: "storage_raft_log_written_bytes_total",
    help: "Bytes written to this node's Raft log, checkpoints included.",
    registers: [registry],
  });
  const rotations = new Counter({
    name: "storage_raft_log_rotations_total",
    help: "New segments this node's Raft log started with a checkpoint (the older ones deleted).",
    registers: [registry],
  });
  disk.observe({
    synced(seconds, count, written) {
      syncSeconds.observe(seconds);
      records.inc(count);
      bytes.inc(written);
    },
    rotated(checkpointBytes) {
      rotations.inc();
      bytes.inc(checkpointBytes);
    },
  });
}
