/**
 * Turns a schema validation failure (Ajv's error objects, as Fastify reports them) into one sentence that
 * names the offending field, e.g. `Field "minutes" of the request body must be integer.`
 */

/** The parts of an Ajv error object the sentence is made from. */
export interface SchemaViolation {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string | undefined;
}

/** Which part of the request failed validation, as Fastify names it. */
export type ValidationLocation = "body" | "querystring" | "params" | "headers";

export interface ValidationFailure {
  /** One sentence for the client. */
  message: string;
  location: ValidationLocation;
  /** Dotted path of the offending field (`ingredients[0].name`); empty when the whole part is at fault. */
  field: string;
}

const locationNames: Record<ValidationLocation, string> = {
  body: "the request body",
  querystring: "the query string",
  params: "the path parameters",
  headers: "the request headers",
};

export function describeSchemaViolation(
  violation: SchemaViolation,
  location: ValidationLocation,
): ValidationFailure {
  const where = locationNames[location];
  let field = fieldPath(violation.instancePath);
  let problem = violation.message ?? "is not valid";
  if (violation.keyword === "required" && typeof violation.params.missingProperty === "string") {
    field = joinField(field, violation.params.missingProperty);
    problem = "is required";
  } else if (
    violation.keyword === "additionalProperties" &&
    typeof violation.params.additionalProperty === "string"
  ) {
    field = joinField(field, violation.params.additionalProperty);
    problem = "is not allowed";
  } else if (violation.keyword === "enum" && Array.isArray(violation.params.allowedValues)) {
    problem = `must be one of ${violation.params.allowedValues.map((value) => JSON.stringify(value)).join(", ")}`;
  }
  const message =
    field === ""
      ? `${capitalized(where)} ${problem}.`
      : `Field ${JSON.stringify(field)} of ${where} ${problem}.`;
  return { message, location, field };
}

/** `/ingredients/0/name` → `ingredients[0].name` (JSON Pointer escapes undone). */
function fieldPath(instancePath: string): string {
  if (instancePath === "") return "";
  return instancePath
    .slice(1)
    .split("/")
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce(joinField, "");
}

function joinField(path: string, segment: string): string {
  if (/^\d+$/.test(segment)) return `${path}[${segment}]`;
  return path === "" ? segment : `${path}.${segment}`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
