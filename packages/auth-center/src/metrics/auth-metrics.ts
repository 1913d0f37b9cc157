/** The auth-center's own Prometheus metrics, registered on the service's registry. */
import { Counter, type Registry } from "prom-client";

export interface AuthMetrics {
  /** result: success | failure | throttled | csrf_rejected */
  logins: Counter<"result">;
  /** grant: authorization_code | refresh_token | client_credentials | … */
  tokensIssued: Counter<"grant">;
  /** result: active | inactive | error */
  introspections: Counter<"result">;
  /** kind: token | grant | subject */
  revocations: Counter<"kind">;
}

export function createAuthMetrics(registry: Registry): AuthMetrics {
  return {
    logins: new Counter({
      name: "auth_logins_total",
      help: "Login attempts on the login page, by result.",
      labelNames: ["result"],
      registers: [registry],
    }),
    tokensIssued: new Counter({
      name: "auth_tokens_issued_total",
      help: "Successful token endpoint responses, by grant type.",
      labelNames: ["grant"],
      registers: [registry],
    }),
    introspections: new Counter({
      name: "auth_introspections_total",
      help: "Token introspection requests, by result.",
      labelNames: ["result"],
      registers: [registry],
    }),
    revocations: new Counter({
      name: "auth_revocations_total",
      help: "Revocation events published, by kind.",
      labelNames: ["kind"],
      registers: [registry],
    }),
  };
}
