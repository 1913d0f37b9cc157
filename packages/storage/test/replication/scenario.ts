/**
 * An interpreter for the scenario files under testdata/: a few Raft nodes driven step by step by a
 * tiny command language, with exact control over which messages flow, in the style of etcd/raft's
 * data-driven tests. One command per line; `#` starts a comment.
 *
 *   cluster a b c [electionTicks=10 preVote=false checkQuorum=false random=0.5 maxEntriesPerAppend=1]
 *   campaign a                   start an election on a now
 *   tick a|* [n]                 n times: tick the node(s), then let messages flow until quiet
 *   deliver                      handle every node's Ready, then deliver the queued messages once
 *   stabilize                    repeat `deliver` until no node has anything to do
 *   isolate a | partition a b / c | heal
 *   propose a value [-> ok|NotLeader(b)|UncommittedLimit]
 *   read a id [-> ok|NotLeader(b)]
 *   compact a                    snapshot a's state machine at its applied index and compact
 *   crash a | restart a          drop a's memory (its disk stays) / start it again from its disk
 *   join d                       start a new node d that joins the group (`peers: []`)
 *   change a addLearner|promoteLearner|removeNode d [-> ok|NotLeader(b)|TermNotCommitted|...]
 *   expect a key=value ...       role term lead commit applied last snapshot log values reads abandoned
 *                                rejections voters learners
 */
import {
  type ConfigChange,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  RaftNode,
  type RaftOptions,
  type Snapshot,
} from "../../src/replication/index.js";

interface ScenarioNode {
  /** Whether the node is one of the `cluster` command's, else it joined later with no peers. */
  initial: boolean;
  raft: RaftNode | undefined;
  disk: { hardState: HardState | undefined; snapshot: Snapshot | undefined; entries: Entry[] };
  values: string[];
  reads: string[];
  abandoned: string[];
  rejections: number;
}

type ConfigChangeType = ConfigChange["type"];

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const maxStabilizeRounds = 1000;

export class ScenarioError extends Error {}

export class Scenario {
  readonly #nodes = new Map<NodeId, ScenarioNode>();
  #options: Partial<RaftOptions> = {};
  #random = 0.5;
  #queue: Message[] = [];
  readonly #blocked = new Set<string>();

  /** Runs a whole scenario text; errors name the failing line. */
  static run(text: string, name: string): void {
    const scenario = new Scenario();
    text.split("\n").forEach((raw, k) => {
      const line = raw.replace(/#.*/, "").trim();
      if (line === "") return;
      try {
        scenario.#execute(line);
      } catch (error) {
        throw new ScenarioError(`${name}:${k + 1}: ${line}\n  ${(error as Error).message}`);
      }
    });
  }

  #execute(line: string): void {
    const [command, ...args] = line.split(/\s+/);
    switch (command) {
      case "cluster":
        this.#cluster(args);
        return;
      case "campaign":
        this.#raft(args[0]!).campaign();
        return;
      case "tick":
        this.#tick(args[0]!, Number(args[1] ?? 1));
        return;
      case "deliver":
        this.#deliver();
        return;
      case "stabilize":
        this.#stabilize();
        return;
      case "isolate":
        for (const other of this.#nodes.keys()) this.#blockBoth(args[0]!, other);
        return;
      case "partition":
        this.#partition(args);
        return;
      case "heal":
        this.#blocked.clear();
        return;
      case "propose":
        this.#expectResult(this.#raft(args[0]!).propose(encoder.encode(args[1])), args);
        return;
      case "read":
        this.#expectResult(this.#raft(args[0]!).readIndex(args[1]!), args);
        return;
      case "compact":
        this.#compact(args[0]!);
        return;
      case "crash":
        this.#node(args[0]!).raft = undefined;
        return;
      case "restart":
        this.#start(args[0]!);
        return;
      case "join":
        this.#addNode(args[0]!, false);
        return;
      case "change":
        this.#expectResult(
          this.#raft(args[0]!).proposeConfigChange({ type: args[1] as ConfigChangeType, node: args[2]! }),
          args,
        );
        return;
      case "expect":
        this.#expect(args[0]!, args.slice(1));
        return;
      default:
        throw new Error(`unknown command ${command}`);
    }
  }

  #cluster(args: string[]): void {
    const ids = args.filter((arg) => !arg.includes("="));
    for (const setting of args.filter((arg) => arg.includes("="))) {
      const [key, value] = setting.split("=") as [string, string];
      if (key === "random") this.#random = Number(value);
      else
        (this.#options as Record<string, unknown>)[key] =
          value === "true" ? true : value === "false" ? false : Number(value);
    }
    this.#options.peers = ids;
    for (const id of ids) this.#addNode(id, true);
  }

