/**
 * The tree DynamoDB builds from the target paths of an update or a projection, reproduced so that our
 * answers match its answers in the two places where the tree shows through:
 *
 * - Which pair of paths an "overlap" or "conflict" error names. DynamoDB inserts the paths last one
 *   first; the error names the path being inserted, and as "path two" the first leaf found by always
 *   taking the first child of the node where the clash was found (not necessarily the path it clashed
 *   with).
 * - The order in which an update's actions meet the item, which decides which error an update with
 *   several faults reports: actions are visited depth first, in the tree's child order.
 *
 * "First child" is the iteration order of the Java HashMap holding a node's children, keyed by path
 * elements hashed as Apache Commons' HashCodeBuilder(8191, 127) does: buckets in index order, entries
 * of one bucket in insertion order.
 */
import { type DocumentPath, formatPath, type PathElement } from "./document-path.js";
import { type ExpressionKind, invalidExpression } from "./expression-error.js";

/** java.util.HashMap's first table size and the load factor past which it doubles. */
const initialBucketCount = 16;
const maxLoadFactor = 0.75;
/** HashCodeBuilder(8191, 127) over one field: 8191 × 127 + the field's hash. */
const elementHashBase = Math.imul(8191, 127);

function javaStringHash(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index++) hash = (Math.imul(hash, 31) + text.charCodeAt(index)) | 0;
  return hash;
}

function bucketHash(element: PathElement): number {
  const hash = (elementHashBase + (typeof element === "number" ? element : javaStringHash(element))) | 0;
  return hash ^ (hash >>> 16);
}

function keyOf(element: PathElement): string {
  return typeof element === "number" ? `[${element}]` : `.${element}`;
}

interface Entry {
  element: PathElement;
  /** `undefined` for a leaf: the end of a path. */
  child: TreeNode | undefined;
}

class TreeNode {
  readonly #entries = new Map<string, Entry>();

  get size(): number {
    return this.#entries.size;
  }

  get(element: PathElement): Entry | undefined {
    return this.#entries.get(keyOf(element));
  }

  set(element: PathElement, child: TreeNode | undefined): void {
    this.#entries.set(keyOf(element), { element, child });
  }

  /** The entries in java.util.HashMap iteration order for the current number of entries. */
  ordered(): Entry[] {
    let buckets = initialBucketCount;
    while (this.#entries.size > buckets * maxLoadFactor) buckets *= 2;
    const mask = buckets - 1;
    const entries = [...this.#entries.values()];
    // Array sort is stable, so entries of one bucket keep their insertion order.
    return entries.sort((a, b) => (bucketHash(a.element) & mask) - (bucketHash(b.element) & mask));
  }
}

function treeOf(path: DocumentPath, from: number): TreeNode | undefined {
  if (from >= path.length) return undefined;
  const node = new TreeNode();
  node.set(path[from] as PathElement, treeOf(path, from + 1));
  return node;
}

/** `path`'s first `depth` elements, then first children from `node` down to a leaf. */
function pathToFirstLeaf(path: DocumentPath, depth: number, node: TreeNode): DocumentPath {
  const result: PathElement[] = path.slice(0, depth);
  let current: TreeNode | undefined = node;
  while (current !== undefined && current.size > 0) {
    const first = current.ordered()[0] as Entry;
    result.push(first.element);
    current = first.child;
  }
  return result;
}

function clash(kind: ExpressionKind, relation: "overlap" | "conflict", one: DocumentPath, two: DocumentPath) {
  return invalidExpression(
    kind,
    `Two document paths ${relation} with each other; must remove or rewrite one of these paths; ` +
      `path one: ${formatPath(one)}, path two: ${formatPath(two)}`,
  );
}

function insert(kind: ExpressionKind, root: TreeNode, path: DocumentPath): void {
  let node = root;
  for (let depth = 0; depth < path.length; depth++) {
    const element = path[depth] as PathElement;
    const entry = node.get(element);
    if (entry === undefined) {
      const first = node.ordered()[0];
      if (first !== undefined && typeof first.element !== typeof element) {
        throw clash(kind, "conflict", path, pathToFirstLeaf(path, depth, node));
      }
      node.set(element, treeOf(path, depth + 1));
      return;
    }
    if (entry.child === undefined || depth + 1 === path.length) {
      throw clash(kind, "overlap", path, pathToFirstLeaf(path, depth, node));
    }
    node = entry.child;
  }
}

function collectLeaves(node: TreeNode, prefix: PathElement[], leaves: DocumentPath[]): void {
  for (const { element, child } of node.ordered()) {
    const path = [...prefix, element];
    if (child === undefined) leaves.push(path);
    else collectLeaves(child, path, leaves);
  }
}

/**
 * Rejects target paths that would touch the same data, one a prefix of another ("overlap") or one
 * position used as both a map key and a list index ("conflict"), naming the pair DynamoDB names. Returns
 * the paths in the order DynamoDB visits them.
 */
export function disjointPathsInVisitOrder(
  kind: ExpressionKind,
  paths: readonly DocumentPath[],
): DocumentPath[] {
  const root = new TreeNode();
  for (let index = paths.length - 1; index >= 0; index--) insert(kind, root, paths[index] as DocumentPath);
  const leaves: DocumentPath[] = [];
  collectLeaves(root, [], leaves);
  return leaves;
}

/** `disjointPathsInVisitOrder` for a caller that needs only the check. */
export function assertDisjointPaths(kind: ExpressionKind, paths: readonly DocumentPath[]): void {
  disjointPathsInVisitOrder(kind, paths);
}
