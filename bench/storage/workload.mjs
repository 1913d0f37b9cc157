/**
 * The benchmark's workload, shared by every target and both load generators: one table with a
 * partition and a sort key, 200-byte items, and the three measured operations (put, get, and a query
 * returning exactly 10 items). Each operation draws its keys from its own fixed key set so that the
 * order in which operations run never changes what a query returns.
 */

export const tableName = "bench";
/** Size of every item by DynamoDB's accounting (attribute names plus values). Bytes. */
export const itemSizeBytes = 200;
/** Items a query returns: one query partition holds exactly this many. */
export const itemsPerQuery = 10;
/** Distinct items `get` reads, preloaded. */
export const getKeyCount = 1000;
/** Distinct query partitions, preloaded with `itemsPerQuery` items each. */
export const queryPartitionCount = 100;
/** Distinct keys `put` writes, round-robin, each write overwriting an earlier one after the first lap. */
export const putKeyCount = 1000;

/** The measured operations, in the order they run and are reported. */
export const operationNames = ["put", "get", "query"];

/** A multiplier coprime with every key-set size above, so request n visits the keys in a scattered order. */
const keyStride = 7919;

const getKey = (index) => ({ pk: `get#${String(index).padStart(4, "0")}`, sk: "item" });
const putKey = (index) => ({ pk: `put#${String(index).padStart(4, "0")}`, sk: "item" });
const queryPartition = (index) => `query#${String(index).padStart(3, "0")}`;
const querySortKey = (index) => `item#${String(index).padStart(2, "0")}`;

/** An item of exactly `itemSizeBytes`, padded with a `data` string attribute. */
export function makeItem({ pk, sk }) {
  const keyBytes = "pk".length + pk.length + "sk".length + sk.length;
  const data = "x".repeat(itemSizeBytes - keyBytes - "data".length);
  return { pk: { S: pk }, sk: { S: sk }, data: { S: data } };
}

/** Every item the read operations expect to find, in the order they are loaded. */
export function preloadItems() {
  const items = [];
  for (let i = 0; i < getKeyCount; i++) items.push(makeItem(getKey(i)));
  for (let p = 0; p < queryPartitionCount; p++) {
    for (let s = 0; s < itemsPerQuery; s++)
      items.push(makeItem({ pk: queryPartition(p), sk: querySortKey(s) }));
  }
  return items;
}

/** The CreateTable input for the benchmark's table. */
export const createTableInput = {
  TableName: tableName,
  AttributeDefinitions: [
    { AttributeName: "pk", AttributeType: "S" },
    { AttributeName: "sk", AttributeType: "S" },
  ],
  KeySchema: [
    { AttributeName: "pk", KeyType: "HASH" },
    { AttributeName: "sk", KeyType: "RANGE" },
  ],
  BillingMode: "PAY_PER_REQUEST",
};

/**
 * The low-level SDK command name and input of the `requestNumber`-th request of an operation. The same
 * sequence feeds the SDK load and the pre-signed wrk requests.
 */
export function operationRequest(operation, requestNumber) {
  switch (operation) {
    case "put":
      return {
        command: "PutItem",
        input: { TableName: tableName, Item: makeItem(putKey((requestNumber * keyStride) % putKeyCount)) },
      };
    case "get":
      return {
        command: "GetItem",
        input: {
          TableName: tableName,
          Key: keyAttributes(getKey((requestNumber * keyStride) % getKeyCount)),
        },
      };
    case "query":
      return {
        command: "Query",
        input: {
          TableName: tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: {
            ":pk": { S: queryPartition((requestNumber * keyStride) % queryPartitionCount) },
          },
        },
      };
    default:
      throw new Error(`unknown operation ${JSON.stringify(operation)}`);
  }
}

function keyAttributes({ pk, sk }) {
  return { pk: { S: pk }, sk: { S: sk } };
}

/** Why an operation's SDK output is not what the workload must produce, or undefined when it is. */
export function unexpectedOutput(operation, output) {
  if (operation === "get" && output.Item?.data?.S?.length !== makeItem(getKey(0)).data.S.length) {
    return "GetItem did not return the preloaded item";
  }
  if (operation === "query" && output.Items?.length !== itemsPerQuery) {
    return `Query returned ${output.Items?.length} items instead of ${itemsPerQuery}`;
  }
  return undefined;
}

/** The wire-format response bodies a server answers for the workload, for the fixed-response ceiling. */
export function cannedResponses() {
  const table = {
    ...createTableInput,
    TableStatus: "ACTIVE",
    ItemCount: 0,
    TableSizeBytes: 0,
    CreationDateTime: 0,
  };
  const queryItems = [];
  for (let s = 0; s < itemsPerQuery; s++)
    queryItems.push(makeItem({ pk: queryPartition(0), sk: querySortKey(s) }));
  return {
    PutItem: {},
    GetItem: { Item: makeItem(getKey(0)) },
    Query: { Items: queryItems, Count: itemsPerQuery, ScannedCount: itemsPerQuery },
    CreateTable: { TableDescription: table },
    DescribeTable: { Table: table },
    BatchWriteItem: { UnprocessedItems: {} },
    ListTables: { TableNames: [tableName] },
  };
}
