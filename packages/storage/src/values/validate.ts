/**
 * Checks attribute values and items as they arrive on the wire and returns them normalized (numbers
 * canonical, absent members dropped). Wrong JSON shapes are `SerializationException`s, rule breaks
 * are `ValidationException`s, both worded like DynamoDB's (DynamoDB Local 1.25 is the reference).
 */
import { DynamoError, validationError } from "../errors.js";
import { normalizeNumber } from "./number.js";
import type { AttributeType, AttributeValue, Item } from "./types.js";

/** How deep documents may nest, the item itself being the first level (DynamoDB's limit). */
export const maxNestingLevels = 32;
/** Longest attribute name, in UTF-8 bytes (DynamoDB's limit: "must be less than 65536 bytes"). */
export const maxAttributeNameBytes = 65_535;

/** Where expression attribute values sit in a request: DynamoDB names the offending key for these. */
const expressionAttributeValuesPrefix = "ExpressionAttributeValues.";

const typeKeys: readonly AttributeType[] = ["S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"];
const typeKeySet: ReadonlySet<string> = new Set(typeKeys);

/** The one own member of `raw` when it has exactly one and it names a type, else undefined. */
function soleTypeMember(raw: Record<string, unknown>): AttributeType | undefined {
  let sole: string | undefined;
  for (const name in raw) {
    if (sole !== undefined) return undefined;
    sole = name;
  }
  return sole !== undefined && typeKeySet.has(sole) && Object.hasOwn(raw, sole)
    ? (sole as AttributeType)
    : undefined;
}

const canonicalBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function serializationError(message: string): DynamoError {
  return new DynamoError("SerializationException", message);
}

function invalidParameter(message: string): DynamoError {
  return validationError(`One or more parameter values were invalid: ${message}`);
}

/** Names a JSON value the way DynamoDB's parser does when it finds one where another was expected. */
function jsonTokenName(value: unknown): string {
  if (typeof value === "boolean") return value ? "TRUE_VALUE" : "FALSE_VALUE";
  if (typeof value === "number") return Number.isInteger(value) ? "NUMBER_VALUE" : "DECIMAL_VALUE";
  return "STRING_VALUE";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requireString(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) throw serializationError("Unrecognized collection type class java.lang.String");
  if (isPlainObject(value)) throw serializationError("Start of structure or map found where not expected");
  throw serializationError(`${jsonTokenName(value)} cannot be converted to String`);
}

function requireBoolean(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (Array.isArray(value)) throw serializationError("Unrecognized collection type class java.lang.Boolean");
  if (isPlainObject(value)) throw serializationError("Start of structure or map found where not expected");
  throw serializationError(`${jsonTokenName(value)} cannot be converted to Boolean`);
}

function requireArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isPlainObject(value)) throw serializationError("Start of structure or map found where not expected");
  throw serializationError("Unexpected field type");
}

function requireMap(value: unknown): Record<string, unknown> {
  if (isPlainObject(value)) return value;
  if (Array.isArray(value)) {
    throw serializationError(
      "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>",
    );
  }
  throw serializationError("Unexpected field type");
}

/** Standard base64 with padding and zero unused bits: one text per byte string, as DynamoDB demands. */
function requireBase64(value: unknown): string {
  if (typeof value !== "string") {
    if (Array.isArray(value))
      throw serializationError("Unrecognized collection type class java.nio.ByteBuffer");
    if (isPlainObject(value)) throw serializationError("Start of structure or map found where not expected");
    throw serializationError("only base-64-encoded strings are convertible to bytes");
  }
  if (value.length % 4 !== 0) {
    throw serializationError(
      `Base64 encoded length is expected a multiple of 4 bytes but found: ${value.length}`,
    );
  }
  if (!canonicalBase64.test(value)) throw serializationError("Invalid Base64 character detected");
  if (Buffer.from(value, "base64").toString("base64") !== value) {
    throw serializationError("Invalid last non-pad Base64 character detected");
  }
  return value;
}

function checkAttributeName(name: string): void {
  if (name === "") throw validationError("Empty attribute name");
  if (Buffer.byteLength(name, "utf8") > maxAttributeNameBytes) {
    throw validationError("Attribute name is too large, must be less than 65536 bytes");
  }
}

function checkNestingLevel(level: number): void {
  if (level > maxNestingLevels) {
    throw validationError(
      "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit",
    );
  }
}

function validateStringSet(raw: unknown): string[] {
  const members = requireArray(raw).map(requireString);
  if (members.length === 0) throw invalidParameter("An string set  may not be empty");
  if (new Set(members).size !== members.length) {
    throw invalidParameter(`Input collection [${members.join(", ")}] contains duplicates`);
  }
  return members;
}

