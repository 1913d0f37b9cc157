/**
 * Generates random DynamoDB requests over a small vocabulary of keys and attributes, dense enough
 * that conditions both pass and fail, updates hit existing and missing attributes, and type
 * mismatches and other validation errors happen now and then. Each operation is a command name plus
 * the SDK input for it; the same operation is replayed against every target.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { SeededRandom } from "./random.js";

export type OperationName =
  | "PutItem"
  | "GetItem"
  | "UpdateItem"
  | "DeleteItem"
  | "Query"
  | "Scan"
  | "BatchWriteItem"
  | "TransactWriteItems";

export interface Operation {
  name: OperationName;
  input: Record<string, unknown>;
}

export interface TableShape {
  name: string;
  hasSortKey: boolean;
}

const partitionKeys = ["a", "b", "c", "d"];
const sortKeys = ["-1", "0", "1", "2.5", "10"];
const strings = ["", "a", "ab", "abc", "b", "x y", "é"];
const numbers = ["0", "1", "-1", "2.5", "10", "99999999999999999999999999999999999999", "1E-130"];

/** Builds expression placeholders so that every value placed in an expression is declared exactly once. */
class ExpressionValues {
  readonly values: Record<string, AttributeValue> = {};
  readonly #prefix: string;
  #next = 0;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  add(value: AttributeValue): string {
    const placeholder = `:${this.#prefix}${this.#next++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  /** The ExpressionAttributeValues field, omitted when no value was used (an empty map is an error). */
  field(): { ExpressionAttributeValues?: Record<string, AttributeValue> } {
    return Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: this.values } : {};
  }
}

function randomString(random: SeededRandom): AttributeValue {
  return { S: random.pick(strings) };
}

function randomNumber(random: SeededRandom): AttributeValue {
  return { N: random.pick(numbers) };
}

function randomStringSet(random: SeededRandom): AttributeValue {
  return { SS: random.sample(["a", "b", "c", "d"], random.between(1, 3)) };
}

function randomNumberSet(random: SeededRandom): AttributeValue {
  return { NS: random.sample(["1", "2", "3", "-4.5"], random.between(1, 3)) };
}

function randomList(random: SeededRandom): AttributeValue {
  return {
    L: Array.from({ length: random.between(0, 3) }, () =>
      random.chance(0.5) ? randomString(random) : randomNumber(random),
    ),
  };
}

function randomMap(random: SeededRandom): AttributeValue {
  const map: Record<string, AttributeValue> = {};
  if (random.chance(0.7)) map.x = randomNumber(random);
  if (random.chance(0.5)) map.y = randomString(random);
  return { M: map };
}

/** The vocabulary: each attribute has a usual type, and sometimes gets any other. */
const attributes: Record<string, (random: SeededRandom) => AttributeValue> = {
  n: randomNumber,
  s: randomString,
  ss: randomStringSet,
  ns: randomNumberSet,
  l: randomList,
  m: randomMap,
  flag: (random) => ({ BOOL: random.chance(0.5) }),
};
const attributeNames = Object.keys(attributes);

function randomValueFor(random: SeededRandom, attribute: string): AttributeValue {
  const generator = random.chance(0.1) ? attributes[random.pick(attributeNames)]! : attributes[attribute]!;
  return generator(random);
}

function randomKey(random: SeededRandom, table: TableShape): Record<string, AttributeValue> {
  const key: Record<string, AttributeValue> = { pk: { S: random.pick(partitionKeys) } };
  if (table.hasSortKey) key.sk = { N: random.pick(sortKeys) };
  return key;
}

/** `count` keys, distinct except now and then, because a batch or transaction with a repeated key is rejected whole. */
function randomKeys(
  random: SeededRandom,
  table: TableShape,
  count: number,
): Record<string, AttributeValue>[] {
  const keys: Record<string, AttributeValue>[] = [];
  const seen = new Set<string>();
  const allowRepeat = random.chance(0.1);
  for (let attempt = 0; attempt < count * 10 && keys.length < count; attempt++) {
    const key = randomKey(random, table);
    const text = JSON.stringify(key);
    if (seen.has(text) && !allowRepeat) continue;
    seen.add(text);
    keys.push(key);
  }
  return keys;
}

function randomItem(
  random: SeededRandom,
  table: TableShape,
  key = randomKey(random, table),
): Record<string, AttributeValue> {
  const item = { ...key };
  for (const attribute of random.sample(attributeNames, random.between(0, attributeNames.length))) {
    item[attribute] = randomValueFor(random, attribute);
  }
  return item;
}

function randomComparison(random: SeededRandom, values: ExpressionValues): string {
  const kind = random.below(11);
  switch (kind) {
    case 0:
      return `attribute_exists(${random.pick(attributeNames)})`;
    case 1:
      return `attribute_not_exists(${random.pick(attributeNames)})`;
    case 2:
      return `n ${random.pick(["=", "<>", "<", "<=", ">", ">="])} ${values.add(randomNumber(random))}`;
    case 3:
      return `s ${random.pick(["=", "<>", "<", ">="])} ${values.add(randomString(random))}`;
    case 4:
      return `begins_with(s, ${values.add({ S: random.pick(["", "a", "ab", "x"]) })})`;
    case 5:
      return `contains(${random.pick(["ss", "s", "l"])}, ${values.add({ S: random.pick(["a", "b", "y"]) })})`;
    case 6:
      return `size(${random.pick(["l", "ss", "s", "m"])}) ${random.pick(["=", ">", "<="])} ${values.add({ N: String(random.between(0, 3)) })}`;
    case 7: {
      const low = random.between(-2, 5);
      return `n BETWEEN ${values.add({ N: String(low) })} AND ${values.add({ N: String(low + random.between(0, 10)) })}`;
    }
    case 8:
      return `s IN (${Array.from({ length: random.between(1, 3) }, () => values.add(randomString(random))).join(", ")})`;
    case 9:
      return `attribute_type(${random.pick(attributeNames)}, ${values.add({ S: random.pick(["S", "N", "SS", "L", "M", "BOOL"]) })})`;
    default:
      return `m.x ${random.pick(["=", ">", "<"])} ${values.add(randomNumber(random))}`;
  }
}

function randomCondition(random: SeededRandom, values: ExpressionValues, depth = 0): string {
  if (depth >= 2 || random.chance(0.55)) return randomComparison(random, values);
  const shape = random.below(3);
  if (shape === 0) return `NOT ${randomComparison(random, values)}`;
  const operator = shape === 1 ? "AND" : "OR";
  const left = randomCondition(random, values, depth + 1);
  const right = randomCondition(random, values, depth + 1);
  return random.chance(0.3) ? `(${left}) ${operator} ${right}` : `${left} ${operator} ${right}`;
}

function maybeCondition(
  random: SeededRandom,
  values: ExpressionValues,
  probability: number,
): { ConditionExpression?: string } {
  return random.chance(probability) ? { ConditionExpression: randomCondition(random, values) } : {};
}

function randomUpdateExpression(random: SeededRandom, values: ExpressionValues): string {
  const clauses: Record<string, string[]> = { SET: [], REMOVE: [], ADD: [], DELETE: [] };
  const overlapping = random.chance(0.05);
  const targets = random.sample(attributeNames, random.between(1, 4));
  if (overlapping) targets.push(targets[0]!);
  for (const attribute of targets) {
    const action = random.below(10);
    if (action <= 3) {
      const choice = random.below(6);
      const value = () => values.add(randomValueFor(random, attribute));
      if (choice === 0)
        clauses.SET!.push(
          `${attribute} = ${attribute} ${random.pick(["+", "-"])} ${values.add(randomNumber(random))}`,
        );
      else if (choice === 1) clauses.SET!.push(`${attribute} = if_not_exists(${attribute}, ${value()})`);
      else if (choice === 2)
        clauses.SET!.push(
          `${attribute} = list_append(${random.chance(0.5) ? `${attribute}, ${values.add(randomList(random))}` : `${values.add(randomList(random))}, ${attribute}`})`,
        );
      else if (choice === 3 && attribute === "m")
        clauses.SET!.push(`m.x = ${values.add(randomNumber(random))}`);
      else if (choice === 4 && attribute === "l")
        clauses.SET!.push(`l[${random.between(0, 4)}] = ${values.add(randomString(random))}`);
      else clauses.SET!.push(`${attribute} = ${value()}`);
    } else if (action <= 5) {
      if (attribute === "l" && random.chance(0.5)) clauses.REMOVE!.push(`l[${random.between(0, 3)}]`);
      else if (attribute === "m" && random.chance(0.5)) clauses.REMOVE!.push("m.x");
      else clauses.REMOVE!.push(attribute);
    } else if (action <= 7) {
      const operand =
        attribute === "ss"
          ? randomStringSet(random)
          : attribute === "ns"
            ? randomNumberSet(random)
            : randomNumber(random);
      clauses.ADD!.push(
        `${attribute} ${values.add(random.chance(0.1) ? randomValueFor(random, attribute) : operand)}`,
      );
    } else {
      const operand = attribute === "ns" ? randomNumberSet(random) : randomStringSet(random);
      clauses.DELETE!.push(`${attribute} ${values.add(operand)}`);
    }
  }
  const sections = Object.entries(clauses).filter(([, actions]) => actions.length > 0);
  return random
    .sample(sections, sections.length)
    .map(([keyword, actions]) => `${keyword} ${actions.join(", ")}`)
    .join(" ");
}

function capacity(random: SeededRandom): { ReturnConsumedCapacity?: "TOTAL" } {
  return random.chance(0.2) ? { ReturnConsumedCapacity: "TOTAL" } : {};
}

export function generateOperation(random: SeededRandom, table: TableShape): Operation {
  const roll = random.below(100);
  const TableName = table.name;
  if (roll < 25) {
    const values = new ExpressionValues("p");
    const condition = maybeCondition(random, values, 0.4);
    return {
      name: "PutItem",
      input: {
        TableName,
        Item: randomItem(random, table),
        ...condition,
        ...values.field(),
        ...(random.chance(0.5) ? { ReturnValues: random.pick(["NONE", "ALL_OLD"]) } : {}),
        ...(condition.ConditionExpression !== undefined && random.chance(0.5)
          ? { ReturnValuesOnConditionCheckFailure: "ALL_OLD" }
          : {}),
        ...capacity(random),
      },
    };
  }
  if (roll < 37) {
    return {
      name: "GetItem",
      input: {
        TableName,
        Key: randomKey(random, table),
        ConsistentRead: true,
        ...(random.chance(0.3)
          ? {
              ProjectionExpression: random
                .sample(["pk", "n", "s", "l[0]", "m.x", "ss"], random.between(1, 3))
                .join(", "),
            }
          : {}),
        ...capacity(random),
      },
    };
  }
  if (roll < 62) {
    const values = new ExpressionValues("u");
    const UpdateExpression = randomUpdateExpression(random, values);
    const condition = maybeCondition(random, values, 0.35);
    return {
      name: "UpdateItem",
      input: {
        TableName,
        Key: randomKey(random, table),
        UpdateExpression,
        ...condition,
        ...values.field(),
        ReturnValues: random.pick(["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"]),
        ...(condition.ConditionExpression !== undefined && random.chance(0.5)
          ? { ReturnValuesOnConditionCheckFailure: "ALL_OLD" }
          : {}),
        ...capacity(random),
      },
    };
  }
  if (roll < 70) {
    const values = new ExpressionValues("d");
    const condition = maybeCondition(random, values, 0.4);
    return {
      name: "DeleteItem",
      input: {
        TableName,
        Key: randomKey(random, table),
        ...condition,
        ...values.field(),
        ReturnValues: random.pick(["NONE", "ALL_OLD"]),
        ...capacity(random),
      },
    };
  }
  if (roll < 82) {
    const values = new ExpressionValues("q");
    let KeyConditionExpression = `pk = ${values.add({ S: random.pick(partitionKeys) })}`;
    if (table.hasSortKey && random.chance(0.6)) {
      const operator = random.pick(["=", "<", "<=", ">", ">=", "BETWEEN"]);
      if (operator === "BETWEEN") {
        const [low, high] = random.sample(sortKeys, 2).sort((a, b) => Number(a) - Number(b));
        KeyConditionExpression += ` AND sk BETWEEN ${values.add({ N: low! })} AND ${values.add({ N: high! })}`;
      } else {
        KeyConditionExpression += ` AND sk ${operator} ${values.add({ N: random.pick(sortKeys) })}`;
      }
    }
    const filter = random.chance(0.4) ? { FilterExpression: randomCondition(random, values) } : {};
    return {
      name: "Query",
      input: {
        TableName,
        KeyConditionExpression,
        ...filter,
        ...values.field(),
        ConsistentRead: true,
        ...(random.chance(0.4) ? { Limit: random.between(1, 4) } : {}),
        ...(random.chance(0.3) ? { ScanIndexForward: false } : {}),
        ...(random.chance(0.15) ? { Select: "COUNT" } : {}),
        ...capacity(random),
      },
    };
  }
  if (roll < 87) {
    const values = new ExpressionValues("f");
    const filter = random.chance(0.5) ? { FilterExpression: randomCondition(random, values) } : {};
    return { name: "Scan", input: { TableName, ...filter, ...values.field(), ConsistentRead: true } };
  }
  if (roll < 93) {
    const requests = randomKeys(random, table, random.between(1, 5)).map((key) =>
      random.chance(0.7)
        ? { PutRequest: { Item: randomItem(random, table, key) } }
        : { DeleteRequest: { Key: key } },
    );
    return { name: "BatchWriteItem", input: { RequestItems: { [TableName]: requests } } };
  }
  const actions = randomKeys(random, table, random.between(1, 4)).map((key) => {
    const values = new ExpressionValues("t");
    const kind = random.below(4);
    if (kind === 0) {
      const condition = maybeCondition(random, values, 0.3);
      return { Put: { TableName, Item: randomItem(random, table, key), ...condition, ...values.field() } };
    }
    if (kind === 1) {
      const UpdateExpression = randomUpdateExpression(random, values);
      const condition = maybeCondition(random, values, 0.3);
      return { Update: { TableName, Key: key, UpdateExpression, ...condition, ...values.field() } };
    }
    if (kind === 2) {
      const condition = maybeCondition(random, values, 0.3);
      return { Delete: { TableName, Key: key, ...condition, ...values.field() } };
    }
    const ConditionExpression = randomCondition(random, values);
    return {
      ConditionCheck: {
        TableName,
        Key: key,
        ConditionExpression,
        ...values.field(),
        ...(random.chance(0.5) ? { ReturnValuesOnConditionCheckFailure: "ALL_OLD" } : {}),
      },
    };
  });
  return { name: "TransactWriteItems", input: { TransactItems: actions } };
}
