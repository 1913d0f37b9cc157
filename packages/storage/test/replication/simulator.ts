/**
 * A deterministic simulation of one Raft replication group: real `RaftNode`s over a fake network (loss,
 * delay, reordering, duplication, symmetric and asymmetric partitions) and fake disks (a `Ready` is
 * durable only once its simulated fsync completes; a power loss drops what was not yet durable, a
 * process crash does not), with clients proposing and reading throughout. Every step checks Raft's
 * safety properties; after the fault phase the network heals, every node restarts, and every write a
 * client was told is committed must be applied everywhere within a bounded number of steps.
 *
 * An operator changes the membership during the fault phase the way the cluster heals a group: add a
 * new node as a learner, promote it once it caught up, remove a (preferably crashed) voter, in either
 * order. Removed nodes keep running, as a forgotten process would. It also asks for changes that must
 * be refused, and checks that they change nothing. Runs with both pre-vote and check-quorum off make
 * no changes: then nothing keeps a node that missed its removal from deposing leader after leader
 * (dissertation §4.2.3), and the group may never commit again.
 *
 * Everything random comes from one seed, so a failing run replays exactly from it.
 */
import {
  type ConfigChange,
  type Configuration,
  decodeConfiguration,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  RaftNode,
  type RaftOptions,
  type Ready,
  type Snapshot,
} from "../../src/replication/index.js";
import { SeededRandom } from "../partitions/seeded-random.js";

export interface SimulationOptions {
  seed: number;
  /** Members of the group. Default 3. */
  nodeCount?: number;
  /** Ticks with faults and client load. Default 3000. */
  faultSteps?: number;
  /** Maximum ticks after healing for every acknowledged write to reach every node. Default 2000. */
  healSteps?: number;
  /** Extra options for every node (for example `electionTicks`). */
  raft?: Partial<Omit<RaftOptions, "id" | "peers" | "random" | "storage">>;
}

export interface SimulationReport {
  seed: number;
  steps: number;
  acknowledgedWrites: number;
  confirmedReads: number;
  crashes: number;
  leaderTerms: number;
  snapshotsSent: number;
  messagesDelivered: number;
  /** Config entries committed. */
  configChanges: number;
  /** Nodes whose removal was committed. */
  removedNodes: number;
  refusedConfigChanges: number;
}

/** A broken safety or liveness property, with what is needed to replay it. */
export class SimulationFailure extends Error {
  constructor(
    readonly seed: number,
    readonly step: number,
    problem: string,
    trace: readonly string[],
  ) {
    super(
      `seed ${seed}, step ${step}: ${problem}\n` +
        `replay: RAFT_SEED=${seed} npx vitest run packages/storage/test/replication/simulation.test.ts\n` +
        `last events:\n  ${trace.join("\n  ")}`,
    );
    this.name = "SimulationFailure";
  }
}

interface FaultProfile {
  lossRate: number;
  duplicateRate: number;
  maxDelayTicks: number;
  crashRate: number;
  partitionRate: number;
  proposeRate: number;
  readRate: number;
  /** Upper bound of each node's clock drift: the share of ticks it misses. */
  maxTickSkipRate: number;
  maxFsyncTicks: number;
  compactAfterEntries: number;
  /** Probability that a crash or an isolation hits the leader rather than a random node. */
  leaderTargetRate: number;
  /** Probability per tick that the operator asks the leader for the next membership change. */
  membershipRate: number;
  /** Whether a replacement adds the new node before removing the old one, or the other way round. */
  replaceOrder: "addFirst" | "removeFirst";
  /** Bounds and timings varied per seed, so that flow control and batching paths run too. */
  raft: Partial<RaftOptions>;
}

interface Disk {
  hardState: HardState | undefined;
  snapshot: Snapshot | undefined;
  entries: Entry[];
}

/** The replicated state machine: how many entries it has applied and a digest of the commands. */
interface Machine {
  index: number;
  digest: number;
}

interface SimNode {
  readonly id: NodeId;
  /** Whether the node was one of the group's initial voters (else it joined with `peers: []`). */
  readonly initialMember: boolean;
  readonly random: SeededRandom;
  /** This node's clock drift: the share of ticks it misses. */
  readonly tickSkipRate: number;
  raft: RaftNode | undefined;
  disk: Disk;
  machine: Machine;
  pending: { ready: Ready; durableAt: number } | undefined;
  restartAt: number;
  /** Highest commit index whose entries the checker has compared with the committed record. */
  commitChecked: number;
}

interface InFlight {
  readonly message: Message;
  readonly deliverAt: number;
  readonly order: number;
}