function validateNumberSet(raw: unknown): string[] {
  const members = requireArray(raw).map(requireString);
  if (members.length === 0) throw invalidParameter("An number set  may not be empty");
  // DynamoDB reports a textual duplicate before it parses the members, a numeric one after.
  if (new Set(members).size !== members.length) throw validationError("Input collection contains duplicates");
  const normalized = members.map(normalizeNumber);
  if (new Set(normalized).size !== normalized.length)
    throw validationError("Input collection contains duplicates");
  return normalized;
}

function validateBinarySet(raw: unknown): string[] {
  const members = requireArray(raw).map(requireBase64);
  if (members.length === 0) throw invalidParameter("Binary sets should not be empty");
  // Canonical base64 is one text per byte string, so equal texts are exactly equal bytes.
  if (new Set(members).size !== members.length) {
    throw invalidParameter("Input collection of type BS contains duplicates.");
  }
  return members;
}

/**
 * Validates one wire value found at nesting `level` (an item's attributes are at level 2). Every type
 * member present is checked before the count of members, which is the order DynamoDB reports in.
 */
function validateValueAt(raw: unknown, level: number): AttributeValue {
  if (Array.isArray(raw)) {
    throw serializationError(
      "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue",
    );
  }
  if (!isPlainObject(raw)) throw serializationError("Unexpected value type in payload");
  // The usual value has exactly one member, a type: check it alone instead of probing every type.
  const sole = soleTypeMember(raw);
  if (sole !== undefined && raw[sole] !== undefined && raw[sole] !== null) {
    return validateMember(sole, raw[sole], level);
  }
  let result: AttributeValue | undefined;
  let typeCount = 0;
  // Members that are null or unknown count as absent, as in DynamoDB's JSON binding.
  for (const type of typeKeys) {
    const member = Object.hasOwn(raw, type) ? raw[type] : undefined;
    if (member === undefined || member === null) continue;
    typeCount++;
    result = validateMember(type, member, level);
  }
  if (result === undefined) {
    throw validationError(
      "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
    );
  }
  if (typeCount > 1) {
    throw validationError(
      "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
    );
  }
  return result;
}

function validateMember(type: AttributeType, member: unknown, level: number): AttributeValue {
  switch (type) {
    case "S":
      return { S: requireString(member) };
    case "N":
      return { N: normalizeNumber(requireString(member)) };
    case "B":
      return { B: requireBase64(member) };
    case "BOOL":
      return { BOOL: requireBoolean(member) };
    case "NULL":
      if (!requireBoolean(member))
        throw invalidParameter("Null attribute value types must have the value of true");
      return { NULL: true };
    case "L": {
      const elements = requireArray(member);
      checkNestingLevel(level);
      return { L: elements.map((element) => validateValueAt(element, level + 1)) };
    }
    case "M":
      checkNestingLevel(level);
      return { M: validateAttributes(requireMap(member), level + 1) };
    case "SS":
      return { SS: validateStringSet(member) };
    case "NS":
      return { NS: validateNumberSet(member) };
    case "BS":
      return { BS: validateBinarySet(member) };
  }
}

function validateAttributes(raw: Record<string, unknown>, level: number): Item {
  const attributes: Array<[string, AttributeValue]> = [];
  for (const name in raw) {
    if (!Object.hasOwn(raw, name)) continue;
    checkAttributeName(name);
    attributes.push([name, validateValueAt(raw[name], level)]);
  }
  // fromEntries defines own properties, so a name such as "__proto__" stays an attribute.
  return Object.fromEntries(attributes);
}

/**
 * Validates one attribute value from a request and returns it normalized (numbers in canonical text).
 * `path` says where the value sits, such as `Key.id` or `ExpressionAttributeValues.:v`; as DynamoDB
 * does, errors about expression attribute values name the offending key
 * ("ExpressionAttributeValues contains invalid value: … for key :v").
 */
export function validateAttributeValue(value: unknown, path: string): AttributeValue {
  if (!path.startsWith(expressionAttributeValuesPrefix)) return validateValueAt(value, 2);
  try {
    return validateValueAt(value, 2);
  } catch (error) {
    if (!(error instanceof DynamoError) || error.type !== "ValidationException") throw error;
    const key = path.slice(expressionAttributeValuesPrefix.length);
    throw validationError(
      `ExpressionAttributeValues contains invalid value: ${error.message} for key ${key}`,
    );
  }
}

/**
 * Validates an item (attribute name to wire value) and returns it normalized. `context` names the
 * request member the item came from (`Item`, `Key`, …) for the error DynamoDB gives when it is null.
 * The 400 KB item size limit is not checked here; see `itemSizeBytes`.
 */
export function validateItem(value: unknown, context: string): Item {
  if (value === undefined || value === null) {
    const member = context.charAt(0).toLowerCase() + context.slice(1);
    throw validationError(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return validateAttributes(requireMap(value), 2);
}
