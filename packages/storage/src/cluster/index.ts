/** The replicated store: storage nodes, request routers and the one-machine topology. */
export * from "./errors.js";
export { type LocalClusterOptions, maxLocalZones, serveLocalCluster } from "./local-cluster.js";
export { maxPartitionGroups, metaGroup, partitionGroupName } from "./partition-groups.js";
export { type Router, type RouterOptions, startRouter } from "./router.js";
export {
  defaultPartitions,
  defaultTickMs,
  type GroupStatus,
  type NodeStatus,
  type StorageNode,
  type StorageNodeOptions,
  startStorageNode,
} from "./storage-node.js";
