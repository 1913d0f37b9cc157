/**
 * The item groups one storage node hosts: each group's replica and state machine by name, in the order
 * the node started them, and which of them owns a hash by the ranges this node has applied (the
 * narrowest range containing it: a group split off here owns its half as soon as it exists, even
 * before its parent's range is seen to shrink).
 */
import type { GroupRecord } from "./group-map.js";
import type { Replica } from "./replica.js";
import type { PartitionStateMachine } from "./state-machines.js";

export interface HostedGroup {
  /** The group as this node started it: its name and its range then, its replicas. */
  record: GroupRecord;
  replica: Replica;
  machine: PartitionStateMachine;
}

export class HostedGroups {
  readonly #groups = new Map<string, HostedGroup>();
  readonly #replicas: Replica[] = [];

  add(group: HostedGroup): void {
    if (this.#groups.has(group.record.name)) throw new Error(`group ${group.record.name} is hosted already`);
    this.#groups.set(group.record.name, group);
    this.#replicas.push(group.replica);
  }

  /** The replicas in hosting order (a live view: it grows as groups are started). */
  get replicas(): readonly Replica[] {
    return this.#replicas;
  }

  /** Stops hosting a group (healing removed this node from it); its replica must be closed already. */
  remove(name: string): HostedGroup | undefined {
    const group = this.#groups.get(name);
    if (group === undefined) return undefined;
    this.#groups.delete(name);
    this.#replicas.splice(this.#replicas.indexOf(group.replica), 1);
    return group;
  }

  has(name: string): boolean {
    return this.#groups.has(name);
  }

  get(name: string): HostedGroup | undefined {
    return this.#groups.get(name);
  }

  get size(): number {
    return this.#groups.size;
  }

  values(): IterableIterator<HostedGroup> {
    return this.#groups.values();
  }

  /** The records to persist: which groups this node hosts, each with the range it started with. */
  records(): GroupRecord[] {
    return [...this.#groups.values()].map((group) => group.record);
  }

  /** The group owning `hash` by this node's applied ranges (undefined only in a gap, which splits never leave). */
  ownerOf(hash: number): HostedGroup | undefined {
    let best: HostedGroup | undefined;
    let bestWidth = Number.POSITIVE_INFINITY;
    for (const group of this.#groups.values()) {
      const { startHash, endHash } = group.machine.range;
      if (hash < startHash || hash >= endHash || endHash - startHash >= bestWidth) continue;
      best = group;
      bestWidth = endHash - startHash;
    }
    return best;
  }
}
