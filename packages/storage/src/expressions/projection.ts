/**
 * ProjectionExpression: a comma-separated list of document paths, and picking those paths out of an
 * item. The result keeps the item's structure: projecting `a.b` yields `{a: {M: {b: …}}}`, and
 * projecting `l[3], l[1]` yields a list of those two elements in list order. Paths the item lacks
 * are left out.
 */
import type { AttributeValue, Item } from "../values/types.js";
import type { ExpressionContext } from "./context.js";
import { type DocumentPath, readPath } from "./document-path.js";
import { ExpressionParser } from "./parser.js";
import { assertDisjointPaths } from "./path-tree.js";
import { checkReferences, resolvePath } from "./references.js";

export interface Projection {
  /** The projected paths in the order written. */
  readonly paths: readonly DocumentPath[];
}

/** Parses `text` (syntax, reserved words, placeholders, overlapping paths). */
export function parseProjection(text: string, context: ExpressionContext): Projection {
  const parser = new ExpressionParser("ProjectionExpression", text);
  const nodes = [parser.parsePath()];
  while (parser.atPunctuation(",")) {
    parser.next();
    nodes.push(parser.parsePath());
  }
  parser.expectEnd();
  checkReferences(parser, context);
  const paths = nodes.map((node) => resolvePath(node, context));
  assertDisjointPaths("ProjectionExpression", paths);
  return { paths };
}

/** The part of the item a projection selects, built up before lists are compacted. */
type Selection =
  | { kind: "leaf"; value: AttributeValue }
  | { kind: "map"; children: Map<string, Selection> }
  | { kind: "list"; children: Map<number, Selection> };

function select(root: Map<string, Selection>, path: DocumentPath, value: AttributeValue): void {
  let children: Map<string | number, Selection> = root as Map<string | number, Selection>;
  for (let index = 0; index < path.length - 1; index++) {
    const element = path[index] as string | number;
    const nextIsIndex = typeof path[index + 1] === "number";
    let child = children.get(element);
    if (child === undefined || child.kind === "leaf") {
      child = nextIsIndex ? { kind: "list", children: new Map() } : { kind: "map", children: new Map() };
      children.set(element, child);
    }
    children = child.children as Map<string | number, Selection>;
  }
  children.set(path[path.length - 1] as string | number, { kind: "leaf", value });
}

function materialize(selection: Selection): AttributeValue {
  if (selection.kind === "leaf") return selection.value;
  if (selection.kind === "list") {
    const ordered = [...selection.children.entries()].sort(([a], [b]) => a - b);
    return { L: ordered.map(([, child]) => materialize(child)) };
  }
  return { M: materializeMap(selection.children) };
}

function materializeMap(children: Map<string, Selection>): Record<string, AttributeValue> {
  const result: Record<string, AttributeValue> = {};
  for (const [name, child] of children) {
    Object.defineProperty(result, name, {
      value: materialize(child),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

/** The attributes of `item` that `projection` selects, in the item's structure. */
export function applyProjection(projection: Projection, item: Item): Item {
  const root = new Map<string, Selection>();
  for (const path of projection.paths) {
    const value = readPath(item, path);
    if (value !== undefined) select(root, path, structuredClone(value));
  }
  return materializeMap(root);
}
