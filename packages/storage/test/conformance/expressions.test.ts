/**
 * Conformance of the expression language: every comparator, logical operator and function of
 * condition and filter expressions (with their precedence), every update action, nested document
 * paths, and the validation errors for undefined, unused and malformed names and values, reserved
 * words, overlapping paths and type mismatches. Each condition is checked twice: as the
 * ConditionExpression of a write and as the FilterExpression of a query. Every rejected update is
 * followed by a read that shows the item unchanged.
 */
import {
  type AttributeValue,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectDynamoError } from "../support/expect-error.js";
import { createTable, hashTable, uniqueTableName } from "../support/tables.js";
import { startTarget, type Target } from "../support/targets.js";

let target: Target;
let table: string;
beforeAll(async () => {
  target = await startTarget();
  table = await createTable(target.client, uniqueTableName("expressions"), hashTable);
  await target.client.send(new PutItemCommand({ TableName: table, Item: fixture }));
});
afterAll(async () => {
  await target?.stop();
});

const bytes = (...values: number[]): AttributeValue => ({ B: new Uint8Array(values) });

const fixture: Record<string, AttributeValue> = {
  pk: { S: "fixture" },
  s: { S: "hello world" },
  n: { N: "5" },
  neg: { N: "-3.5" },
  b: bytes(1, 2, 3),
  t: { BOOL: true },
  nul: { NULL: true },
  ss: { SS: ["a", "b", "c"] },
  ns: { NS: ["1", "2", "3"] },
  bs: { BS: [new Uint8Array([1]), new Uint8Array([2])] },
  l: { L: [{ S: "a" }, { N: "2" }, { M: { x: { S: "y" } } }, { L: [{ S: "inner" }] }] },
  m: { M: { k: { S: "v" }, nest1: { M: { deep: { N: "10" } } }, "with space": { N: "1" } } },
  blank: { S: "" },
  high: { S: "\uffff" },
  "dotted.part": { S: "d" },
};

const values: Record<string, AttributeValue> = {
  ":one": { N: "1" },
  ":two": { N: "2" },
  ":three": { N: "3" },
  ":four": { N: "4" },
  ":five": { N: "5" },
  ":fiveText": { S: "5" },
  ":six": { N: "6" },
  ":seven": { N: "7" },
  ":ten": { N: "10.0" },
  ":eleven": { N: "11" },
  ":zero": { N: "0" },
  ":a": { S: "a" },
  ":z": { S: "z" },
  ":i": { S: "i" },
  ":hel": { S: "hel" },
  ":world": { S: "world" },
  ":lo": { S: "lo w" },
  ":y": { S: "y" },
  ":v": { S: "v" },
  ":d": { S: "d" },
  ":empty": { S: "" },
  ":clef": { S: "\u{1d11e}" },
  ":b1": bytes(1),
  ":b124": bytes(1, 2, 4),
  ":S": { S: "S" },
  ":N": { S: "N" },
  ":B": { S: "B" },
  ":BOOL": { S: "BOOL" },
  ":NULL": { S: "NULL" },
  ":SS": { S: "SS" },
  ":NS": { S: "NS" },
  ":BS": { S: "BS" },
  ":L": { S: "L" },
  ":M": { S: "M" },
  ":true": { BOOL: true },
  ":list": { L: [{ S: "a" }, { N: "2.0" }, { M: { x: { S: "y" } } }, { L: [{ S: "inner" }] }] },
  ":map": { M: { "with space": { N: "1" }, nest1: { M: { deep: { N: "10" } } }, k: { S: "v" } } },
  ":ssReordered": { SS: ["c", "a", "b"] },
  ":nsSpelled": { NS: ["3", "2.0", "1E0"] },
};

const names: Record<string, string> = {
  "#m": "m",
  "#k": "k",
  "#space": "with space",
  "#dotted": "dotted.part",
  "#name": "name",
};

/** Picks the names and values an expression uses, because unused ones are rejected. */
function usedIn(expression: string): {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
} {
  const usedNames = Object.fromEntries(
    Object.entries(names).filter(([name]) => new RegExp(`${name}(?![\\w])`).test(expression)),
  );
  const usedValues = Object.fromEntries(
    Object.entries(values).filter(([name]) => new RegExp(`${name}(?![\\w])`).test(expression)),
  );
  return {
    ...(Object.keys(usedNames).length > 0 ? { ExpressionAttributeNames: usedNames } : {}),
    ...(Object.keys(usedValues).length > 0 ? { ExpressionAttributeValues: usedValues } : {}),
  };
}

