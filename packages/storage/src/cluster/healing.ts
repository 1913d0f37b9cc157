/**
 * Healing: on the metadata group's leader, replaces the replicas of a node that stayed unreachable
 * longer than `replaceAfterMs` (see README.md, "Healing"). Every second it asks every node for its
 * status; for each group whose leader's configuration still holds a lost node it takes one step of
 * the single-server membership change — start a joining replica on the chosen node, add it as a
 * learner, promote it once caught up, remove the lost node — and records a group's new committed
 * replicas in the map. Each step is decided from the group's actual Raft configuration as its leader
 * reports it, so a new metadata leader resumes wherever a former one stopped. `nextHealingStep` is
 * the pure decision; `Healer` is the I/O around it.
 */
import { currentGroups, type GroupRecord } from "./group-map.js";
import { NodeConnections, nodeAddress, requestNode } from "./node-http.js";
import { metaGroup } from "./partition-groups.js";
import { chooseReplacement, replicationFactor } from "./placement.js";
import type { GroupStatus, NodeStatus } from "./storage-node.js";

/** How often the metadata leader checks the nodes and takes healing steps. Milliseconds. */
export const healingCheckIntervalMs = 1_000;
/** Time one node may take to answer a status request. Milliseconds. */
const statusTimeoutMs = 1_000;
/** Time one node may take to answer a healing step. Milliseconds. */
const healingRequestTimeoutMs = 5_000;
/** Groups with a replacement in progress at once; more wait for a later check. */
export const maxReplacementsAtOnce = 4;
/** Time a learner may take to catch up before it is removed and another node tried. Milliseconds. */
export const learnerCatchUpTimeoutMs = 120_000;
/** Replacements started for one group and one lost node before healing gives up on it. */
export const maxReplacementAttempts = 5;
/** Replicas told to drop themselves per check (nodes that came back after being replaced). */
export const maxLeavesPerCheck = 8;
/** Largest answer to a status request or a healing step. Bytes. */
const maxHealingResponseBytes = 1024 * 1024;

/** One membership step for a group, taken by its leader. */
export type HealingStep =
  | { kind: "wait"; reason: string }
  | { kind: "remove"; node: string; replaced: boolean }
  | { kind: "promote"; node: string }
  | { kind: "catchUp"; node: string }
  | { kind: "add"; node: string; lost: string | undefined }
  | { kind: "record"; replicas: string[]; version: number }
  | { kind: "none" };

export interface HealingView {
  /** The group as its leader reports it (with the configuration committed at its commit index). */
  leader: GroupStatus & { committedVoters?: readonly string[]; committedLearners?: readonly string[] };
  /** Nodes unreachable for longer than `replaceAfterMs`. */
  lost: ReadonlySet<string>;
  live: ReadonlySet<string>;
  zones: ReadonlyMap<string, string>;
  groupCounts: ReadonlyMap<string, number>;
  /** The replicas the map records for the group (undefined for `meta`, which the map does not hold). */
  recorded?: GroupRecord;
  /**
   * For `meta`: live nodes hosting item groups. Each must follow the catalog (a replica applies and
   * installs items only for tables its catalog holds), so those outside `meta` join it as learners.
   */
  catalogFollowers?: readonly string[];
}

const sameMembers = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join(",") === [...b].sort().join(",");

