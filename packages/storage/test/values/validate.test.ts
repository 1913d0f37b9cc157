/**
 * Validation of wire values and items. The ValidationException messages are the ones DynamoDB Local
 * 1.25 gives for the same inputs; where DynamoDB Local silently coerces a wrong JSON type (or fails
 * with an internal error), a SerializationException is expected, as DynamoDB itself gives.
 */
import { describe, expect, it } from "vitest";
import { DynamoError } from "../../src/errors.js";
import type { AttributeValue } from "../../src/values/types.js";
import { validateAttributeValue, validateItem } from "../../src/values/validate.js";

const empty = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
const moreThanOne =
  "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes";
const tooDeep =
  "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";

function errorOf(action: () => unknown): DynamoError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(DynamoError);
    return error as DynamoError;
  }
  throw new Error("expected a DynamoError");
}

function validationMessage(value: unknown, path = "Item.a"): string {
  const error = errorOf(() => validateAttributeValue(value, path));
  expect(error.type).toBe("ValidationException");
  expect(error.status).toBe(400);
  return error.message;
}

function serializationMessage(value: unknown): string {
  const error = errorOf(() => validateAttributeValue(value, "Item.a"));
  expect(error.type).toBe("SerializationException");
  expect(error.status).toBe(400);
  return error.message;
}

/** A value wrapped in `levels` lists. */
function nestedInLists(levels: number, innermost: AttributeValue): AttributeValue {
  let value = innermost;
  for (let level = 0; level < levels; level++) value = { L: [value] };
  return value;
}

/** A value wrapped in `levels` maps. */
function nestedInMaps(levels: number, innermost: AttributeValue): AttributeValue {
  let value = innermost;
  for (let level = 0; level < levels; level++) value = { M: { k: value } };
  return value;
}

describe("validateAttributeValue accepts and normalizes", () => {
  const accepted: Array<[unknown, AttributeValue]> = [
    [{ S: "" }, { S: "" }],
    [{ S: "héllo 😀" }, { S: "héllo 😀" }],
    [{ N: "1.50" }, { N: "1.5" }],
    [{ N: "-0" }, { N: "0" }],
    [{ N: "1E+2" }, { N: "100" }],
    [{ B: "" }, { B: "" }],
    [{ B: "AQID" }, { B: "AQID" }],
    [{ B: "AQ==" }, { B: "AQ==" }],
    [{ BOOL: false }, { BOOL: false }],
    [{ NULL: true }, { NULL: true }],
    [{ L: [] }, { L: [] }],
    [{ M: {} }, { M: {} }],
    [{ L: [{ N: "01" }, { M: { x: { NS: ["2.0"] } } }] }, { L: [{ N: "1" }, { M: { x: { NS: ["2"] } } }] }],
    [{ SS: ["", "a"] }, { SS: ["", "a"] }],
    [{ NS: ["1", "2.50", "-3e0"] }, { NS: ["1", "2.5", "-3"] }],
    [{ BS: ["", "AQ=="] }, { BS: ["", "AQ=="] }],
    // Null members count as absent, as in DynamoDB's JSON binding.
    [{ S: null, N: "1" }, { N: "1" }],
    // Unknown members are ignored.
    [{ N: "7", X: "ignored" }, { N: "7" }],
  ];
  it.each(accepted)("%j → %j", (input, expected) => {
    expect(validateAttributeValue(input, "Item.a")).toEqual(expected);
  });

  it("returns a new value and leaves the input alone", () => {
    const input = { L: [{ N: "1.0" }] };
    validateAttributeValue(input, "Item.a");
    expect(input).toEqual({ L: [{ N: "1.0" }] });
  });
});

