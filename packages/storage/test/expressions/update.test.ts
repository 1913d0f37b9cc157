/**
 * Update expressions: every action, nested paths, list index removal, overlapping paths, arithmetic
 * on big decimals, ADD and DELETE on sets, and DynamoDB's errors. Expected items and messages were
 * checked against DynamoDB Local 1.25 (apart from number text: Local echoes "1.50" where this store,
 * like DynamoDB, keeps the canonical "1.5").
 */
import { describe, expect, it } from "vitest";
import { ExpressionContext, parseUpdate } from "../../src/expressions/index.js";
import type { Item } from "../../src/values/types.js";
import { errorMessage, update } from "./helpers.js";

const bytes = (...values: number[]) => Buffer.from(values).toString("base64");

function original(): Item {
  return {
    pk: { S: "k" },
    n: { N: "5" },
    s: { S: "hello" },
    l: { L: [{ N: "0" }, { N: "1" }, { N: "2" }, { N: "3" }, { N: "4" }] },
    m: { M: { x: { S: "y" }, n: { M: { d: { N: "1" } } }, l: { L: [{ S: "a" }] } } },
    ss: { SS: ["a", "b"] },
    ns: { NS: ["1", "2.5"] },
    bs: { BS: [bytes(1), bytes(2)] },
  };
}

const listOf = (item: Item, name: string) => (item[name] as { L: unknown[] }).L;

