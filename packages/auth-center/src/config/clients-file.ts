/**
 * The clients and resource servers the auth-center knows, declared in a JSON file (by default the
 * platform definition's `platform/auth-center/clients.json`). Clients use OAuth's registration metadata
 * names (`client_id`, `redirect_uris` …) and are validated again by oidc-provider; resources name their
 * identifier (the `aud` of their access tokens) and describe each scope in words for the consent page.
 */
import { readFile } from "node:fs/promises";
import { ClientsFileError } from "../errors.js";

export interface ResourceDefinition {
  /** The resource indicator (RFC 8707) and the `aud` of its access tokens, e.g. `urn:hakobune:pantry`. */
  identifier: string;
  /** Shown on the consent page. */
  name: string;
  /** Scope → what it allows, in words, for the consent page. */
  scopes: Record<string, string>;
}

/** OAuth client metadata (RFC 7591 names), handed to oidc-provider as it is. */
export type ClientMetadata = Record<string, unknown> & { client_id: string; client_name?: string };

export interface ClientsFile {
  clients: ClientMetadata[];
  resources: ResourceDefinition[];
}

/** Bounds on the file: it is configuration, not data. */
const maxFileBytes = 1_048_576;
const maxClients = 1000;
const maxResources = 100;

export async function readClientsFile(path: string): Promise<ClientsFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new ClientsFileError(`cannot read the clients file ${path}`, { cause });
  }
  if (Buffer.byteLength(text) > maxFileBytes)
    throw new ClientsFileError(`${path} is larger than ${maxFileBytes} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ClientsFileError(`${path} is not valid JSON`, { cause });
  }
  return parseClientsFile(parsed, path);
}

export function parseClientsFile(value: unknown, source = "the clients file"): ClientsFile {
  if (!isObject(value))
    throw new ClientsFileError(`${source} must hold an object with "clients" and "resources"`);
  const clients = value.clients ?? [];
  const resources = value.resources ?? [];
  if (!Array.isArray(clients) || clients.length > maxClients) {
    throw new ClientsFileError(`${source}: "clients" must be a list of at most ${maxClients} clients`);
  }
  if (!Array.isArray(resources) || resources.length > maxResources) {
    throw new ClientsFileError(`${source}: "resources" must be a list of at most ${maxResources} resources`);
  }
  const seen = new Set<string>();
  for (const client of clients) {
    if (!isObject(client) || typeof client.client_id !== "string" || client.client_id === "") {
      throw new ClientsFileError(`${source}: every client needs a "client_id"`);
    }
    if (seen.has(client.client_id))
      throw new ClientsFileError(`${source}: client "${client.client_id}" is declared twice`);
    seen.add(client.client_id);
  }
  for (const resource of resources) {
    if (
      !isObject(resource) ||
      typeof resource.identifier !== "string" ||
      !URL.canParse(resource.identifier)
    ) {
      throw new ClientsFileError(`${source}: every resource needs an "identifier" that is an absolute URI`);
    }
    if (typeof resource.name !== "string" || !isObject(resource.scopes)) {
      throw new ClientsFileError(`${source}: resource "${resource.identifier}" needs a "name" and "scopes"`);
    }
    for (const [scope, description] of Object.entries(resource.scopes)) {
      if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope) || typeof description !== "string") {
        throw new ClientsFileError(
          `${source}: resource "${resource.identifier}" has an invalid scope "${scope}"`,
        );
      }
    }
  }
  return { clients: clients as ClientMetadata[], resources: resources as ResourceDefinition[] };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