  #addNode(id: NodeId, initial: boolean): void {
    if (this.#nodes.has(id)) throw new Error(`node ${id} exists`);
    this.#nodes.set(id, {
      initial,
      raft: undefined,
      disk: { hardState: undefined, snapshot: undefined, entries: [] },
      values: [],
      reads: [],
      abandoned: [],
      rejections: 0,
    });
    this.#start(id);
  }

  #start(id: NodeId): void {
    const node = this.#node(id);
    node.raft = new RaftNode({
      ...this.#options,
      peers: node.initial ? this.#options.peers! : [],
      id,
      random: () => this.#random,
      storage: { ...node.disk, entries: [...node.disk.entries] },
    });
    node.values = node.disk.snapshot === undefined ? [] : JSON.parse(decoder.decode(node.disk.snapshot.data));
  }

  #node(id: string): ScenarioNode {
    const node = this.#nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  #raft(id: string): RaftNode {
    const raft = this.#node(id).raft;
    if (raft === undefined) throw new Error(`node ${id} is down`);
    return raft;
  }

  #tick(target: string, times: number): void {
    for (let k = 0; k < times; k++) {
      for (const [id, node] of this.#nodes)
        if ((target === "*" || target === id) && node.raft) node.raft.tick();
      this.#stabilize();
    }
  }

  #partition(args: string[]): void {
    const slash = args.indexOf("/");
    const left = args.slice(0, slash);
    const right = args.slice(slash + 1);
    for (const a of left) for (const b of right) this.#blockBoth(a, b);
  }

  #blockBoth(a: NodeId, b: NodeId): void {
    this.#blocked.add(`${a}>${b}`);
    this.#blocked.add(`${b}>${a}`);
  }

  /** Handles every node's Ready (persist, queue messages, apply), then delivers the queue once. */
  #deliver(): boolean {
    let busy = false;
    for (const node of this.#nodes.values()) {
      const raft = node.raft;
      if (raft === undefined || !raft.hasReady()) continue;
      busy = true;
      const ready = raft.ready();
      if (ready.snapshot !== undefined) {
        node.disk.snapshot = ready.snapshot;
        node.disk.entries = [];
        node.values = JSON.parse(decoder.decode(ready.snapshot.data));
      }
      const first = ready.entries[0];
      if (first !== undefined) {
        node.disk.entries.length = first.index - (node.disk.snapshot?.index ?? 0) - 1;
        node.disk.entries.push(...ready.entries);
      }
      if (ready.hardState !== undefined) node.disk.hardState = ready.hardState;
      for (const message of ready.messages) {
        if (message.type === "appendResponse" && !message.success) node.rejections++;
        this.#queue.push(message);
      }
      for (const entry of ready.committedEntries) {
        if (entry.kind === "command") node.values.push(decoder.decode(entry.data));
      }
      for (const read of ready.readStates) node.reads.push(`${read.requestId}@${read.index}`);
      node.abandoned.push(...ready.abandonedReads);
      raft.advance(ready);
    }
    const queue = this.#queue;
    this.#queue = [];
    for (const message of queue) {
      busy = true;
      if (this.#blocked.has(`${message.from}>${message.to}`)) continue;
      this.#node(message.to).raft?.step(message);
    }
    return busy;
  }

  #stabilize(): void {
    for (let round = 0; round < maxStabilizeRounds; round++) if (!this.#deliver()) return;
    throw new Error(`not stable after ${maxStabilizeRounds} rounds`);
  }

  #compact(id: string): void {
    const node = this.#node(id);
    const raft = this.#raft(id);
    const index = raft.status().appliedIndex;
    const data = encoder.encode(JSON.stringify(node.values));
    node.disk.snapshot = { index, term: raft.termAt(index)!, config: raft.configurationAt(index)!, data };
    node.disk.entries = node.disk.entries.filter((entry) => entry.index > index);
    raft.compact(index, data);
  }

  #expectResult(
    result: { ok: boolean; code?: string; leaderHint?: NodeId | undefined },
    args: string[],
  ): void {
    const arrow = args.indexOf("->");
    if (arrow < 0) return;
    const actual = result.ok
      ? "ok"
      : result.code === "NotLeader"
        ? `NotLeader(${result.leaderHint ?? ""})`
        : String(result.code);
    if (actual !== args[arrow + 1]) throw new Error(`expected ${args[arrow + 1]}, got ${actual}`);
  }

  #expect(id: string, pairs: string[]): void {
    const node = this.#node(id);
    for (const pair of pairs) {
      const [key, expected = ""] = pair.split("=") as [string, string?];
      const actual = this.#observe(node, key);
      if (actual !== expected) throw new Error(`${id} ${key}: expected "${expected}", got "${actual}"`);
    }
  }

  #observe(node: ScenarioNode, key: string): string {
    if (key === "values") return node.values.join(",");
    if (key === "reads") return node.reads.join(",");
    if (key === "abandoned") return node.abandoned.join(",");
    if (key === "rejections") return String(node.rejections);
    if (key === "up") return String(node.raft !== undefined);
    const raft = node.raft;
    if (raft === undefined) throw new Error("node is down");
    const status = raft.status();
    switch (key) {
      case "role":
        return status.role;
      case "term":
        return String(status.term);
      case "lead":
        return status.leaderId ?? "";
      case "commit":
        return String(status.commitIndex);
      case "applied":
        return String(status.appliedIndex);
      case "last":
        return String(status.lastIndex);
      case "snapshot":
        return String(status.snapshotIndex);
      case "voters":
        return status.voters.join(",");
      case "learners":
        return status.learners.join(",");
      case "log": {
        const terms: string[] = [];
        for (let index = status.firstIndex; index <= status.lastIndex; index++) {
          terms.push(`${index}/${raft.termAt(index)}`);
        }
        return terms.join(",");
      }
      default:
        throw new Error(`unknown key ${key}`);
    }
  }
}