const conditions: Array<[string, boolean]> = [
  ["n = :five", true],
  ["n = :ten", false],
  ["n = :fiveText", false],
  ["n <> :four", true],
  ["n <> :five", false],
  ["n < :six", true],
  ["n < :five", false],
  ["n <= :five", true],
  ["n > :four", true],
  ["n > :five", false],
  ["n >= :five", true],
  ["neg < :zero", true],
  ["s < :i", true],
  ["s > :z", false],
  ["high < :clef", true],
  ["b < :b124", true],
  ["b > :b1", true],
  ["n < :fiveText", false],
  ["NOT n < :fiveText", true],
  ["nothere = :five", false],
  ["nothere <> :five", true],
  ["nothere < :five", false],
  ["n BETWEEN :four AND :six", true],
  ["n BETWEEN :five AND :five", true],
  ["n BETWEEN :six AND :seven", false],
  ["s BETWEEN :a AND :i", true],
  ["n IN (:one, :five)", true],
  ["n IN (:one, :two)", false],
  ["s IN (:a)", false],
  ["ss = :ssReordered", true],
  ["ns = :nsSpelled", true],
  ["l = :list", true],
  ["m = :map", true],
  ["t = :true", true],
  ["attribute_exists(s)", true],
  ["attribute_exists(nothere)", false],
  ["attribute_not_exists(nothere)", true],
  ["attribute_not_exists(s)", false],
  ["attribute_exists(m.nest1.deep)", true],
  ["attribute_exists(m.nest1.shallow)", false],
  ["attribute_exists(l[3][0])", true],
  ["attribute_exists(l[9])", false],
  ["attribute_exists(nul)", true],
  ["attribute_type(s, :S)", true],
  ["attribute_type(n, :N)", true],
  ["attribute_type(b, :B)", true],
  ["attribute_type(t, :BOOL)", true],
  ["attribute_type(nul, :NULL)", true],
  ["attribute_type(ss, :SS)", true],
  ["attribute_type(ns, :NS)", true],
  ["attribute_type(bs, :BS)", true],
  ["attribute_type(l, :L)", true],
  ["attribute_type(m, :M)", true],
  ["attribute_type(n, :S)", false],
  ["attribute_type(nothere, :S)", false],
  ["begins_with(s, :hel)", true],
  ["begins_with(s, :world)", false],
  ["begins_with(s, :empty)", true],
  ["begins_with(b, :b1)", true],
  ["begins_with(n, :fiveText)", false],
  ["contains(s, :lo)", true],
  ["contains(s, :z)", false],
  ["contains(ss, :a)", true],
  ["contains(ss, :z)", false],
  ["contains(ns, :two)", true],
  ["contains(bs, :b1)", true],
  ["contains(l, :a)", true],
  ["contains(l, :two)", true],
  ["contains(l, :z)", false],
  ["contains(n, :five)", false],
  ["size(s) = :eleven", true],
  ["size(blank) = :zero", true],
  ["size(b) = :three", true],
  ["size(ss) = :three", true],
  ["size(l) = :four", true],
  ["size(m) = :three", true],
  ["size(n) = :one", false],
  ["size(nothere) = :zero", false],
  ["size(l[3]) < size(ss)", true],
  ["m.nest1.deep = :ten", true],
  ["#m.#k = :v", true],
  ["l[2].x = :y", true],
  ["l[0] = :a", true],
  ["m.#space = :one", true],
  ["#dotted = :d", true],
  ["dotted.part = :d", false],
  ["#name = :d", false],
  ["n = :five AND s = :a", false],
  ["n = :five OR s = :a", true],
  ["NOT n = :five", false],
  ["NOT (n = :four)", true],
  // NOT binds tighter than AND: (NOT false) AND false.
  ["NOT n = :four AND n = :four", false],
  // AND binds tighter than OR: true OR (false AND false).
  ["n = :five OR n = :four AND n = :four", true],
  ["(n = :five OR n = :four) AND n = :four", false],
  ["n = :four AND n = :four OR n = :five", true],
  ["(n = :five)", true],
  ["n between :four and :six and not attribute_not_exists(n)", true],
];

