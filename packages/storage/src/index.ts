export * from "./errors.js";
export * from "./values/types.js";