const traceLength = 40;
const longDelayRate = 0.02;
const longDelayTicks = 30;
const maxCrashDownTicks = 60;
/** Nodes the operator may add to a group in one run. */
const maxAddedNodes = 4;
/** Share of the operator's requests that are changes the leader must refuse. */
const refusedChangeRate = 0.15;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export function runSimulation(options: SimulationOptions): SimulationReport {
  return new Simulation(options).run();
}

class Simulation {
  readonly #seed: number;
  readonly #random: SeededRandom;
  readonly #profile: FaultProfile;
  readonly #nodes: SimNode[];
  /** Every node that ever ran, members or not. */
  readonly #ids: NodeId[];
  readonly #initialIds: readonly NodeId[];
  readonly #faultSteps: number;
  readonly #healSteps: number;
  readonly #raftOptions: SimulationOptions["raft"];
  #now = 0;
  #healing = false;
  #network: InFlight[] = [];
  #messageOrder = 0;
  readonly #blocked = new Set<string>();
  readonly #trace: string[] = [];
  /** The node a client tried last and found leading, as a request router caches it. */
  #cachedLeader: NodeId | undefined;

  // What the checker knows, across all nodes.
  readonly #leaderOfTerm = new Map<number, NodeId>();
  /** `${index}/${term}` → content key and the term of the entry before it (Log Matching). */
  readonly #entryRecord = new Map<string, { key: string; previousTerm: number }>();
  /**
   * index → `${term}/${content}` of the committed entry (State Machine Safety), and the lowest term in
   * which a node knew it committed: it was committed in that term or earlier.
   */
  readonly #committed = new Map<number, { value: string; term: number }>();
  #highestCommitted = 0;
  /** index → digest of the state machine after applying up to it. */
  readonly #digestAt = new Map<number, number>();
  /** `${index}/${term}` → value of a proposal a leader accepted. */
  readonly #proposals = new Map<string, string>();
  readonly #acknowledged = new Map<string, { index: number; term: number }>();
  #highestAppliedAnywhere = 0;
  readonly #readFloor = new Map<string, number>();
  /** Per leader and term: committed indices already verified to be in its log (Leader Completeness). */
  readonly #leaderChecked = new Map<string, number>();
  #proposalCount = 0;
  #readCount = 0;
  #confirmedReads = 0;
  #crashes = 0;
  #addedNodes = 0;
  /**
   * The operator asks a new leader at once and, refused with `TermNotCommitted`, again on every tick,
   * as a healer loop would: changes then land right at the start of a term, where the rule matters.
   */
  #retryChange = false;
  #operatorTerm = 0;
  #refusedConfigChanges = 0;
  /** Committed configurations by index; index 0 holds the initial one. */
  readonly #committedConfigs = new Map<number, Configuration>();
  /** Nodes that were in a committed configuration and are not in a later one. */
  readonly #removed = new Set<NodeId>();
  #snapshotsSent = 0;
  #messagesDelivered = 0;

