export * from "./change-record.js";
export * from "./item-location.js";
export * from "./item-store.js";
export * from "./sort-range.js";
export * from "./storage-engine.js";
export * from "./table-record.js";
export * from "./write-transaction.js";