async function readFixture(): Promise<Record<string, AttributeValue> | undefined> {
  const { Item } = await target.client.send(
    new GetItemCommand({ TableName: table, Key: { pk: fixture.pk! }, ConsistentRead: true }),
  );
  return Item;
}

describe("condition and filter expressions", () => {
  for (const [expression, expected] of conditions) {
    it(`${expression} is ${expected}`, async () => {
      const write = target.client.send(
        new PutItemCommand({
          TableName: table,
          Item: fixture,
          ConditionExpression: expression,
          ...usedIn(expression),
        }),
      );
      if (expected) await write;
      else
        await expectDynamoError(write, "ConditionalCheckFailedException", "The conditional request failed");

      const query = usedIn(`${expression} :pk`);
      const { Count, Items } = await target.client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: "pk = :pk",
          FilterExpression: expression,
          ExpressionAttributeNames: query.ExpressionAttributeNames,
          ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ":pk": fixture.pk! },
        }),
      );
      expect(Count).toBe(expected ? 1 : 0);
      expect(Items?.length).toBe(expected ? 1 : 0);
    });
  }
});

const badConditions: Array<[string, Record<string, unknown>, string]> = [
  [
    "n = :undefined",
    {},
    "An expression attribute value used in expression is not defined; attribute value: :undefined",
  ],
  [
    "#undefined = :five",
    {},
    "An expression attribute name used in the document path is not defined; attribute name: #undefined",
  ],
  [
    "n = :five",
    { ExpressionAttributeValues: { ":five": values[":five"], ":unused": values[":one"] } },
    "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}",
  ],
  [
    "n = :five",
    { ExpressionAttributeNames: { "#unused": "x" } },
    "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}",
  ],
  ["n = :five", { ExpressionAttributeNames: {} }, "ExpressionAttributeNames must not be empty"],
  ["attribute_exists(n)", { ExpressionAttributeValues: {} }, "ExpressionAttributeValues must not be empty"],
  [
    "n = :five",
    { ExpressionAttributeValues: { ":five": values[":five"], five: values[":five"] } },
    'ExpressionAttributeValues contains invalid key: Syntax error; key: "five"',
  ],
  [
    "n = :five",
    { ExpressionAttributeNames: { n: "x" } },
    'ExpressionAttributeNames contains invalid key: Syntax error; key: "n"',
  ],
  [
    "name = :five",
    {},
    "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name",
  ],
  ["n = :five AND", {}, 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND"'],
  ["n IN ()", {}, 'Invalid ConditionExpression: Syntax error; token: ")", near: "()"'],
  ["", {}, "Invalid ConditionExpression: The expression can not be empty;"],
  [
    "n BETWEEN :six AND :four",
    {},
    "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound",
  ],
  [
    "n BETWEEN :four AND :fiveText",
    {},
    "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds",
  ],
  ["attribute_type(n, :a)", {}, "Invalid ConditionExpression: Invalid attribute type name found; type: a"],
  [
    "size(n)",
    {},
    "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size",
  ],
  [
    "begins_with(s)",
    {},
    "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1",
  ],
  [
    "contains(s)",
    {},
    "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: contains, number of operands: 1",
  ],
  [
    "begins_with(s, :five)",
    {},
    "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
  ],
  [
    "attribute_exists(:five)",
    {},
    "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists",
  ],
  [
    "unknown_function(n)",
    {},
    "Invalid ConditionExpression: Invalid function name; function: unknown_function",
  ],
  ["((n = :five))", {}, "Invalid ConditionExpression: The expression has redundant parentheses;"],
];

describe("invalid condition expressions", () => {
  for (const [expression, overrides, message] of badConditions) {
    it(`rejects ${JSON.stringify(expression)} ${Object.keys(overrides).join(" ")}`.trim(), async () => {
      await expectDynamoError(
        target.client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { pk: fixture.pk! },
            UpdateExpression: "SET changed = :true",
            ConditionExpression: expression,
            ...mergeUsed(`${expression} :true`, overrides),
          }),
        ),
        "ValidationException",
        message,
      );
      expect(await readFixture()).toEqual(fixture);
    });
  }
});