describe("SET", () => {
  it("sets attributes and leaves the input item untouched", () => {
    const before = original();
    const after = update("SET a = :v, m.x = :w, m.n.e = :v", before, {
      ":v": { S: "x" },
      ":w": { N: "1.50" },
    });
    expect(after.a).toEqual({ S: "x" });
    expect(after.m).toEqual({
      M: { x: { N: "1.5" }, n: { M: { d: { N: "1" }, e: { S: "x" } } }, l: { L: [{ S: "a" }] } },
    });
    expect(before).toEqual(original());
  });

  it("adds and subtracts exactly, beyond what a double holds", () => {
    const big = "99999999999999999999999999999999999999";
    expect(update("SET n = n + :v", original(), { ":v": { N: "0.1" } }).n).toEqual({ N: "5.1" });
    expect(update("SET n = :v - n", original(), { ":v": { N: "1e2" } }).n).toEqual({ N: "95" });
    expect(
      update("SET n = :a + :b", original(), {
        ":a": { N: "1" },
        ":b": { N: "0.0000000000000000000000000000000000001" },
      }).n,
    ).toEqual({
      N: "1.0000000000000000000000000000000000001",
    });
    expect(update("SET n = :a - :b", original(), { ":a": { N: big }, ":b": { N: "1" } }).n).toEqual({
      N: "99999999999999999999999999999999999998",
    });
    // 39 significant digits cannot be stored (DynamoDB Local: "… precision up to 38 digits").
    const tooPrecise = { ":a": { N: "1" }, ":b": { N: "0.00000000000000000000000000000000000001" } };
    expect(errorMessage(() => update("SET n = :a + :b", original(), tooPrecise))).toMatch(
      /^ValidationException: .*38/,
    );
    const huge = { ":a": { N: `${big}E+88` }, ":b": { N: `${big}E+88` } };
    expect(errorMessage(() => update("SET n = :a + :b", original(), huge))).toMatch(/^ValidationException: /);
  });

  it("reads every operand from the item as it was before the update", () => {
    const after = update("SET a = n, n = :v", original(), { ":v": { N: "9" } });
    expect(after.a).toEqual({ N: "5" });
    expect(after.n).toEqual({ N: "9" });
  });

  it("supports if_not_exists and list_append, nested the ways DynamoDB allows", () => {
    const after = update(
      "SET c = if_not_exists(c, :zero), d = if_not_exists(n, :zero), l = list_append(:front, l), q = list_append(if_not_exists(q, :empty), :front)",
      original(),
      { ":zero": { N: "0" }, ":front": { L: [{ S: "z" }] }, ":empty": { L: [] } },
    );
    expect(after.c).toEqual({ N: "0" });
    expect(after.d).toEqual({ N: "5" });
    expect(listOf(after, "l")[0]).toEqual({ S: "z" });
    expect(after.q).toEqual({ L: [{ S: "z" }] });
    expect(
      update("SET c = if_not_exists(c, :z) + :one", original(), { ":z": { N: "0" }, ":one": { N: "1" } }).c,
    ).toEqual({
      N: "1",
    });
  });

  it("replaces list elements in place and appends past the end in index order", () => {
    const after = update("SET l[1] = :one, l[9] = :nine, l[7] = :seven", original(), {
      ":one": { S: "one" },
      ":nine": { S: "nine" },
      ":seven": { S: "seven" },
    });
    expect(listOf(after, "l")).toEqual([
      { N: "0" },
      { S: "one" },
      { N: "2" },
      { N: "3" },
      { N: "4" },
      { S: "seven" },
      { S: "nine" },
    ]);
  });

  it("rejects a path under a missing or non-container parent", () => {
    const invalid =
      "ValidationException: The document path provided in the update expression is invalid for update";
    for (const text of [
      "SET m.nope.x = :v",
      "SET nope.x = :v",
      "SET s.x = :v",
      "SET s[0] = :v",
      "SET m[0] = :v",
      "SET l.x = :v",
    ]) {
      expect(
        errorMessage(() => update(text, original(), { ":v": { S: "new" } })),
        text,
      ).toBe(invalid);
    }
  });

  it("reports operands of the wrong type or missing from the item", () => {
    const wrongType = "ValidationException: An operand in the update expression has an incorrect data type";
    expect(errorMessage(() => update("SET n = s + :v", original(), { ":v": { N: "1" } }))).toBe(wrongType);
    expect(errorMessage(() => update("SET q = list_append(s, :v)", original(), { ":v": { L: [] } }))).toBe(
      wrongType,
    );
    const missing =
      "ValidationException: The provided expression refers to an attribute that does not exist in the item";
    expect(errorMessage(() => update("SET n = nope + :v", original(), { ":v": { N: "1" } }))).toBe(missing);
    expect(errorMessage(() => update("SET q = list_append(nope, :v)", original(), { ":v": { L: [] } }))).toBe(
      missing,
    );
  });

  it("rejects literals of the wrong type and misplaced functions before reading the item", () => {
    const message = (text: string, values: Record<string, unknown> = {}) =>
      errorMessage(() => parseUpdate(text, new ExpressionContext({}, values)));
    expect(message("SET n = :v + :w", { ":v": { N: "1" }, ":w": { S: "1" } })).toBe(
      "ValidationException: Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S",
    );
    expect(message("SET q = list_append(:v, :s)", { ":v": { L: [] }, ":s": { S: "x" } })).toContain(
      "operator or function: list_append, operand type: S",
    );
    expect(message("SET q = size(l)")).toContain(
      "The function is not allowed in an update expression; function: size",
    );
    expect(message("SET q = attribute_exists(l)")).toContain(
      "not allowed in an update expression; function: attribute_exists",
    );
    expect(message("SET q = foo(l)")).toContain("Invalid function name; function: foo");
    expect(message("SET q = if_not_exists(:v, q)", { ":v": { L: [] } })).toContain(
      "Operator or function requires a document path; operator or function: if_not_exists",
    );
    expect(message("SET q = if_not_exists(q, list_append(l, :v))", { ":v": { L: [] } })).toContain(
      "The function is not allowed to be used this way in an expression; function: list_append",
    );
    expect(message("SET a = list_append(list_append(l, :v), :v)", { ":v": { L: [] } })).toContain(
      "function: list_append",
    );
    expect(message("SET a = if_not_exists(a)")).toContain(
      "Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1",
    );
  });
});

