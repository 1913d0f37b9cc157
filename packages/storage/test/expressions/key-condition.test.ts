/**
 * KeyConditionExpression: the shapes a Query accepts and DynamoDB's errors for the rest. Messages were
 * checked against DynamoDB Local 1.25 on a table with partition key `pk` (S) and sort key `sk` (N).
 */
import { describe, expect, it } from "vitest";
import {
  ExpressionContext,
  type KeyCondition,
  matchesSortKey,
  parseKeyCondition,
} from "../../src/expressions/index.js";
import type { AttributeValue } from "../../src/values/types.js";
import { errorMessage } from "./helpers.js";

const key = { partitionKey: "pk", sortKey: "sk", partitionKeyType: "S", sortKeyType: "N" } as const;

function parse(
  text: string,
  values: Record<string, AttributeValue>,
  names?: Record<string, string>,
): KeyCondition {
  const context = new ExpressionContext(names, values);
  const condition = parseKeyCondition(text, context, key);
  context.assertAllUsed();
  return condition;
}

const p = { ":p": { S: "a" } };

describe("parseKeyCondition", () => {
  it("takes the partition key alone", () => {
    expect(parse("pk = :p", p)).toEqual({ partitionValue: { S: "a" } });
    expect(parse(":p = #k", p, { "#k": "pk" })).toEqual({ partitionValue: { S: "a" } });
    expect(parse("(pk = :p)", p)).toEqual({ partitionValue: { S: "a" } });
  });

  it("takes a sort key condition in either order, mirroring reversed operands", () => {
    const values = { ...p, ":s": { N: "0" } };
    expect(parse("pk = :p AND sk > :s", values).sort).toEqual({ op: ">", values: [{ N: "0" }] });
    expect(parse("sk > :s AND pk = :p", values).sort).toEqual({ op: ">", values: [{ N: "0" }] });
    expect(parse(":s < sk AND pk = :p", values).sort).toEqual({ op: ">", values: [{ N: "0" }] });
    expect(parse(":s >= sk AND pk = :p", values).sort).toEqual({ op: "<=", values: [{ N: "0" }] });
    expect(parse("(pk = :p) AND (sk = :s)", values).sort).toEqual({ op: "=", values: [{ N: "0" }] });
  });

  it("takes BETWEEN and begins_with", () => {
    expect(
      parse("pk = :p AND sk BETWEEN :a AND :b", { ...p, ":a": { N: "1" }, ":b": { N: "2" } }).sort,
    ).toEqual({
      op: "BETWEEN",
      values: [{ N: "1" }, { N: "2" }],
    });
    const stringKey = { partitionKey: "pk", sortKey: "sk" };
    const condition = parseKeyCondition(
      "pk = :p AND begins_with(sk, :pre)",
      new ExpressionContext({}, { ...p, ":pre": { S: "ab" } }),
      stringKey,
    );
    expect(condition.sort).toEqual({ op: "BEGINS_WITH", values: [{ S: "ab" }] });
  });

  const errors: [string, Record<string, AttributeValue>, string][] = [
    [
      "pk = :p AND sk <> :s",
      { ...p, ":s": { N: "1" } },
      "Invalid operator used in KeyConditionExpression: <>",
    ],
    ["pk = :p OR sk = :s", { ...p, ":s": { N: "1" } }, "Invalid operator used in KeyConditionExpression: OR"],
    ["NOT pk = :p", p, "Invalid operator used in KeyConditionExpression: NOT"],
    [
      "pk = :p AND sk IN (:s)",
      { ...p, ":s": { N: "1" } },
      "Invalid operator used in KeyConditionExpression: IN",
    ],
    [
      "pk = :p AND attribute_exists(sk)",
      p,
      "Invalid operator used in KeyConditionExpression: attribute_exists",
    ],
    ["pk = :p AND x = :s", { ...p, ":s": { N: "1" } }, "Query condition missed key schema element"],
    ["sk = :s", { ":s": { N: "1" } }, "Query condition missed key schema element"],
    ["pk > :p", p, "Query key condition not supported"],
    ["pk = :p AND pk = :p", p, "KeyConditionExpressions must only contain one condition per key"],
    [
      "pk = :p AND sk = :s AND sk = :s",
      { ...p, ":s": { N: "1" } },
      "KeyConditionExpressions must only contain one condition per key",
    ],
    [
      "pk = :p AND sk = :s",
      { ...p, ":s": { S: "1" } },
      "One or more parameter values were invalid: Condition parameter type does not match schema type",
    ],
    ["pk = :n", { ":n": { N: "1" } }, "Condition parameter type does not match schema type"],
    [
      "pk = :p AND begins_with(sk, :s)",
      { ...p, ":s": { S: "1" } },
      "Condition parameter type does not match schema type",
    ],
    [
      "pk = :p AND begins_with(sk, :s)",
      { ...p, ":s": { N: "1" } },
      "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
    ],
    [
      "pk = :p AND size(sk) = :s",
      { ...p, ":s": { N: "1" } },
      "KeyConditionExpressions cannot contain nested operations",
    ],
    [
      "pk.x = :p",
      p,
      "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk",
    ],
    [
      "pk = pk",
      {},
      "Invalid KeyConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [pk]",
    ],
    [
      "pk = :p AND sk BETWEEN :b AND :a",
      { ...p, ":a": { N: "1" }, ":b": { N: "2" } },
      "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound",
    ],
    ["pk = :p AND", p, 'Invalid KeyConditionExpression: Syntax error; token: "<EOF>", near: "AND"'],
  ];
  it.each(errors)("rejects %s", (text, values, message) => {
    expect(errorMessage(() => parse(text, values))).toContain(message);
  });
});

describe("matchesSortKey", () => {
  it("applies each operator with typed ordering", () => {
    const n = (text: string) => ({ N: text });
    expect(matchesSortKey({ op: "=", values: [n("1.0")] }, n("1"))).toBe(true);
    expect(matchesSortKey({ op: "<", values: [n("10")] }, n("9"))).toBe(true);
    expect(matchesSortKey({ op: "<=", values: [n("9")] }, n("9"))).toBe(true);
    expect(matchesSortKey({ op: ">", values: [n("9")] }, n("9"))).toBe(false);
    expect(matchesSortKey({ op: ">=", values: [n("-1")] }, n("9"))).toBe(true);
    expect(matchesSortKey({ op: "BETWEEN", values: [n("1"), n("9")] }, n("9"))).toBe(true);
    expect(matchesSortKey({ op: "BETWEEN", values: [n("1"), n("9")] }, n("9.5"))).toBe(false);
    expect(matchesSortKey({ op: "BEGINS_WITH", values: [{ S: "ab" }] }, { S: "abc" })).toBe(true);
    expect(matchesSortKey({ op: "BEGINS_WITH", values: [{ S: "ab" }] }, { S: "b" })).toBe(false);
    expect(matchesSortKey({ op: "=", values: [{ S: "1" }] }, n("1"))).toBe(false);
  });
});
