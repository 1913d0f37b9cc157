/**
 * Applies an update plan to an item: a pure function that returns a new item and leaves its input
 * untouched. As in DynamoDB, every operand is read from the item as it was before the update, SET
 * runs before REMOVE, list indexes always mean positions in the original list (REMOVE l[0], l[2]
 * removes the first and third elements), and a SET past the end of a list appends, in index order.
 */
import { compareBinaries, valuesEqual } from "../values/compare.js";
import { addNumbers, subtractNumbers } from "../values/number.js";
import type { AttributeValue, Item } from "../values/types.js";
import { childOf, type DocumentPath, readPath } from "./document-path.js";
import { incorrectOperandType, invalidUpdatePath, missingOperandAttribute } from "./expression-error.js";
import type { SetValue, UpdateAction, UpdateOperand, UpdatePlan } from "./update-plan.js";

/** Sets an own property even when the name is `__proto__`, which plain assignment would not do. */
function setOwn<T>(target: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

function evaluateOperand(operand: UpdateOperand, original: Item): AttributeValue {
  switch (operand.kind) {
    case "value":
      return operand.value;
    case "path": {
      const value = readPath(original, operand.path);
      if (value === undefined) throw missingOperandAttribute();
      return value;
    }
    case "if_not_exists":
      return readPath(original, operand.path) ?? evaluateOperand(operand.fallback, original);
    case "list_append": {
      const first = evaluateOperand(operand.first, original);
      const second = evaluateOperand(operand.second, original);
      if (!("L" in first) || !("L" in second)) throw incorrectOperandType();
      return { L: [...first.L, ...second.L] };
    }
  }
}

function evaluateSetValue(value: SetValue, original: Item): AttributeValue {
  if (value.kind !== "arithmetic") return evaluateOperand(value, original);
  const left = evaluateOperand(value.left, original);
  const right = evaluateOperand(value.right, original);
  if (!("N" in left) || !("N" in right)) throw incorrectOperandType();
  return { N: value.operator === "+" ? addNumbers(left.N, right.N) : subtractNumbers(left.N, right.N) };
}

/** A container the last element of `path` can be written into, or the error DynamoDB gives. */
type Parent =
  | { kind: "item"; item: Item }
  | { kind: "map"; map: Record<string, AttributeValue> }
  | {
      kind: "list";
      list: AttributeValue[];
    };

function parentOf(root: Item, path: DocumentPath): Parent {
  if (path.length === 1) return { kind: "item", item: root };
  const container = readPath(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (container !== undefined && typeof last === "string" && "M" in container)
    return { kind: "map", map: container.M };
  if (container !== undefined && typeof last === "number" && "L" in container)
    return { kind: "list", list: container.L };
  throw invalidUpdatePath();
}

function currentValue(parent: Parent, element: string | number): AttributeValue | undefined {
  if (parent.kind === "item") return Object.hasOwn(parent.item, element) ? parent.item[element] : undefined;
  return childOf(parent.kind === "map" ? { M: parent.map } : { L: parent.list }, element);
}

function write(parent: Parent, element: string | number, value: AttributeValue): void {
  if (parent.kind === "list") {
    const index = element as number;
    if (index < parent.list.length) parent.list[index] = value;
    else parent.list.push(value);
    return;
  }
  setOwn(parent.kind === "item" ? parent.item : parent.map, element as string, value);
}

function erase(parent: Parent, element: string | number): void {
  if (parent.kind === "list") {
    if ((element as number) < parent.list.length) parent.list.splice(element as number, 1);
    return;
  }
  delete (parent.kind === "item" ? parent.item : parent.map)[element as string];
}

/** Orders paths so that list positions come in ascending index order (appends keep index order). */
function comparePaths(a: DocumentPath, b: DocumentPath): number {
  const shared = Math.min(a.length, b.length);
  for (let index = 0; index < shared; index++) {
    const left = a[index] as string | number;
    const right = b[index] as string | number;
    if (left === right) continue;
    if (typeof left === "number" && typeof right === "number") return left - right;
    return String(left) < String(right) ? -1 : 1;
  }
  return a.length - b.length;
}

type SetMembers = { type: "SS" | "NS" | "BS"; members: string[] };

function setMembers(value: AttributeValue): SetMembers | undefined {
  if ("SS" in value) return { type: "SS", members: value.SS };
  if ("NS" in value) return { type: "NS", members: value.NS };
  if ("BS" in value) return { type: "BS", members: value.BS };
  return undefined;
}

function sameMember(type: SetMembers["type"], a: string, b: string): boolean {
  if (type === "SS") return a === b;
  if (type === "NS") return valuesEqual({ N: a }, { N: b });
  return compareBinaries(a, b) === 0;
}

function makeSet(type: SetMembers["type"], members: string[]): AttributeValue {
  if (type === "SS") return { SS: members };
  if (type === "NS") return { NS: members };
  return { BS: members };
}

/** ADD: numbers add, sets unite; a missing attribute takes the operand as it is. */
function added(existing: AttributeValue | undefined, operand: AttributeValue): AttributeValue {
  if (existing === undefined) return operand;
  if ("N" in existing && "N" in operand) return { N: addNumbers(existing.N, operand.N) };
  const current = setMembers(existing);
  const extra = setMembers(operand);
  if (current === undefined || extra === undefined || current.type !== extra.type)
    throw incorrectOperandType();
  const union = [...current.members];
  for (const member of extra.members) {
    if (!union.some((kept) => sameMember(current.type, kept, member))) union.push(member);
  }
  return makeSet(current.type, union);
}

/** DELETE: the set without the operand's members; `undefined` when nothing is left. */
function remaining(existing: AttributeValue, operand: AttributeValue): AttributeValue | undefined {
  const current = setMembers(existing);
  const removed = setMembers(operand);
  if (current === undefined || removed === undefined || current.type !== removed.type)
    throw incorrectOperandType();
  const kept = current.members.filter(
    (member) => !removed.members.some((gone) => sameMember(current.type, gone, member)),
  );
  return kept.length === 0 ? undefined : makeSet(current.type, kept);
}

function lastElement(path: DocumentPath): string | number {
  return path[path.length - 1] as string | number;
}

/**
 * Finds the faults of one action against the original item, the checks DynamoDB makes as it meets the
 * action: the target's parent, then the operands. Returns a SET's value.
 */
function checkAction(action: UpdateAction, original: Item): AttributeValue | undefined {
  parentOf(original, action.path);
  if (action.action === "SET") return evaluateSetValue(action.value, original);
  if (action.action === "REMOVE") return undefined;
  const existing = readPath(original, action.path);
  if (existing === undefined) return undefined;
  if (action.action === "ADD") added(existing, action.value);
  else remaining(existing, action.value);
  return undefined;
}

/**
 * The item after `plan`; `item` is not modified. Throws `ValidationException` for a target under a
 * missing or non-container parent, an operand attribute the item lacks, and type mismatches; with
 * several faults, the one DynamoDB reports (the first in `plan.visitOrder`).
 */
export function applyUpdate(plan: UpdatePlan, item: Item): Item {
  const original = item;
  const setValues = new Map<UpdateAction, AttributeValue>();
  for (const action of plan.visitOrder) {
    const value = checkAction(action, original);
    if (value !== undefined) setValues.set(action, value);
  }
  const result = structuredClone(item);
  const byKind = (kind: UpdateAction["action"]) => plan.actions.filter((action) => action.action === kind);

  const sets = byKind("SET").map((action) => ({
    path: action.path,
    value: setValues.get(action) as AttributeValue,
  }));
  for (const { path, value } of sets.sort((a, b) => comparePaths(a.path, b.path))) {
    write(parentOf(result, path), lastElement(path), value);
  }

  // Checked against the original item so that an index only an append made valid is not removed.
  const removals = byKind("REMOVE")
    .map((action) => action.path)
    .filter((path) => readPath(original, path) !== undefined);
  for (const path of removals.sort((a, b) => comparePaths(b, a))) {
    erase(parentOf(result, path), lastElement(path));
  }

  for (const action of plan.actions) {
    if (action.action !== "ADD" && action.action !== "DELETE") continue;
    const parent = parentOf(result, action.path);
    const element = lastElement(action.path);
    const existing = currentValue(parent, element);
    if (action.action === "ADD") {
      write(parent, element, added(existing, action.value));
      continue;
    }
    if (existing === undefined) continue;
    const left = remaining(existing, action.value);
    if (left === undefined) erase(parent, element);
    else write(parent, element, left);
  }
  return result;
}