  constructor(options: SimulationOptions) {
    this.#seed = options.seed;
    this.#random = new SeededRandom(options.seed);
    this.#faultSteps = options.faultSteps ?? 3000;
    this.#healSteps = options.healSteps ?? 2000;
    this.#raftOptions = options.raft;
    const r = this.#random;
    // Raft needs message delays well under the election timeout: long delays only with the long timeout.
    const maxDelayTicks = r.pick([1, 2, 4]);
    this.#profile = {
      lossRate: r.pick([0, 0.01, 0.05, 0.2]),
      duplicateRate: r.pick([0, 0.02, 0.1]),
      maxDelayTicks,
      crashRate: r.pick([0, 0.002, 0.005, 0.02]),
      partitionRate: r.pick([0.002, 0.005, 0.02, 0.05]),
      proposeRate: r.pick([0.1, 0.3, 0.8]),
      readRate: r.pick([0, 0.05, 0.2]),
      maxTickSkipRate: r.pick([0, 0.1, 0.3]),
      maxFsyncTicks: r.pick([0, 1, 3]),
      compactAfterEntries: r.pick([5, 20, 100]),
      leaderTargetRate: r.pick([0, 0.5, 0.9]),
      membershipRate: r.pick([0, 0.005, 0.02, 0.1]),
      replaceOrder: r.pick(["addFirst", "removeFirst"] as const),
      raft: {
        electionTicks: maxDelayTicks <= 2 ? r.pick([6, 10]) : 10,
        heartbeatTicks: r.pick([1, 1, 2]),
        maxEntriesPerAppend: r.pick([1, 3, 64]),
        maxInflightAppends: r.pick([1, 2, 64]),
        maxUncommittedEntries: r.pick([8, 64, 256]),
        // Safety must not depend on them; without check-quorum a cut-off leader lingers for long.
        preVote: r.next() < 0.8,
        checkQuorum: r.next() < 0.8,
      },
    };
    if (!this.#profile.raft.preVote && !this.#profile.raft.checkQuorum) this.#profile.membershipRate = 0;
    const count = options.nodeCount ?? 3;
    this.#initialIds = Array.from({ length: count }, (_, k) => String.fromCharCode(97 + k));
    this.#ids = [...this.#initialIds];
    this.#committedConfigs.set(0, { voters: this.#initialIds, learners: [] });
    this.#nodes = this.#ids.map((id) => this.#newNode(id, true));
    for (const node of this.#nodes) this.#start(node);
  }

  #newNode(id: NodeId, initialMember: boolean): SimNode {
    const k = id.charCodeAt(0) - 97;
    return {
      id,
      initialMember,
      random: new SeededRandom((this.#seed * 7919 + k * 104729) >>> 0),
      tickSkipRate: this.#random.next() * this.#profile.maxTickSkipRate,
      raft: undefined,
      disk: { hardState: undefined, snapshot: undefined, entries: [] },
      machine: { index: 0, digest: 0 },
      pending: undefined,
      restartAt: 0,
      commitChecked: 0,
    };
  }

  run(): SimulationReport {
    for (; this.#now < this.#faultSteps; this.#now++) this.#step();
    this.#heal();
    const healEnd = this.#now + this.#healSteps;
    for (; this.#now < healEnd; this.#now++) {
      this.#step();
      if (this.#converged()) {
        this.#checkAcknowledgedWrites();
        return this.#report();
      }
    }
    this.#fail(`no convergence within ${this.#healSteps} steps after healing: ${this.#describeNodes()}`);
  }

  #report(): SimulationReport {
    return {
      seed: this.#seed,
      steps: this.#now,
      acknowledgedWrites: this.#acknowledged.size,
      confirmedReads: this.#confirmedReads,
      crashes: this.#crashes,
      leaderTerms: this.#leaderOfTerm.size,
      snapshotsSent: this.#snapshotsSent,
      messagesDelivered: this.#messagesDelivered,
      configChanges: this.#committedConfigs.size - 1,
      removedNodes: this.#removed.size,
      refusedConfigChanges: this.#refusedConfigChanges,
    };
  }

  #step(): void {
    if (!this.#healing) this.#injectFaults();
    for (const node of this.#nodes) {
      if (node.raft === undefined && node.restartAt <= this.#now) this.#start(node);
    }
    this.#deliverMessages();
    for (const node of this.#nodes) {
      if (node.raft !== undefined && this.#random.next() >= node.tickSkipRate) {
        this.#guard(node, () => node.raft!.tick());
      }
    }
    if (!this.#healing) this.#runClients();
    for (const node of this.#nodes) this.#handleReady(node);
    for (const node of this.#nodes) this.#maybeCompact(node);
    this.#checkSafety();
  }

  // ---- faults ----

  #injectFaults(): void {
    const r = this.#random;
    if (r.next() < this.#profile.partitionRate) this.#repartition();
    if (r.next() < this.#profile.crashRate) {
      const node = this.#pickTarget();
      if (node.raft !== undefined) this.#crash(node, r.next() < 0.5);
    }
    if (this.#profile.membershipRate > 0 && (this.#retryChange || this.#leaderChanged())) {
      this.#changeMembership();
    } else if (r.next() < this.#profile.membershipRate) {
      this.#changeMembership();
    }
  }

  // ---- the operator: membership changes ----

  #leaderChanged(): boolean {
    const term = this.#newestLeader()?.term ?? 0;
    if (term <= this.#operatorTerm) return false;
    this.#operatorTerm = term;
    return true;
  }

  #changeMembership(): void {
    const leader = this.#newestLeader();
    if (leader === undefined) return;
    if (this.#random.next() < refusedChangeRate) {
      this.#askRefusedChange(leader);
      return;
    }
    const change = this.#nextChange(leader);
    if (change === undefined) return;
    const result = leader.proposeConfigChange(change);
    this.#retryChange = !result.ok && result.code === "TermNotCommitted";
    this.#note(
      `${leader.id} ${change.type} ${change.node}: ${result.ok ? `ok at ${result.index}` : result.code}`,
    );
    if (result.ok && change.type === "addLearner") {
      const node = this.#newNode(change.node, false);
      this.#ids.push(node.id);
      this.#nodes.push(node);
      this.#addedNodes++;
      this.#start(node);
    }
  }

  /** The next step of a replacement, as the cluster would take it; undefined while it must wait. */
  #nextChange(leader: RaftNode): ConfigChange | undefined {
    const status = leader.status();
    const learner = status.learners[0];
    if (learner !== undefined) {
      const progress = status.followers.find((follower) => follower.id === learner);
      const caughtUp = progress !== undefined && progress.match >= status.commitIndex;
      return caughtUp ? { type: "promoteLearner", node: learner } : undefined;
    }
    const target = this.#initialIds.length;
    const addLearner = (): ConfigChange | undefined =>
      this.#addedNodes < maxAddedNodes
        ? { type: "addLearner", node: String.fromCharCode(97 + this.#ids.length) }
        : undefined;
    if (status.voters.length > target) return this.#removeVictim(leader);
    if (status.voters.length < target) return addLearner();
    if (this.#addedNodes >= maxAddedNodes) return undefined;
    return this.#profile.replaceOrder === "addFirst" ? addLearner() : this.#removeVictim(leader);
  }

  /** Removes a crashed voter if there is one, else another voter than the leader. */
  #removeVictim(leader: RaftNode): ConfigChange | undefined {
    const others = leader.status().voters.filter((id) => id !== leader.id);
    if (others.length === 0) return undefined;
    const down = others.filter((id) => this.#nodes.find((node) => node.id === id)?.raft === undefined);
    return { type: "removeNode", node: this.#random.pick(down.length > 0 ? down : others) };
  }

  /** Asks for a change that cannot apply; the leader must refuse it and append nothing. */
  #askRefusedChange(leader: RaftNode): void {
    const status = leader.status();
    const voter = this.#random.pick(status.voters);
    const [change, expected] = this.#random.pick<[ConfigChange, string]>([
      [{ type: "promoteLearner", node: voter }, "NotLearner"],
      [{ type: "addLearner", node: voter }, "AlreadyMember"],
      [{ type: "removeNode", node: leader.id }, status.voters.length === 1 ? "LastVoter" : "RemovingLeader"],
      [{ type: "removeNode", node: "unknown" }, "NotMember"],
    ]);
    const result = leader.proposeConfigChange(change);
    const allowed = [expected, "TermNotCommitted", "ConfigChangeInProgress"];
    if (result.ok || !allowed.includes(result.code)) {
      this.#fail(`${leader.id} answered ${change.type} ${change.node} with ${JSON.stringify(result)}`);
    }
    if (leader.status().lastIndex !== status.lastIndex) this.#fail(`a refused change was appended`);
    this.#refusedConfigChanges++;
  }

  /** A random node, or (as often as the profile says) a node that believes it leads. */
  #pickTarget(): SimNode {
    const leaders = this.#nodes.filter((node) => node.raft?.role === "leader");
    if (leaders.length > 0 && this.#random.next() < this.#profile.leaderTargetRate)
      return this.#random.pick(leaders);
    return this.#random.pick(this.#nodes);
  }

  #repartition(): void {
    const r = this.#random;
    this.#blocked.clear();
    const kind = r.pick(["heal", "isolate", "split", "cannot-receive", "cannot-send", "cut-link"] as const);
    const node = this.#pickTarget().id;
    if (kind === "isolate") {
      for (const other of this.#ids) this.#blockBoth(node, other);
    } else if (kind === "split") {
      const shuffled = [...this.#ids].sort(() => r.next() - 0.5);
      const minority = shuffled.slice(0, r.integer(1, Math.floor(this.#ids.length / 2)));
      for (const a of minority) for (const b of this.#ids) if (!minority.includes(b)) this.#blockBoth(a, b);
    } else if (kind === "cannot-receive") {
      for (const other of this.#ids) this.#blocked.add(`${other}>${node}`);
    } else if (kind === "cannot-send") {
      for (const other of this.#ids) this.#blocked.add(`${node}>${other}`);
    } else if (kind === "cut-link") {
      this.#blocked.add(`${node}>${r.pick(this.#ids.filter((id) => id !== node))}`);
    }
    this.#note(`network ${kind} ${kind === "heal" ? "" : node} blocked=[${[...this.#blocked].join(",")}]`);
  }

  #blockBoth(a: NodeId, b: NodeId): void {
    this.#blocked.add(`${a}>${b}`);
    this.#blocked.add(`${b}>${a}`);
  }

  /** A power loss drops the `Ready` whose fsync had not completed; a process crash lets it finish. */
  #crash(node: SimNode, powerLoss: boolean): void {
    if (node.pending !== undefined && !powerLoss) this.#writeToDisk(node, node.pending.ready);
    node.pending = undefined;
    node.raft = undefined;
    node.restartAt = this.#now + 1 + this.#random.integer(0, maxCrashDownTicks);
    this.#crashes++;
    this.#note(`crash ${node.id} (${powerLoss ? "power loss" : "process"})`);
  }

  #start(node: SimNode): void {
    const disk = node.disk;
    node.raft = new RaftNode({
      ...this.#profile.raft,
      ...this.#raftOptions,
      id: node.id,
      peers: node.initialMember ? this.#initialIds : [],
      random: () => node.random.next(),
      storage: { hardState: disk.hardState, snapshot: disk.snapshot, entries: [...disk.entries] },
    });
    node.machine = disk.snapshot === undefined ? { index: 0, digest: 0 } : decodeMachine(disk.snapshot.data);
    node.commitChecked = disk.snapshot?.index ?? 0;
    if (this.#now > 0) this.#note(`restart ${node.id} at term ${node.raft.term}`);
  }

  #heal(): void {
    this.#healing = true;
    this.#blocked.clear();
    this.#profile.lossRate = 0;
    for (const node of this.#nodes) if (node.raft === undefined) this.#start(node);
    this.#note("healed: network whole, every node up, no more faults or client load");
  }

  // ---- network ----

  #send(message: Message): void {
    const r = this.#random;
    if (r.next() < this.#profile.lossRate) return;
    const copies = r.next() < this.#profile.duplicateRate ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      const delay =
        r.next() < longDelayRate ? r.integer(1, longDelayTicks) : r.integer(1, this.#profile.maxDelayTicks);
      this.#network.push({ message, deliverAt: this.#now + delay, order: this.#messageOrder++ });
    }
    if (message.type === "snapshot") this.#snapshotsSent++;
  }

  #deliverMessages(): void {
    const due: InFlight[] = [];
    const later: InFlight[] = [];
    for (const flight of this.#network) (flight.deliverAt <= this.#now ? due : later).push(flight);
    this.#network = later;
    due.sort((a, b) => a.deliverAt - b.deliverAt || a.order - b.order);
    for (const { message } of due) {
      if (this.#blocked.has(`${message.from}>${message.to}`)) continue;
      const node = this.#nodes.find((candidate) => candidate.id === message.to)!;
      if (node.raft === undefined) continue;
      this.#messagesDelivered++;
      this.#guard(node, () => node.raft!.step(message));
    }
  }

  // ---- clients ----

  #runClients(): void {
    const r = this.#random;
    if (r.next() < this.#profile.proposeRate) this.#propose();
    if (r.next() < this.#profile.readRate) this.#read();
  }

  /**
   * A client asks the node its router last found leading (or a random one) and follows one not-leader
   * hint, as a request router would; so a deposed leader that has not noticed yet keeps getting asked.
   */
  #findLeader(): RaftNode | undefined {
    const cached = this.#nodes.find((node) => node.id === this.#cachedLeader)?.raft;
    const first = cached ?? this.#random.pick(this.#nodes).raft;
    if (first === undefined) return undefined;
    const leader =
      first.role === "leader" ? first : this.#nodes.find((node) => node.id === first.leaderId)?.raft;
    this.#cachedLeader = leader?.role === "leader" ? leader.id : undefined;
    return leader?.role === "leader" ? leader : undefined;
  }

  #propose(): void {
    const leader = this.#findLeader();
    if (leader === undefined) return;
    const value = `v${++this.#proposalCount}`;
    const result = leader.propose(textEncoder.encode(value));
    if (result.ok) this.#proposals.set(`${result.index}/${result.term}`, value);
  }

  #read(): void {
    const leader = this.#findLeader();
    if (leader === undefined) return;
    const requestId = `r${++this.#readCount}`;
    // Linearizability: the read must reflect every write completed before it was issued.
    if (leader.readIndex(requestId).ok) this.#readFloor.set(requestId, this.#highestAppliedAnywhere);
  }

  // ---- the Ready loop, with a disk whose fsync takes time ----

  #handleReady(node: SimNode): void {
    const raft = node.raft;
    if (raft === undefined) return;
    if (node.pending !== undefined && node.pending.durableAt <= this.#now) this.#completeReady(node);
    if (node.pending !== undefined || !raft.hasReady()) return;
    const ready = raft.ready();
    this.#checkNewEntries(node, ready);
    node.pending = { ready, durableAt: this.#now + this.#random.integer(0, this.#profile.maxFsyncTicks) };
    if (node.pending.durableAt <= this.#now) this.#completeReady(node);
  }

  #completeReady(node: SimNode): void {
    const { ready } = node.pending!;
    node.pending = undefined;
    this.#writeToDisk(node, ready);
    for (const message of ready.messages) this.#send(message);
    if (ready.snapshot !== undefined) this.#installSnapshot(node, ready.snapshot);
    for (const entry of ready.committedEntries) this.#apply(node, entry);
    for (const read of ready.readStates) {
      const floor = this.#readFloor.get(read.requestId);
      if (floor === undefined) this.#fail(`${node.id} confirmed unknown read ${read.requestId}`);
      if (read.index < floor) {
        this.#fail(
          `${node.id} confirmed read ${read.requestId} at ${read.index}, but ${floor} was already applied`,
        );
      }
      this.#readFloor.delete(read.requestId);
      this.#confirmedReads++;
    }
    for (const requestId of ready.abandonedReads) this.#readFloor.delete(requestId);
    this.#guard(node, () => node.raft!.advance(ready));
  }

  #writeToDisk(node: SimNode, ready: Ready): void {
    const disk = node.disk;
    if (ready.snapshot !== undefined) {
      disk.snapshot = ready.snapshot;
      disk.entries = [];
    }
    const first = ready.entries[0];
    if (first !== undefined) {
      const base = disk.snapshot?.index ?? 0;
      if (first.index <= base || first.index > base + disk.entries.length + 1) {
        this.#fail(`${node.id} was told to write entry ${first.index} after ${base + disk.entries.length}`);
      }
      disk.entries.length = first.index - base - 1;
      disk.entries.push(...ready.entries);
    }
    if (ready.hardState !== undefined) disk.hardState = ready.hardState;
  }

  #installSnapshot(node: SimNode, snapshot: Snapshot): void {
    const machine = decodeMachine(snapshot.data);
    if (machine.index !== snapshot.index)
      this.#fail(`${node.id} got a snapshot mislabelled ${snapshot.index}`);
    this.#checkDigest(node, machine);
    node.machine = machine;
  }

  #apply(node: SimNode, entry: Entry): void {
    if (entry.index !== node.machine.index + 1) {
      this.#fail(`${node.id} applied entry ${entry.index} after ${node.machine.index}`);
    }
    const content = entryContent(entry);
    this.#recordCommitted(node, entry.index, `${entry.term}/${content}`);
    const digest = entry.kind === "command" ? mix(node.machine.digest, content) : node.machine.digest;
    node.machine = { index: entry.index, digest };
    this.#checkDigest(node, node.machine);
    this.#highestAppliedAnywhere = Math.max(this.#highestAppliedAnywhere, entry.index);
    const key = `${entry.index}/${entry.term}`;
    const proposed = this.#proposals.get(key);
    if (proposed !== undefined && proposed === content) this.#acknowledged.set(proposed, entry);
  }

  #maybeCompact(node: SimNode): void {
    const raft = node.raft;
    if (raft === undefined) return;
    const index = node.machine.index;
    const snapshotIndex = raft.status().snapshotIndex;
    if (index - snapshotIndex < this.#profile.compactAfterEntries || this.#random.next() >= 0.3) return;
    const config = raft.configurationAt(index);
    if (config === undefined) return;
    // The snapshot must be durable before the log is cut.
    const snapshot: Snapshot = {
      index,
      term: raft.termAt(index)!,
      config,
      data: encodeMachine(node.machine),
    };
    node.disk.snapshot = snapshot;
    node.disk.entries = node.disk.entries.filter((entry) => entry.index > index);
    this.#guard(node, () => raft.compact(index, snapshot.data));
  }

  // ---- checks ----

  /** Log Matching: one content per (index, term), always preceded by the same term. */
  #checkNewEntries(node: SimNode, ready: Ready): void {
    const raft = node.raft!;
    let previousTerm = ready.entries.length > 0 ? raft.termAt(ready.entries[0]!.index - 1) : 0;
    for (const entry of ready.entries) {
      if (previousTerm === undefined || entry.term < previousTerm) {
        this.#fail(
          `${node.id} log has entry ${entry.index} at term ${entry.term} after term ${previousTerm}`,
        );
      }
      const key = `${entry.index}/${entry.term}`;
      const record = { key: entryContent(entry), previousTerm };
      const known = this.#entryRecord.get(key);
      if (known === undefined) this.#entryRecord.set(key, record);
      else if (known.key !== record.key || known.previousTerm !== record.previousTerm) {
        this.#fail(
          `Log Matching: ${node.id} has ${key} = ${record.key} after term ${previousTerm}; known ${known.key} after ${known.previousTerm}`,
        );
      }
      previousTerm = entry.term;
    }
  }

  #recordCommitted(node: SimNode, index: number, value: string): void {
    const term = node.raft!.term;
    const known = this.#committed.get(index);
    if (known === undefined) {
      this.#committed.set(index, { value, term });
      this.#highestCommitted = Math.max(this.#highestCommitted, index);
      if (value.includes(configMark)) this.#recordCommittedConfig(index, value);
    } else if (known.value !== value) {
      this.#fail(
        `State Machine Safety: ${node.id} has ${value} committed at ${index}, another node ${known.value}`,
      );
    } else if (term < known.term) {
      known.term = term;
    }
  }

