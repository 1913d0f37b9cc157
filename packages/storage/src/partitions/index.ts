export * from "./hash.js";
export * from "./item-key.js";
export * from "./key-encoding.js";
export * from "./partition-map.js";
