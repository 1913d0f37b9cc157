/**
 * Document paths after placeholder substitution: a top-level attribute name followed by map keys
 * (strings) and list indexes (numbers). Reads a path out of an item and prints a path the way DynamoDB
 * error messages do.
 */
import type { AttributeValue, Item } from "../values/types.js";

export type PathElement = string | number;

/** `["a", "b", 0]` is `a.b[0]`; the first element is always a name. */
export type DocumentPath = readonly PathElement[];

/** The value at `path` in `item`, or `undefined` when any step is missing or of the wrong type. */
export function readPath(item: Item | undefined, path: DocumentPath): AttributeValue | undefined {
  const [first, ...rest] = path;
  if (item === undefined || typeof first !== "string" || !Object.hasOwn(item, first)) return undefined;
  let current = item[first] as AttributeValue;
  for (const element of rest) {
    const next = childOf(current, element);
    if (next === undefined) return undefined;
    current = next;
  }
  return current;
}

/** The map entry or list element `element` of `value`, if `value` is a container that has it. */
export function childOf(value: AttributeValue, element: PathElement): AttributeValue | undefined {
  if (typeof element === "string") {
    return "M" in value && Object.hasOwn(value.M, element) ? value.M[element] : undefined;
  }
  return "L" in value ? value.L[element] : undefined;
}

/** `[a, b, [0]]`: how DynamoDB prints a path inside an error message. */
export function formatPath(path: DocumentPath): string {
  return `[${path.map((element) => (typeof element === "number" ? `[${element}]` : element)).join(", ")}]`;
}

export function pathsEqual(a: DocumentPath, b: DocumentPath): boolean {
  return a.length === b.length && a.every((element, index) => element === b[index]);
}