function mergeUsed(expression: string, overrides: Record<string, unknown>): Record<string, unknown> {
  const used = usedIn(expression);
  const merged: Record<string, unknown> = { ...used, ...overrides };
  if (
    overrides.ExpressionAttributeValues !== undefined &&
    Object.keys(overrides.ExpressionAttributeValues as object).length > 0
  ) {
    merged.ExpressionAttributeValues = {
      ...used.ExpressionAttributeValues,
      ...(overrides.ExpressionAttributeValues as object),
    };
  }
  return merged;
}

let itemCounter = 0;
async function updateFresh(
  before: Record<string, AttributeValue>,
  expression: string,
  expressionValues?: Record<string, AttributeValue>,
  expressionNames?: Record<string, string>,
): Promise<Record<string, AttributeValue> | undefined> {
  itemCounter += 1;
  const key = { pk: { S: `update-${itemCounter}` } };
  await target.client.send(new PutItemCommand({ TableName: table, Item: { ...key, ...before } }));
  const response = await target.client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: key,
      UpdateExpression: expression,
      ExpressionAttributeValues: expressionValues,
      ExpressionAttributeNames: expressionNames,
      ReturnValues: "ALL_NEW",
    }),
  );
  const { pk: _key, ...rest } = response.Attributes ?? {};
  const { Item } = await target.client.send(
    new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
  );
  expect(Item).toEqual(response.Attributes);
  return rest;
}

function setMembers(value: AttributeValue | undefined): string[] {
  return [...(value?.SS ?? value?.NS ?? [])].sort();
}

describe("update actions", () => {
  it("SET assigns values, arithmetic and nested paths", async () => {
    const after = await updateFresh(
      { n: { N: "5" }, m: { M: { a: { N: "1" } } }, l: { L: [{ N: "0" }, { N: "1" }] } },
      "SET n = n + :one, d = :one - n, m.a = :two, m.b = m.a, l[1] = :two, #s = :text",
      { ":one": { N: "1" }, ":two": { N: "2" }, ":text": { S: "spaced" } },
      { "#s": "with space" },
    );
    expect(after).toEqual({
      n: { N: "6" },
      d: { N: "-4" },
      m: { M: { a: { N: "2" }, b: { N: "1" } } },
      l: { L: [{ N: "0" }, { N: "2" }] },
      "with space": { S: "spaced" },
    });
  });

  it("SET computes exact decimal arithmetic", async () => {
    const after = await updateFresh(
      { x: { N: "0.1" }, big: { N: "99999999999999999999999999999999999998" } },
      "SET x = x + :point2, big = big + :one, tiny = :tiny - :tiny",
      { ":point2": { N: "0.2" }, ":one": { N: "1" }, ":tiny": { N: "1E-130" } },
    );
    expect(after).toMatchObject({ x: { N: "0.3" }, big: { N: "99999999999999999999999999999999999999" } });
    // DynamoDB stores a zero as "0". DynamoDB Local keeps the scale of the operands and answers
    // "0.000…0" (130 zeros after the point) for this difference: a deviation of the emulator.
    const zero = target.kind === "dynamodb-local" ? `0.${"0".repeat(130)}` : "0";
    expect(after?.tiny).toEqual({ N: zero });
  });

  it("SET with an index past the end appends to the list", async () => {
    const after = await updateFresh({ l: { L: [{ N: "0" }] } }, "SET l[10] = :v", { ":v": { S: "end" } });
    expect(after).toEqual({ l: { L: [{ N: "0" }, { S: "end" }] } });
  });

  it("if_not_exists keeps an existing value and supplies a nothere one", async () => {
    const after = await updateFresh(
      { present: { S: "kept" } },
      "SET present = if_not_exists(present, :v), absent = if_not_exists(absent, :v), tally = if_not_exists(tally, :zero) + :one",
      { ":v": { S: "default" }, ":zero": { N: "0" }, ":one": { N: "1" } },
    );
    expect(after).toEqual({ present: { S: "kept" }, absent: { S: "default" }, tally: { N: "1" } });
  });

  it("list_append appends and prepends", async () => {
    const after = await updateFresh(
      { l: { L: [{ N: "1" }] }, k: { L: [{ N: "1" }] } },
      "SET l = list_append(l, :tail), k = list_append(:head, k), fresh = list_append(if_not_exists(fresh, :empty), :tail)",
      { ":tail": { L: [{ N: "2" }, { N: "3" }] }, ":head": { L: [{ N: "0" }] }, ":empty": { L: [] } },
    );
    expect(after).toEqual({
      l: { L: [{ N: "1" }, { N: "2" }, { N: "3" }] },
      k: { L: [{ N: "0" }, { N: "1" }] },
      fresh: { L: [{ N: "2" }, { N: "3" }] },
    });
  });

  it("REMOVE deletes attributes, nested members and list elements by their original index", async () => {
    const after = await updateFresh(
      {
        gone: { S: "x" },
        m: { M: { a: { N: "1" }, b: { N: "2" } } },
        l: { L: [{ N: "0" }, { N: "1" }, { N: "2" }, { N: "3" }] },
      },
      "REMOVE gone, m.a, l[0], l[2], never",
    );
    expect(after).toEqual({ m: { M: { b: { N: "2" } } }, l: { L: [{ N: "1" }, { N: "3" }] } });
  });

  it("ADD adds to numbers and sets, creating nothere ones", async () => {
    const after = await updateFresh(
      { n: { N: "5" }, ss: { SS: ["a"] }, ns: { NS: ["1"] } },
      "ADD n :neg, fresh :two, ss :strings, ns :numbers, newSet :strings",
      {
        ":neg": { N: "-7.5" },
        ":two": { N: "2" },
        ":strings": { SS: ["a", "b"] },
        ":numbers": { NS: ["2", "1.0"] },
      },
    );
    expect(after?.n).toEqual({ N: "-2.5" });
    expect(after?.fresh).toEqual({ N: "2" });
    expect(setMembers(after?.ss)).toEqual(["a", "b"]);
    expect(setMembers(after?.ns)).toEqual(["1", "2"]);
    expect(setMembers(after?.newSet)).toEqual(["a", "b"]);
  });

  it("DELETE removes set members and the attribute when the set becomes empty", async () => {
    const after = await updateFresh(
      { ss: { SS: ["a", "b", "c"] }, ns: { NS: ["1", "2"] }, bs: { BS: [new Uint8Array([1])] } },
      "DELETE ss :some, ns :all, bs :bytes, absent :some",
      { ":some": { SS: ["a", "z"] }, ":all": { NS: ["1", "2.0"] }, ":bytes": { BS: [new Uint8Array([1])] } },
    );
    expect(setMembers(after?.ss)).toEqual(["b", "c"]);
    expect(after?.ns).toBeUndefined();
    expect(after?.bs).toBeUndefined();
    expect(after?.absent).toBeUndefined();
  });

  it("combines every clause, in any order and case", async () => {
    const after = await updateFresh(
      { gone: { S: "x" }, n: { N: "1" }, ss: { SS: ["a", "b"] } },
      "delete ss :a add n :one remove gone set s = :text",
      { ":a": { SS: ["a"] }, ":one": { N: "1" }, ":text": { S: "t" } },
    );
    expect(after).toEqual({ n: { N: "2" }, ss: { SS: ["b"] }, s: { S: "t" } });
  });
});