describe("validateAttributeValue rejects with DynamoDB's messages", () => {
  it.each([
    [{}, empty],
    [{ X: "a" }, empty],
    [{ S: null }, empty],
    [{ L: null }, empty],
    [{ BOOL: null }, empty],
    [{ S: "a", N: "1" }, moreThanOne],
    [{ NULL: true, S: "a" }, moreThanOne],
    [{ L: [{}] }, empty],
    [{ M: { a: {} } }, empty],
    [{ L: [{ S: "a", N: "1" }] }, moreThanOne],
    [
      { NULL: false },
      "One or more parameter values were invalid: Null attribute value types must have the value of true",
    ],
    [{ SS: [] }, "One or more parameter values were invalid: An string set  may not be empty"],
    [{ NS: [] }, "One or more parameter values were invalid: An number set  may not be empty"],
    [{ BS: [] }, "One or more parameter values were invalid: Binary sets should not be empty"],
    [
      { SS: ["a", "a"] },
      "One or more parameter values were invalid: Input collection [a, a] contains duplicates",
    ],
    [
      { SS: ["a", "b", "a"] },
      "One or more parameter values were invalid: Input collection [a, b, a] contains duplicates",
    ],
    [{ NS: ["1", "1"] }, "Input collection contains duplicates"],
    [{ NS: ["1", "1.0"] }, "Input collection contains duplicates"],
    [{ NS: ["1", "2", "01"] }, "Input collection contains duplicates"],
    [{ NS: ["1", "1", "x"] }, "Input collection contains duplicates"],
    [
      { BS: ["AQ==", "AQ=="] },
      "One or more parameter values were invalid: Input collection of type BS contains duplicates.",
    ],
    [{ N: "x" }, "A value provided cannot be converted into a number"],
    [{ N: "" }, "A value provided cannot be converted into a number"],
    [{ NS: ["x"] }, "A value provided cannot be converted into a number"],
    [{ NS: [" 1"] }, "A value provided cannot be converted into a number"],
    [
      { NS: ["1e200"] },
      "Number overflow. Attempting to store a number with magnitude larger than supported range",
    ],
    [{ N: "1".repeat(39) }, "DynamoDB only supports precision up to 38 digits"],
    [{ M: { "": { S: "x" } } }, "Empty attribute name"],
    [
      { M: { ["a".repeat(65_536)]: { S: "x" } } },
      "Attribute name is too large, must be less than 65536 bytes",
    ],
    [
      { L: [{ M: { x: { SS: [] } } }] },
      "One or more parameter values were invalid: An string set  may not be empty",
    ],
  ] as Array<[unknown, string]>)("%j", (value, message) => {
    expect(validationMessage(value)).toBe(message);
  });

  it("checks the members present before counting them, as DynamoDB does", () => {
    expect(validationMessage({ SS: [], S: "a" })).toBe(
      "One or more parameter values were invalid: An string set  may not be empty",
    );
    expect(validationMessage({ N: "x", S: "a" })).toBe("A value provided cannot be converted into a number");
  });

  it("counts attribute names in UTF-8 bytes", () => {
    expect(validateAttributeValue({ M: { ["a".repeat(65_535)]: { S: "x" } } }, "Item.a")).toBeDefined();
    expect(validationMessage({ M: { ["é".repeat(32_768)]: { S: "x" } } })).toBe(
      "Attribute name is too large, must be less than 65536 bytes",
    );
  });
});

describe("nesting depth", () => {
  it("accepts 31 nested documents and rejects 32, the item being the first level", () => {
    expect(validateAttributeValue(nestedInLists(31, { S: "x" }), "Item.a")).toEqual(
      nestedInLists(31, { S: "x" }),
    );
    expect(validateAttributeValue(nestedInMaps(31, { S: "x" }), "Item.a")).toEqual(
      nestedInMaps(31, { S: "x" }),
    );
    expect(validateAttributeValue(nestedInLists(31, { SS: ["a"] }), "Item.a")).toBeDefined();
    expect(validationMessage(nestedInLists(32, { S: "x" }))).toBe(tooDeep);
    expect(validationMessage(nestedInMaps(32, { S: "x" }))).toBe(tooDeep);
    expect(validationMessage(nestedInLists(31, { L: [] }))).toBe(tooDeep);
  });

  it("stops at the limit instead of recursing through a hostile depth", () => {
    expect(validationMessage(nestedInLists(100_000, { S: "x" }))).toBe(tooDeep);
  });
});

