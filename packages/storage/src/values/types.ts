/**
 * DynamoDB attribute values exactly as they travel on the JSON 1.0 wire: one key naming the type.
 * Numbers stay decimal strings (never JavaScript floats) and binaries stay base64 strings.
 */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: AttributeValue[] }
  | { M: Record<string, AttributeValue> }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };

/** The type descriptors DynamoDB uses: `S`, `N`, `B`, `BOOL`, `NULL`, `L`, `M`, `SS`, `NS`, `BS`. */
export type AttributeType = "S" | "N" | "B" | "BOOL" | "NULL" | "L" | "M" | "SS" | "NS" | "BS";

/** An item: attribute name to value. */
export type Item = Record<string, AttributeValue>;

/** Key attributes may only be scalars of these types. */
export type KeyAttributeType = "S" | "N" | "B";
