/**
 * CreateTable's KeySchema and AttributeDefinitions: parsed into the engine's key schema, checked in
 * the order DynamoDB checks them (key schema, then attribute definitions, then how the two agree), each
 * rule broken reported in DynamoDB's own sentence.
 */
import type { KeySchema } from "../engine/index.js";
import { validationError } from "../errors.js";
import type { KeyAttributeType } from "../values/types.js";
import { type Input, optionalString } from "./validation.js";

/** A table's key is a partition key and at most one sort key. */
export const maxKeySchemaElements = 2;
/** Longest key attribute name, in characters (DynamoDB's limit). */
export const maxKeyAttributeNameLength = 255;

export type AttributeDefinitions = { AttributeName: string; AttributeType: KeyAttributeType }[];

const keyAttributeTypes: readonly KeyAttributeType[] = ["S", "N", "B"];

const messages = {
  noKeySchema:
    "No defined key schema.  A key schema containing at least a hash key must be defined for all tables",
  keySchemaTooBig:
    "Key Schema too big.  Key Schema must at most consist of the hash and range key of a table",
  invalidElement: "Key schema element is invalid.",
  unspecifiedKeyType: "One or more keys is not specified as being hash or range.",
  noAttributeName: "Attribute name must be specified.",
  noHashKey: "No Hash Key specified in schema.  All Dynamo DB tables must have exactly one hash key",
  tooManyHashKeys: "Too many hash keys specified.  All Dynamo DB tables must have exactly one hash key",
  keyOrder:
    "Invalid key order. Hash Key must be specified first in key schema, Range Key must be specifed second",
  identicalKeyNames: "Two keys can not have the same name",
  noAttributeSchema: "No Attribute Schema Defined",
  attributeType: "Member must satisfy enum value set: [B, N, S]",
  identicalAttributeNames: "Cannot have two attributes with the same name",
  hashKeyUndefined: "Hash Key not specified in Attribute Definitions.  Type unknown.",
  rangeKeyUndefined: "Range Key not specified in Attribute Definitions.  Type unknown.",
  attributeNameLength:
    "Names of key attributes and attributes projected into an index must be between 1 and 255 characters, inclusive",
  attributeCount:
    "The number of attributes in key schema must match the number of attributes defined in attribute definitions.",
} as const;

interface KeyElement {
  name: string;
  keyType: string;
}

function asEntry(raw: unknown, invalid: string): Input {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw validationError(invalid);
  return raw as Input;
}

function parseKeyElements(raw: unknown): KeyElement[] {
  if (raw === undefined || raw === null) throw validationError(messages.noKeySchema);
  if (!Array.isArray(raw)) throw validationError(messages.invalidElement);
  if (raw.length > maxKeySchemaElements) throw validationError(messages.keySchemaTooBig);
  const elements = raw.map((entry) => {
    const element = asEntry(entry, messages.invalidElement);
    const keyType = optionalString(element, "KeyType");
    if (keyType === undefined) throw validationError(messages.unspecifiedKeyType);
    const name = optionalString(element, "AttributeName");
    if (name === undefined) throw validationError(messages.noAttributeName);
    return { name, keyType };
  });
  const hashKeys = elements.filter((element) => element.keyType === "HASH").length;
  if (hashKeys === 0) throw validationError(messages.noHashKey);
  if (hashKeys > 1) throw validationError(messages.tooManyHashKeys);
  if (elements[0]?.keyType !== "HASH" || (elements[1] !== undefined && elements[1].keyType !== "RANGE")) {
    throw validationError(messages.keyOrder);
  }
  if (elements[1] !== undefined && elements[1].name === elements[0].name) {
    throw validationError(messages.identicalKeyNames);
  }
  return elements;
}

function parseAttributeDefinitions(raw: unknown): AttributeDefinitions {
  if (raw === undefined || raw === null) throw validationError(messages.noAttributeSchema);
  if (!Array.isArray(raw)) throw validationError(messages.noAttributeSchema);
  const definitions: AttributeDefinitions = [];
  for (const entry of raw) {
    const definition = asEntry(entry, messages.noAttributeSchema);
    const type = optionalString(definition, "AttributeType");
    if (!(keyAttributeTypes as readonly (string | undefined)[]).includes(type)) {
      throw validationError(messages.attributeType);
    }
    const name = optionalString(definition, "AttributeName");
    if (name === undefined) throw validationError(messages.noAttributeName);
    if (name.length < 1 || name.length > maxKeyAttributeNameLength) {
      throw validationError(messages.attributeNameLength);
    }
    if (definitions.some((known) => known.AttributeName === name)) {
      throw validationError(messages.identicalAttributeNames);
    }
    definitions.push({ AttributeName: name, AttributeType: type as KeyAttributeType });
  }
  return definitions;
}

/** The key schema and attribute definitions of a CreateTable request, or DynamoDB's first objection. */
export function parseKeySchema(input: Input): { keySchema: KeySchema; definitions: AttributeDefinitions } {
  const [hash, range] = parseKeyElements(input.KeySchema) as [KeyElement, KeyElement | undefined];
  const definitions = parseAttributeDefinitions(input.AttributeDefinitions);
  const typeOf = (name: string) => definitions.find((known) => known.AttributeName === name)?.AttributeType;
  const hashType = typeOf(hash.name);
  if (hashType === undefined) throw validationError(messages.hashKeyUndefined);
  const keySchema: KeySchema = { partitionKey: { name: hash.name, type: hashType } };
  if (range !== undefined) {
    const rangeType = typeOf(range.name);
    if (rangeType === undefined) throw validationError(messages.rangeKeyUndefined);
    keySchema.sortKey = { name: range.name, type: rangeType };
  }
  if (definitions.length !== (range === undefined ? 1 : 2)) throw validationError(messages.attributeCount);
  return { keySchema, definitions };
}