describe("wrong JSON shapes are serialization errors", () => {
  it.each([
    [{ S: 1 }, "NUMBER_VALUE cannot be converted to String"],
    [{ S: 1.5 }, "DECIMAL_VALUE cannot be converted to String"],
    [{ S: true }, "TRUE_VALUE cannot be converted to String"],
    [{ S: ["a"] }, "Unrecognized collection type class java.lang.String"],
    [{ S: { a: 1 } }, "Start of structure or map found where not expected"],
    [{ N: 1 }, "NUMBER_VALUE cannot be converted to String"],
    [{ BOOL: "true" }, "STRING_VALUE cannot be converted to Boolean"],
    [{ NULL: "true" }, "STRING_VALUE cannot be converted to Boolean"],
    [{ NULL: 1 }, "NUMBER_VALUE cannot be converted to Boolean"],
    [{ L: {} }, "Start of structure or map found where not expected"],
    [{ L: "a" }, "Unexpected field type"],
    [
      { M: [] },
      "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>",
    ],
    [{ SS: "a" }, "Unexpected field type"],
    [{ SS: [1] }, "NUMBER_VALUE cannot be converted to String"],
    [{ NS: [1] }, "NUMBER_VALUE cannot be converted to String"],
    [{ B: 1 }, "only base-64-encoded strings are convertible to bytes"],
    [{ B: "AQ" }, "Base64 encoded length is expected a multiple of 4 bytes but found: 2"],
    [{ B: "!!!!" }, "Invalid Base64 character detected"],
    [{ B: "AQ-_" }, "Invalid Base64 character detected"],
    [{ B: "A===" }, "Invalid Base64 character detected"],
    [{ B: "AR==" }, "Invalid last non-pad Base64 character detected"],
    [{ BS: ["AQ==", "AQ"] }, "Base64 encoded length is expected a multiple of 4 bytes but found: 2"],
    ["a", "Unexpected value type in payload"],
    [7, "Unexpected value type in payload"],
    [null, "Unexpected value type in payload"],
    [[{ S: "a" }], "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue"],
  ] as Array<[unknown, string]>)("%j", (value, message) => {
    expect(serializationMessage(value)).toBe(message);
  });
});

describe("expression attribute values", () => {
  it("name the offending key, as DynamoDB does", () => {
    expect(validationMessage({ SS: [] }, "ExpressionAttributeValues.:v")).toBe(
      "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An string set  may not be empty for key :v",
    );
    expect(validationMessage({}, "ExpressionAttributeValues.:val")).toBe(
      `ExpressionAttributeValues contains invalid value: ${empty} for key :val`,
    );
    expect(validationMessage({ N: "x" }, "ExpressionAttributeValues.:n")).toBe(
      "ExpressionAttributeValues contains invalid value: A value provided cannot be converted into a number for key :n",
    );
  });

  it("leave serialization errors as they are", () => {
    const error = errorOf(() => validateAttributeValue({ S: 1 }, "ExpressionAttributeValues.:v"));
    expect(error.type).toBe("SerializationException");
    expect(error.message).toBe("NUMBER_VALUE cannot be converted to String");
  });

  it("are returned normalized", () => {
    expect(validateAttributeValue({ N: "5.0" }, "ExpressionAttributeValues.:v")).toEqual({ N: "5" });
  });
});

describe("validateItem", () => {
  it("validates every attribute and normalizes numbers", () => {
    expect(validateItem({ pk: { S: "a" }, n: { N: "0010.0" }, s: { NS: ["1e1", "2"] } }, "Item")).toEqual({
      pk: { S: "a" },
      n: { N: "10" },
      s: { NS: ["10", "2"] },
    });
    expect(validateItem({}, "Item")).toEqual({});
  });

  it("rejects an empty or oversized attribute name", () => {
    const emptyName = errorOf(() => validateItem({ "": { S: "a" } }, "Item"));
    expect(emptyName.message).toBe("Empty attribute name");
    const longName = errorOf(() => validateItem({ ["a".repeat(65_536)]: { S: "a" } }, "Item"));
    expect(longName.message).toBe("Attribute name is too large, must be less than 65536 bytes");
  });

  it("rejects a bad attribute with the value's message", () => {
    expect(errorOf(() => validateItem({ a: { S: "x" }, b: { SS: [] } }, "Item")).message).toBe(
      "One or more parameter values were invalid: An string set  may not be empty",
    );
  });

  it("rejects a missing item naming the member", () => {
    const error = errorOf(() => validateItem(null, "Item"));
    expect(error.type).toBe("ValidationException");
    expect(error.message).toBe(
      "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null",
    );
  });

  it("rejects an item that is not a JSON object", () => {
    expect(errorOf(() => validateItem([], "Item")).type).toBe("SerializationException");
    expect(errorOf(() => validateItem("a", "Item")).type).toBe("SerializationException");
  });

  it("keeps an attribute named __proto__ as an attribute", () => {
    const item = validateItem(JSON.parse('{"__proto__": {"S": "x"}}'), "Item");
    expect(Object.keys(item)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
  });

  it("allows 31 nested documents under a top-level attribute", () => {
    expect(validateItem({ a: nestedInMaps(31, { N: "1" }) }, "Item")).toBeDefined();
    expect(errorOf(() => validateItem({ a: nestedInMaps(32, { N: "1" }) }, "Item")).message).toBe(tooDeep);
  });
});