describe("REMOVE", () => {
  it("removes list elements by their original positions", () => {
    expect(listOf(update("REMOVE l[0], l[2], l[9]", original()), "l")).toEqual([
      { N: "1" },
      { N: "3" },
      { N: "4" },
    ]);
    expect(listOf(update("REMOVE l[4], l[0]", original()), "l")).toEqual([
      { N: "1" },
      { N: "2" },
      { N: "3" },
    ]);
  });

  it("runs after SET, still by original positions", () => {
    expect(listOf(update("SET l[1] = :v REMOVE l[0]", original(), { ":v": { S: "one" } }), "l")).toEqual([
      { S: "one" },
      { N: "2" },
      { N: "3" },
      { N: "4" },
    ]);
    // l[5] does not exist before the update, so the element SET appends there is kept.
    expect(listOf(update("SET l[6] = :v REMOVE l[5]", original(), { ":v": { S: "six" } }), "l")).toHaveLength(
      6,
    );
  });

  it("ignores missing attributes but not missing parents", () => {
    const after = update("REMOVE n, s, nope, m.x, m.nope", original());
    expect(Object.keys(after).sort()).toEqual(["bs", "l", "m", "ns", "pk", "ss"]);
    expect(Object.keys((after.m as { M: object }).M).sort()).toEqual(["l", "n"]);
    expect(errorMessage(() => update("REMOVE nope.x", original()))).toBe(
      "ValidationException: The document path provided in the update expression is invalid for update",
    );
    expect(errorMessage(() => update("REMOVE s[0]", original()))).toContain("invalid for update");
  });
});

describe("ADD and DELETE", () => {
  it("adds numbers and unites sets, creating missing attributes", () => {
    const after = update("ADD n :minus, c :three, ss :s, ns :n, bs :b, fresh :s", original(), {
      ":minus": { N: "-5" },
      ":three": { N: "3" },
      ":s": { SS: ["c", "a"] },
      ":n": { NS: ["2.50", "3"] },
      ":b": { BS: [bytes(3), bytes(1)] },
    });
    expect(after.n).toEqual({ N: "0" });
    expect(after.c).toEqual({ N: "3" });
    expect(after.ss).toEqual({ SS: ["a", "b", "c"] });
    expect(after.ns).toEqual({ NS: ["1", "2.5", "3"] });
    expect(after.bs).toEqual({ BS: [bytes(1), bytes(2), bytes(3)] });
    expect(after.fresh).toEqual({ SS: ["c", "a"] });
  });

  it("deletes set members, dropping an emptied set, and ignores a missing attribute", () => {
    const after = update("DELETE ss :all, ns :n, bs :b, nope :all", original(), {
      ":all": { SS: ["a", "b", "z"] },
      ":n": { NS: ["2.50"] },
      ":b": { BS: [bytes(1)] },
    });
    expect(after.ss).toBeUndefined();
    expect(after.ns).toEqual({ NS: ["1"] });
    expect(after.bs).toEqual({ BS: [bytes(2)] });
    expect(after.nope).toBeUndefined();
  });

  it("rejects mismatched types when applied", () => {
    const wrongType = "ValidationException: An operand in the update expression has an incorrect data type";
    expect(errorMessage(() => update("ADD ss :v", original(), { ":v": { NS: ["1"] } }))).toBe(wrongType);
    expect(errorMessage(() => update("ADD n :v", original(), { ":v": { SS: ["1"] } }))).toBe(wrongType);
    expect(errorMessage(() => update("ADD s :v", original(), { ":v": { N: "1" } }))).toBe(wrongType);
    expect(errorMessage(() => update("DELETE n :v", original(), { ":v": { NS: ["1"] } }))).toBe(wrongType);
    expect(errorMessage(() => update("ADD nope.c :v", original(), { ":v": { N: "1" } }))).toContain(
      "invalid for update",
    );
  });

  it("rejects operand types ADD and DELETE never take, before reading the item", () => {
    expect(errorMessage(() => update("ADD x :v", original(), { ":v": { S: "1" } }))).toBe(
      "ValidationException: Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND",
    );
    expect(errorMessage(() => update("ADD x :v", original(), { ":v": { L: [] } }))).toContain(
      "operand type: LIST",
    );
    expect(errorMessage(() => update("DELETE n :v", original(), { ":v": { N: "1" } }))).toBe(
      "ValidationException: Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND",
    );
  });
});

