/** Attribute values: their wire types, numbers, ordering, sizes and validation. */
export * from "./compare.js";
export * from "./number.js";
export * from "./size.js";
export type * from "./types.js";
export * from "./validate.js";