const badUpdates: Array<[string, string, Record<string, AttributeValue> | undefined, string]> = [
  [
    "an undefined value",
    "SET n = :undefined",
    undefined,
    "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :undefined",
  ],
  [
    "an undefined name",
    "SET #undefined = :one",
    { ":one": { N: "1" } },
    "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #undefined",
  ],
  [
    "a syntax error",
    "SET n = ",
    undefined,
    'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "= "',
  ],
  [
    "two arithmetic operators",
    "SET n = n + n + n",
    undefined,
    'Invalid UpdateExpression: Syntax error; token: "+", near: "n + n"',
  ],
  [
    "a reserved word",
    "SET name = :one",
    { ":one": { N: "1" } },
    "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: name",
  ],
  ["an empty expression", "", undefined, "Invalid UpdateExpression: The expression can not be empty;"],
  [
    "a section given twice",
    "SET n = :one SET s = :one",
    { ":one": { N: "1" } },
    'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;',
  ],
  [
    "the same path twice",
    "SET n = :one, n = :one",
    { ":one": { N: "1" } },
    "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [n], path two: [n]",
  ],
  [
    "a path inside another",
    "SET m.a = :one REMOVE m",
    { ":one": { N: "1" } },
    "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m, a], path two: [m]",
  ],
  [
    "overlapping actions",
    "SET n = :one ADD n :one",
    { ":one": { N: "1" } },
    "Two document paths overlap with each other",
  ],
  [
    "a string in arithmetic",
    "SET s = s + :one",
    { ":one": { N: "1" } },
    "An operand in the update expression has an incorrect data type",
  ],
  [
    "a string literal in arithmetic",
    "SET s = :text - :text",
    { ":text": { S: "1" } },
    "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: -, operand type: S",
  ],
  [
    "a nothere attribute in arithmetic",
    "SET q = nothere + :one",
    { ":one": { N: "1" } },
    "The provided expression refers to an attribute that does not exist in the item",
  ],
  [
    "ADD of a number to a string",
    "ADD s :one",
    { ":one": { N: "1" } },
    "An operand in the update expression has an incorrect data type",
  ],
  [
    "ADD of numbers to a string set",
    "ADD ss :numbers",
    { ":numbers": { NS: ["1"] } },
    "An operand in the update expression has an incorrect data type",
  ],
  [
    "ADD of a list",
    "ADD l :list",
    { ":list": { L: [] } },
    "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: LIST",
  ],
  [
    "DELETE of a number",
    "DELETE n :one",
    { ":one": { N: "1" } },
    "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER",
  ],
  [
    "list_append of a string",
    "SET l = list_append(l, :text)",
    { ":text": { S: "x" } },
    "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S",
  ],
  [
    "size in an update",
    "SET n = size(s)",
    undefined,
    "Invalid UpdateExpression: The function is not allowed in an update expression; function: size",
  ],
  [
    "an unknown function",
    "SET n = unknown_function(n)",
    undefined,
    "Invalid UpdateExpression: Invalid function name; function: unknown_function",
  ],
  [
    "if_not_exists with one operand",
    "SET n = if_not_exists(n)",
    undefined,
    "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1",
  ],
  [
    "a path through a string",
    "SET s.inside = :one",
    { ":one": { N: "1" } },
    "The document path provided in the update expression is invalid for update",
  ],
  [
    "an index into a string",
    "SET s[0] = :one",
    { ":one": { N: "1" } },
    "The document path provided in the update expression is invalid for update",
  ],
  [
    "a path through a nothere map",
    "SET nothere.inside = :one",
    { ":one": { N: "1" } },
    "The document path provided in the update expression is invalid for update",
  ],
  [
    "a key attribute",
    "SET pk = :text",
    { ":text": { S: "other" } },
    "Cannot update attribute pk. This attribute is part of the key",
  ],
  [
    "a sum beyond the number range",
    "SET big = big + big",
    undefined,
    "Number overflow. Attempting to store a number with magnitude larger than supported range",
  ],
  [
    "an ADD beyond the number range",
    "ADD big :big",
    { ":big": { N: "9E+125" } },
    "Number overflow. Attempting to store a number with magnitude larger than supported range",
  ],
];