describe("the expression as a whole", () => {
  it("accepts all four clauses in any order and case, each once", () => {
    const after = update("delete ss :s add c :n remove s set a = :v", original(), {
      ":v": { S: "x" },
      ":n": { N: "1" },
      ":s": { SS: ["a"] },
    });
    expect([after.a, after.c, after.s, after.ss]).toEqual([{ S: "x" }, { N: "1" }, undefined, { SS: ["b"] }]);
    expect(
      errorMessage(() => update("SET a = :v REMOVE b SET c = :v", original(), { ":v": { S: "x" } })),
    ).toBe(
      'ValidationException: Invalid UpdateExpression: The "SET" section can only be used once in an update expression;',
    );
  });

  it("rejects overlapping and conflicting paths across clauses", () => {
    const message = (text: string, names?: Record<string, string>) =>
      errorMessage(() => update(text, original(), { ":v": { SS: ["x"] } }, names));
    expect(message("SET a = :v, a.b = :v")).toBe(
      "ValidationException: Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
    );
    expect(message("SET a = :v REMOVE a")).toContain("path one: [a], path two: [a]");
    expect(message("SET a = :v, #a = :v", { "#a": "a" })).toContain("overlap");
    expect(message("REMOVE l[0], l[0] ADD x :v")).toContain("path one: [l, [0]], path two: [l, [0]]");
    expect(message("SET a[0] = :v, a.b = :v")).toBe(
      "ValidationException: Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [0]], path two: [a, b]",
    );
    expect(update("SET a.b = :v, a.c = :v", { a: { M: {} } }, { ":v": { SS: ["x"] } }).a).toEqual({
      M: { b: { SS: ["x"] }, c: { SS: ["x"] } },
    });
  });

  it("reports syntax errors where DynamoDB does", () => {
    const cases: [string, string][] = [
      ["SET a = :v,", 'token: "<EOF>", near: ","'],
      ["SET a = :v, REMOVE b", 'token: "REMOVE", near: ", REMOVE b"'],
      ["SET", 'token: "<EOF>", near: "SET"'],
      ["SET a = :v + :v + :v", 'token: "+", near: ":v + :v"'],
      ["SET a = :v + (:v + :v)", 'token: "+", near: ":v + :v"'],
      ["SET (a) = :v", 'token: "(", near: "SET (a"'],
      ["SET a = -:v", 'token: "-", near: "= -:v"'],
      ["ADD a b", 'token: "b", near: "a b"'],
      ["ADD :v a", 'token: ":v", near: "ADD :v a"'],
      ["ADD a = :v", 'token: "=", near: "a = :v"'],
    ];
    for (const [text, detail] of cases) {
      expect(
        errorMessage(() => update(text, original(), { ":v": { N: "1" } })),
        text,
      ).toBe(`ValidationException: Invalid UpdateExpression: Syntax error; ${detail}`);
    }
    expect(update("SET a = (:v + :v)", original(), { ":v": { N: "1" } }).a).toEqual({ N: "2" });
    expect(errorMessage(() => update("SET a = ((:v))", original(), { ":v": { N: "1" } }))).toContain(
      "redundant parentheses",
    );
  });

  it("lists the top-level attributes it touches, for the key check", () => {
    const plan = parseUpdate(
      "SET a.b = :v, #k = :v REMOVE l[0] ADD a.c :n DELETE ss :s",
      new ExpressionContext({ "#k": "pk" }, { ":v": { S: "x" }, ":n": { N: "1" }, ":s": { SS: ["a"] } }),
    );
    expect(plan.topLevelAttributes()).toEqual(["a", "pk", "l", "ss"]);
  });

  it("writes attribute names such as __proto__ as ordinary attributes", () => {
    const after = update("SET #p = :v, m.#p = :v", original(), { ":v": { S: "x" } }, { "#p": "__proto__" });
    expect(Object.hasOwn(after, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(after)).toBe(Object.prototype);
    const map = (after.m as { M: Record<string, unknown> }).M;
    expect(Object.getOwnPropertyDescriptor(map, "__proto__")?.value).toEqual({ S: "x" });
    // An item that already holds such an attribute (as parsed from JSON) keeps it through an update.
    const parsed = JSON.parse('{"__proto__": {"S": "kept"}, "n": {"N": "1"}}') as Item;
    const updated = update("REMOVE n", parsed);
    expect(Object.getOwnPropertyDescriptor(updated, "__proto__")?.value).toEqual({ S: "kept" });
  });
});