/** The next step for one group (pure; see the module comment). */
export function nextHealingStep(view: HealingView): HealingStep {
  const { leader, lost, live } = view;
  const voters = leader.voters;
  const learners = leader.learners;
  if (
    leader.committedVoters === undefined ||
    !sameMembers(voters, leader.committedVoters) ||
    !sameMembers(learners, leader.committedLearners ?? [])
  ) {
    // One change at a time: the previous one must be committed first (Raft refuses it anyway).
    return { kind: "wait", reason: "a configuration change is not committed yet" };
  }
  const lostLearner = learners.find((node) => lost.has(node));
  if (lostLearner !== undefined) return { kind: "remove", node: lostLearner, replaced: false };
  const lostVoters = voters.filter((node) => lost.has(node));
  const liveVoters = voters.filter((node) => !lost.has(node));
  if (lostVoters.length > 0 && liveVoters.length >= Math.min(replicationFactor, voters.length)) {
    return { kind: "remove", node: lostVoters[0]!, replaced: true };
  }
  if (lostVoters.length > 0) {
    const target = chooseReplacement({
      lost: lostVoters[0]!,
      members: voters,
      learners,
      zones: view.zones,
      live,
      groupCounts: view.groupCounts,
    });
    if (target === undefined) return { kind: "wait", reason: "no live node is free to take the replica" };
    if (!learners.includes(target)) return { kind: "add", node: target, lost: lostVoters[0]! };
    const match = leader.followers.find((follower) => follower.id === target)?.match ?? 0;
    return match >= leader.commitIndex
      ? { kind: "promote", node: target }
      : { kind: "catchUp", node: target };
  }
  const unfollowed = view.catalogFollowers?.find(
    (node) => live.has(node) && !voters.includes(node) && !learners.includes(node),
  );
  if (unfollowed !== undefined) return { kind: "add", node: unfollowed, lost: undefined };
  if (view.recorded !== undefined && !sameMembers(view.recorded.replicas, voters)) {
    return { kind: "record", replicas: [...voters].sort(), version: leader.commitIndex };
  }
  return { kind: "none" };
}

export interface HealerOptions {
  nodeId: string;
  /** Every node of the cluster, id → base URL of its internal API. */
  nodes: ReadonlyMap<string, string>;
  zones: ReadonlyMap<string, string>;
  /** A node unreachable this long is replaced in every group it holds. Milliseconds. */
  replaceAfterMs: number;
  isMetaLeader(): boolean;
  /** The partition map as this node's metadata replica applied it. */
  groups(): readonly GroupRecord[];
  /** This node's own status (asked directly, not over HTTP). */
  ownStatus(): NodeStatus;
  /** Proposes `records` to the map. */
  recordGroups(records: GroupRecord[]): Promise<unknown>;
  onOutcome(outcome: "done" | "failed"): void;
  log(fields: Record<string, unknown>): void;
}

interface Attempt {
  node: string;
  startedAtMs: number;
}

/** Runs the healing checks while this node leads `meta` (see the module comment). */
export class Healer {
  readonly #options: HealerOptions;
  readonly #connections = new NodeConnections({ maxConnectionsPerNode: 2 });
  /** When each node last answered, since this node leads `meta`. */
  readonly #lastSeenMs = new Map<string, number>();
  /** The learner each group is catching up, and since when. */
  readonly #attempts = new Map<string, Attempt>();
  /** Replacements started per group and lost node. */
  readonly #attemptCounts = new Map<string, number>();
  #checking = false;

  constructor(options: HealerOptions) {
    this.#options = options;
  }

