/**
 * Document paths after placeholder substitution: a top-level attribute name followed by map keys
 * (strings) and list indexes (numbers). Reads a path out of an item, prints a path the way DynamoDB
 * error messages do, and finds overlapping or conflicting paths among an update's or a projection's
 * targets.
 */
import type { AttributeValue, Item } from "../values/types.js";
import { type ExpressionKind, invalidExpression } from "./expression-error.js";

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

/**
 * Rejects target paths that would touch the same data: one a prefix of another ("overlap"), or two
 * that use the same position as both a map key and a list index ("conflict"). Paths are compared in
 * the order given; the first offending pair is reported, earlier path first.
 */
export function assertDisjointPaths(kind: ExpressionKind, paths: readonly DocumentPath[]): void {
  for (let second = 1; second < paths.length; second++) {
    for (let first = 0; first < second; first++) {
      const one = paths[first] as DocumentPath;
      const two = paths[second] as DocumentPath;
      const relation = relate(one, two);
      if (relation === "disjoint") continue;
      throw invalidExpression(
        kind,
        `Two document paths ${relation} with each other; must remove or rewrite one of these paths; ` +
          `path one: ${formatPath(one)}, path two: ${formatPath(two)}`,
      );
    }
  }
}

function relate(a: DocumentPath, b: DocumentPath): "overlap" | "conflict" | "disjoint" {
  const shared = Math.min(a.length, b.length);
  for (let index = 0; index < shared; index++) {
    const left = a[index];
    const right = b[index];
    if (left === right) continue;
    return typeof left === typeof right ? "disjoint" : "conflict";
  }
  return "overlap";
}