  #recordCommittedConfig(index: number, value: string): void {
    const config = parseConfigContent(value.slice(value.indexOf(configMark) + configMark.length));
    this.#committedConfigs.set(index, config);
    const ordered = [...this.#committedConfigs].sort(([a], [b]) => a - b);
    for (let k = 1; k < ordered.length; k++) {
      const [, before] = ordered[k - 1]!;
      const [, after] = ordered[k]!;
      for (const id of [...before.voters, ...before.learners]) {
        if (!after.voters.includes(id) && !after.learners.includes(id) && !this.#removed.has(id)) {
          this.#removed.add(id);
          this.#note(`removal of ${id} committed at ${ordered[k]![0]}`);
        }
      }
    }
  }

  /** The committed configuration at `index`, from the committed config entries the checker saw. */
  #expectedConfigAt(index: number): Configuration {
    let found = 0;
    for (const at of this.#committedConfigs.keys()) if (at <= index && at > found) found = at;
    return this.#committedConfigs.get(found)!;
  }

  /** Configurations agree at equal committed indexes, and match the committed config entries. */
  #checkConfiguration(node: SimNode, raft: RaftNode, commitIndex: number): void {
    const config = raft.configurationAt(commitIndex);
    if (config === undefined) return;
    const expected = this.#expectedConfigAt(commitIndex);
    if (configKey(config) !== configKey(expected)) {
      this.#fail(
        `${node.id} has configuration ${configKey(config)} at commit ${commitIndex}, the committed one is ${configKey(expected)}`,
      );
    }
  }

  #checkDigest(node: SimNode, machine: Machine): void {
    const known = this.#digestAt.get(machine.index);
    if (known === undefined) this.#digestAt.set(machine.index, machine.digest);
    else if (known !== machine.digest) {
      this.#fail(`State Machine Safety: ${node.id} state at ${machine.index} differs from another node's`);
    }
  }

  #checkSafety(): void {
    for (const node of this.#nodes) {
      const raft = node.raft;
      if (raft === undefined) continue;
      const status = raft.status();
      // Every committed entry any node knows of is recorded and agreed on.
      for (
        let index = Math.max(node.commitChecked, status.snapshotIndex) + 1;
        index <= status.commitIndex;
        index++
      ) {
        const entry = raft.entryAt(index)!;
        this.#recordCommitted(node, index, `${entry.term}/${entryContent(entry)}`);
      }
      if (status.commitIndex > node.commitChecked) this.#checkConfiguration(node, raft, status.commitIndex);
      node.commitChecked = Math.max(node.commitChecked, status.commitIndex);
      if (status.role === "leader") this.#checkLeader(node, raft);
    }
  }

  /** Election Safety and Leader Completeness. */
  #checkLeader(node: SimNode, raft: RaftNode): void {
    const term = raft.term;
    const known = this.#leaderOfTerm.get(term);
    if (known === undefined) {
      this.#leaderOfTerm.set(term, node.id);
      this.#note(`${node.id} leads term ${term}`);
      if (this.#removed.has(node.id))
        this.#fail(`${node.id} became leader of term ${term} after its removal`);
      if (!raft.status().voters.includes(node.id))
        this.#fail(`${node.id} leads term ${term} but is no voter`);
    } else if (known !== node.id) {
      this.#fail(`Election Safety: ${node.id} and ${known} both lead term ${term}`);
    }
    const key = `${node.id}/${term}`;
    const snapshotIndex = raft.status().snapshotIndex;
    for (
      let index = Math.max(this.#leaderChecked.get(key) ?? 0, snapshotIndex) + 1;
      index <= this.#highestCommitted;
      index++
    ) {
      // Only entries committed in an earlier term bind this leader; a deposed leader that has not
      // noticed yet may lack what its successor committed.
      const committed = this.#committed.get(index);
      if (committed === undefined || committed.term >= term) continue;
      const entry = raft.entryAt(index);
      if (entry === undefined || `${entry.term}/${entryContent(entry)}` !== committed.value) {
        this.#fail(
          `Leader Completeness: leader ${node.id} of term ${term} lacks committed entry ${index} (${committed.value})`,
        );
      }
    }
    this.#leaderChecked.set(key, Math.max(this.#leaderChecked.get(key) ?? 0, this.#highestCommitted));
  }

  /** Whether the newest leader has committed its whole log and every member has applied it. */
  #converged(): boolean {
    const leader = this.#newestLeader();
    if (leader === undefined) return false;
    const target = leader.status().lastIndex;
    if (leader.status().commitIndex !== target) return false;
    return this.#members(leader).every((node) => node.machine.index === target);
  }

  #newestLeader(): RaftNode | undefined {
    let newest: RaftNode | undefined;
    for (const node of this.#nodes) {
      const raft = node.raft;
      if (raft?.role === "leader" && (newest === undefined || raft.term > newest.term)) newest = raft;
    }
    return newest;
  }

  /** The nodes of the leader's configuration; removed nodes and never-admitted joiners are left out. */
  #members(leader: RaftNode): SimNode[] {
    const { voters, learners } = leader.status();
    return this.#nodes.filter((node) => voters.includes(node.id) || learners.includes(node.id));
  }

  /** Liveness after healing: every acknowledged write is in every member's state. */
  #checkAcknowledgedWrites(): void {
    const members = this.#members(this.#newestLeader()!);
    for (const [value, { index, term }] of this.#acknowledged) {
      const committed = this.#committed.get(index)?.value;
      if (committed !== `${term}/${value}`) {
        this.#fail(`acknowledged write ${value} at ${index}/${term} was replaced by ${committed}`);
      }
      for (const node of members) {
        if (node.machine.index < index) this.#fail(`${node.id} never applied acknowledged write ${value}`);
      }
    }
    const digests = new Set(members.map((node) => node.machine.digest));
    if (digests.size !== 1) this.#fail(`nodes converged to different states: ${this.#describeNodes()}`);
  }

  // ---- plumbing ----

  /** Runs a node operation; an exception thrown by the node is a failure of the run. */
  #guard(node: SimNode, operation: () => void): void {
    try {
      operation();
    } catch (error) {
      if (error instanceof SimulationFailure) throw error;
      this.#fail(`${node.id} threw ${(error as Error).stack ?? error}`);
    }
  }

  #note(event: string): void {
    this.#trace.push(`[${this.#now}] ${event}`);
    if (this.#trace.length > traceLength) this.#trace.shift();
  }

  #describeNodes(): string {
    return this.#nodes
      .map((node) => {
        const status = node.raft?.status();
        if (status === undefined) return `${node.id}: down`;
        return `${node.id}: ${status.role} term ${status.term} commit ${status.commitIndex} last ${status.lastIndex} applied ${node.machine.index} voters ${status.voters.join(",")} learners ${status.learners.join(",")}`;
      })
      .join("; ");
  }

  #fail(problem: string): never {
    const trace = [`profile ${JSON.stringify(this.#profile)}`, ...this.#trace];
    throw new SimulationFailure(this.#seed, this.#now, problem, trace);
  }
}

const configMark = "(config)";

function entryContent(entry: Entry): string {
  if (entry.kind === "noop") return "(noop)";
  if (entry.kind === "config") return `${configMark}${configKey(decodeConfiguration(entry.data))}`;
  return textDecoder.decode(entry.data);
}

function configKey(config: Configuration): string {
  return `${config.voters.join(",")}|${config.learners.join(",")}`;
}

function parseConfigContent(key: string): Configuration {
  const [voters = "", learners = ""] = key.split("|");
  return { voters: voters.split(",").filter(Boolean), learners: learners.split(",").filter(Boolean) };
}

/** FNV-1a over the previous digest and the command, enough to tell diverging states apart. */
function mix(digest: number, content: string): number {
  let hash = (digest ^ 0x811c9dc5) >>> 0;
  for (let k = 0; k < content.length; k++) hash = Math.imul(hash ^ content.charCodeAt(k), 0x01000193) >>> 0;
  return hash;
}

function encodeMachine(machine: Machine): Uint8Array {
  return textEncoder.encode(JSON.stringify(machine));
}

function decodeMachine(data: Uint8Array): Machine {
  return JSON.parse(textDecoder.decode(data)) as Machine;
}
