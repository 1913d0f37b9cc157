/**
 * A service-kit service protected by the resource server, listening on a free port, for tests through
 * the front door: `GET /read` needs `recipes:read`, `GET /write` needs `recipes:write` and `admin`.
 */
import { createService, type RunningService, startService } from "@hakobune/service-kit";
import {
  accessTokenOf,
  createResourceServer,
  type ResourceServer,
  type ResourceServerOptions,
} from "../../src/index.js";
import {
  type TestAuthorizationServer,
  testAudience,
  testClientId,
  testClientSecret,
} from "./test-authorization-server.js";

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely and assert on their shape.
export type JsonBody = Record<string, any>;

export interface ProtectedService {
  url: string;
  resourceServer: ResourceServer;
  metrics(): Promise<string>;
  get(path: string, authorization?: string): Promise<{ status: number; headers: Headers; body: JsonBody }>;
  close(): Promise<void>;
}

export async function startProtectedService(
  authorizationServer: TestAuthorizationServer,
  options: Partial<ResourceServerOptions> & Pick<ResourceServerOptions, "mode">,
): Promise<ProtectedService> {
  const service = createService({ name: "protected", logger: false });
  const resourceServer = createResourceServer({
    issuer: authorizationServer.issuer,
    audience: testAudience,
    clientId: testClientId,
    clientSecret: testClientSecret,
    registry: service.registry,
    stream: { initialBackoffMs: 20, maxBackoffMs: 100 },
    ...options,
  });
  service.app.addHook("onClose", () => resourceServer.close());
  service.app.get("/read", { preHandler: resourceServer.requireScope("recipes:read") }, async (request) => {
    const token = accessTokenOf(request);
    return { subject: token.subject, scopes: [...token.scopes] };
  });
  service.app.get(
    "/write",
    { preHandler: resourceServer.requireScope("recipes:write", "admin") },
    async () => ({}),
  );
  const running: RunningService = await startService(service, { port: 0 });
  return {
    url: running.url,
    resourceServer,
    async metrics() {
      return (await fetch(`${running.url}/metrics`)).text();
    },
    async get(path, authorization) {
      const response = await fetch(`${running.url}${path}`, {
        headers: authorization === undefined ? {} : { authorization },
      });
      return {
        status: response.status,
        headers: response.headers,
        body: (await response.json()) as JsonBody,
      };
    },
    async close() {
      await running.close();
    },
  };
}

/** The value of one series in Prometheus text, or 0 when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const matches = Object.entries(labels).every(([label, value]) => line.includes(`${label}="${value}"`));
    if (matches) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return 0;
}