  /** One check; overlapping calls return at once. */
  async check(nowMs: number): Promise<void> {
    if (this.#checking) return;
    if (!this.#options.isMetaLeader()) {
      // A new leader starts the clocks afresh: it cannot know how long a node was gone before.
      this.#lastSeenMs.clear();
      this.#attempts.clear();
      return;
    }
    this.#checking = true;
    try {
      await this.#check(nowMs);
    } finally {
      this.#checking = false;
    }
  }

  close(): void {
    this.#connections.destroy();
  }

  async #check(nowMs: number): Promise<void> {
    const statuses = await this.#statuses();
    const live = new Set<string>();
    for (const node of this.#options.nodes.keys()) {
      if (statuses.has(node)) this.#lastSeenMs.set(node, nowMs);
      else if (!this.#lastSeenMs.has(node)) this.#lastSeenMs.set(node, nowMs);
      if (statuses.has(node)) live.add(node);
    }
    const lost = new Set(
      [...this.#lastSeenMs]
        .filter(([, seen]) => nowMs - seen > this.#options.replaceAfterMs)
        .map(([node]) => node),
    );
    const groupCounts = new Map([...statuses].map(([node, status]) => [node, status.groups.length]));
    const records = new Map(currentGroups(this.#options.groups()).map((record) => [record.name, record]));
    const toRecord: GroupRecord[] = [];
    let inProgress = this.#attempts.size;
    const steps: Promise<void>[] = [];
    const catalogFollowers = [...statuses]
      .filter(([, status]) => status.groups.some((entry) => entry.group !== metaGroup))
      .map(([node]) => node);
    for (const group of [metaGroup, ...records.keys()]) {
      const leader = leaderOf(statuses, group);
      if (leader === undefined) continue;
      const recorded = records.get(group);
      const step = nextHealingStep({
        leader: leader.status,
        lost,
        live,
        zones: this.#options.zones,
        groupCounts,
        ...(recorded !== undefined ? { recorded } : {}),
        ...(group === metaGroup ? { catalogFollowers } : {}),
      });
      if (step.kind === "record") {
        toRecord.push({ ...recorded!, replicas: step.replicas, version: step.version });
        continue;
      }
      if (step.kind === "add") {
        const key = `${group}/${step.lost ?? `follower ${step.node}`}`;
        const attempts = this.#attemptCounts.get(key) ?? 0;
        if (attempts >= maxReplacementAttempts || inProgress >= maxReplacementsAtOnce) continue;
        this.#attemptCounts.set(key, attempts + 1);
        if (step.lost !== undefined) {
          inProgress++;
          this.#attempts.set(group, { node: step.node, startedAtMs: nowMs });
        }
        // Counted at once, so that the groups replaced in one check spread over the free nodes.
        groupCounts.set(step.node, (groupCounts.get(step.node) ?? 0) + 1);
      }
      if (step.kind === "catchUp") {
        const attempt = this.#attempts.get(group);
        if (attempt === undefined || attempt.node !== step.node) {
          this.#attempts.set(group, { node: step.node, startedAtMs: nowMs });
        } else if (nowMs - attempt.startedAtMs > learnerCatchUpTimeoutMs) {
          this.#attempts.delete(group);
          this.#options.onOutcome("failed");
          steps.push(
            this.#take(group, leader.node, { kind: "remove", node: step.node, replaced: false }, recorded),
          );
          continue;
        }
      }
      steps.push(this.#take(group, leader.node, step, recorded));
    }
    steps.push(
      ...this.#dropRemovedReplicas(statuses, new Set([...this.#attempts.values()].map(({ node }) => node))),
    );
    await Promise.all(steps);
    if (toRecord.length > 0) {
      await this.#options.recordGroups(toRecord).catch((error: unknown) => {
        this.#options.log({ level: "warn", message: "recording new replicas failed", error: String(error) });
      });
    }
  }

  /**
   * Tells every node that still hosts a replica its group's committed configuration no longer holds
   * (it was replaced while gone, and came back) to drop it. Only a committed removal counts: every
   * later configuration descends from it, so the replica can never count in a majority again. A
   * replica that holds nothing yet (a node joining now) is left alone, as are this check's targets.
   */
  #dropRemovedReplicas(
    statuses: ReadonlyMap<string, NodeStatus>,
    joining: ReadonlySet<string>,
  ): Promise<void>[] {
    const leaves: Promise<void>[] = [];
    for (const [node, status] of statuses) {
      if (joining.has(node)) continue;
      for (const entry of status.groups) {
        if (leaves.length >= maxLeavesPerCheck) return leaves;
        if (entry.lastIndex === 0 || entry.role === "leader") continue;
        const leader = leaderOf(statuses, entry.group)?.status;
        if (leader?.committedVoters === undefined) continue;
        const members = [
          ...leader.voters,
          ...leader.learners,
          ...leader.committedVoters,
          ...(leader.committedLearners ?? []),
        ];
        if (members.includes(node)) continue;
        leaves.push(
          this.#post(node, `/cluster/groups/${entry.group}/leave`, {}).then(
            () =>
              this.#options.log({
                level: "info",
                group: entry.group,
                message: `healing: ${node} dropped its removed replica`,
              }),
            (error: unknown) =>
              this.#options.log({
                level: "warn",
                group: entry.group,
                message: "healing: leave failed",
                error: String(error),
              }),
          ),
        );
      }
    }
    return leaves;
  }

  async #take(group: string, leader: string, step: HealingStep, recorded?: GroupRecord): Promise<void> {
    try {
      if (step.kind === "add" || step.kind === "catchUp") {
        // Idempotent: a node that hosts the group already answers at once.
        const record = recorded && { ...recorded, replicas: [] };
        await this.#post(step.node, `/cluster/groups/${group}/join`, { record });
      }
      if (step.kind === "add") await this.#change(group, leader, "addLearner", step.node);
      if (step.kind === "promote") await this.#change(group, leader, "promoteLearner", step.node);
      if (step.kind === "remove") {
        await this.#change(group, leader, "removeNode", step.node);
        if (step.replaced) {
          this.#attempts.delete(group);
          this.#attemptCounts.delete(`${group}/${step.node}`);
          this.#options.onOutcome("done");
        }
      }
      if (step.kind !== "none" && step.kind !== "wait" && step.kind !== "catchUp") {
        const { kind, ...details } = step;
        this.#options.log({ level: "info", group, message: `healing: ${kind}`, step: details });
      }
    } catch (error) {
      if (step.kind === "add") {
        this.#attempts.delete(group);
        this.#options.onOutcome("failed");
      }
      this.#options.log({
        level: "warn",
        group,
        message: `healing step ${step.kind} failed`,
        error: String(error),
      });
    }
  }

  async #change(group: string, leader: string, type: string, node: string): Promise<void> {
    await this.#post(leader, `/cluster/groups/${group}/config`, { type, node });
  }

  async #post(node: string, path: string, body: unknown): Promise<void> {
    const url = this.#options.nodes.get(node);
    if (url === undefined) throw new Error(`no node ${node}`);
    const response = await requestNode(this.#connections, nodeAddress(url), {
      method: "POST",
      path,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      timeoutMs: healingRequestTimeoutMs,
      maxResponseBytes: maxHealingResponseBytes,
    }).answer;
    if (response.status !== 200)
      throw new Error(`${node} answered ${path} with ${response.status}: ${response.body}`);
  }

  async #statuses(): Promise<Map<string, NodeStatus>> {
    const statuses = new Map<string, NodeStatus>();
    await Promise.all(
      [...this.#options.nodes].map(async ([node, url]) => {
        if (node === this.#options.nodeId) {
          statuses.set(node, this.#options.ownStatus());
          return;
        }
        try {
          const response = await requestNode(this.#connections, nodeAddress(url), {
            method: "GET",
            path: "/cluster/status",
            timeoutMs: statusTimeoutMs,
            maxResponseBytes: maxHealingResponseBytes,
          }).answer;
          if (response.status === 200) statuses.set(node, JSON.parse(response.body) as NodeStatus);
        } catch {
          // Unreachable this time: its clock keeps running.
        }
      }),
    );
    return statuses;
  }
}

/** The node leading `group` in the newest term any node reports, with its status of the group. */
function leaderOf(
  statuses: ReadonlyMap<string, NodeStatus>,
  group: string,
): { node: string; status: HealingView["leader"] } | undefined {
  let best: { node: string; status: HealingView["leader"] } | undefined;
  for (const [node, status] of statuses) {
    const entry = status.groups.find((candidate) => candidate.group === group);
    if (entry?.role !== "leader") continue;
    if (best === undefined || entry.term > best.status.term) best = { node, status: entry };
  }
  return best;
}
