/**
 * ProjectionExpression: parsing and applying, with the result keeping the item's structure. Results
 * and messages were checked against DynamoDB Local 1.25 with the same item.
 */
import { describe, expect, it } from "vitest";
import { applyProjection, ExpressionContext, parseProjection } from "../../src/expressions/index.js";
import type { Item } from "../../src/values/types.js";
import { errorMessage } from "./helpers.js";

const item: Item = {
  n: { N: "5" },
  s: { S: "hello" },
  l: { L: [{ N: "0" }, { N: "1" }, { N: "2" }, { N: "3" }, { M: { a: { S: "deep" } } }] },
  m: { M: { x: { S: "y" }, n: { M: { d: { N: "1" } } }, l: { L: [{ S: "a" }, { S: "b" }] } } },
};

function project(text: string, names?: Record<string, string>): Item {
  const context = new ExpressionContext(names);
  const projection = parseProjection(text, context);
  context.assertAllUsed();
  return applyProjection(projection, item);
}

describe("applyProjection", () => {
  it("picks top-level attributes and skips missing ones", () => {
    expect(project("n, s, nope")).toEqual({ n: { N: "5" }, s: { S: "hello" } });
  });

  it("keeps list elements in list order, whatever order they were asked for", () => {
    expect(project("l[3], l[1], l[9]")).toEqual({ l: { L: [{ N: "1" }, { N: "3" }] } });
  });

  it("keeps nested structure for map keys and list elements inside maps", () => {
    expect(project("m.x, m.n.d, m.l[1], l[4].a")).toEqual({
      m: { M: { x: { S: "y" }, n: { M: { d: { N: "1" } } }, l: { L: [{ S: "b" }] } } },
      l: { L: [{ M: { a: { S: "deep" } } }] },
    });
  });

  it("yields nothing for paths through the wrong type", () => {
    expect(project("m.x.y, s[0], l[0].a")).toEqual({});
    expect(project("l[0][0]")).toEqual({});
  });

  it("resolves name placeholders and returns copies, not the item's own objects", () => {
    const result = project("#a, #b.#c", { "#a": "n", "#b": "m", "#c": "x" });
    expect(result).toEqual({ n: { N: "5" }, m: { M: { x: { S: "y" } } } });
    (result.n as { N: string }).N = "6";
    expect(item.n).toEqual({ N: "5" });
  });
});

describe("parseProjection errors (DynamoDB Local wording)", () => {
  const cases: [string, string, Record<string, string>?][] = [
    [
      "n, n",
      "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [n], path two: [n]",
    ],
    [
      "m, m.x",
      "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m], path two: [m, x]",
    ],
    [
      "#a, n",
      "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [n], path two: [n]",
      { "#a": "n" },
    ],
    [
      "l[0], l.x",
      "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [l, [0]], path two: [l, x]",
    ],
    ["n,", 'Syntax error; token: "<EOF>", near: ","'],
    ["size(n)", 'Syntax error; token: "(", near: "size(n"'],
    ["n = :v", 'Syntax error; token: "=", near: "n = :v"'],
    [":v", 'Syntax error; token: ":v", near: ":v"'],
    ["add", 'Syntax error; token: "add", near: "add"'],
    ["status", "Attribute name is a reserved keyword; reserved keyword: status"],
    [
      "n, #nope",
      "An expression attribute name used in the document path is not defined; attribute name: #nope",
    ],
    ["", "The expression can not be empty;"],
  ];
  it.each(cases)("%s", (text, detail, names) => {
    expect(errorMessage(() => project(text, names))).toContain(`Invalid ProjectionExpression: ${detail}`);
  });

  it("reports unused name placeholders", () => {
    expect(errorMessage(() => project("n", { "#x": "y" }))).toBe(
      "ValidationException: Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}",
    );
  });
});
