/** Raft replication for one partition's group of replicas: a pure state machine driven by the caller. */
export {
  type ConfigChange,
  type ConfigChangeProblem,
  type Configuration,
  decodeConfiguration,
} from "./configuration.js";
export * from "./errors.js";
export * from "./messages.js";
export {
  defaultElectionTicks,
  defaultHeartbeatTicks,
  type RaftOptions,
  type RaftStorageState,
} from "./options.js";
export type { ProgressState } from "./progress.js";
export {
  type ConfigChangeRefusalCode,
  type ConfigChangeResult,
  type FollowerStatus,
  type ProposeResult,
  RaftNode,
  type RaftRefusal,
  type RaftRole,
  type RaftStatus,
  type ReadIndexResult,
} from "./raft.js";
export type { ReadState } from "./read-index.js";
export type { Ready } from "./ready.js";