describe("invalid update expressions change nothing", () => {
  const before: Record<string, AttributeValue> = {
    pk: { S: "update-errors" },
    n: { N: "5" },
    s: { S: "text" },
    ss: { SS: ["a"] },
    l: { L: [{ N: "1" }] },
    m: { M: { a: { N: "1" } } },
    big: { N: "9E+125" },
  };
  beforeAll(async () => {
    await target.client.send(new PutItemCommand({ TableName: table, Item: before }));
  });
  for (const [description, expression, expressionValues, message] of badUpdates) {
    it(`rejects ${description}`, async () => {
      await expectDynamoError(
        target.client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { pk: before.pk! },
            UpdateExpression: expression,
            ExpressionAttributeValues: expressionValues,
          }),
        ),
        "ValidationException",
        message,
      );
      const { Item } = await target.client.send(
        new GetItemCommand({ TableName: table, Key: { pk: before.pk! }, ConsistentRead: true }),
      );
      expect(Item).toEqual({ ...before, big: { N: `9${"0".repeat(125)}` } });
    });
  }

  it("rejects an unused value and an unused name", async () => {
    await expectDynamoError(
      target.client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: before.pk! },
          UpdateExpression: "SET n = :one",
          ExpressionAttributeValues: { ":one": { N: "1" }, ":unused": { N: "2" } },
        }),
      ),
      "ValidationException",
      "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}",
    );
    await expectDynamoError(
      target.client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: before.pk! },
          UpdateExpression: "SET n = :one",
          ExpressionAttributeValues: { ":one": { N: "1" } },
          ExpressionAttributeNames: { "#unused": "x" },
        }),
      ),
      "ValidationException",
      "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}",
    );
  });
});
