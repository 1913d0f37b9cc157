/** Pantry's own Prometheus metrics, on the service's registry (every series carries `service="pantry"`). */
import { Counter, type Registry } from "prom-client";

export interface PantryMetrics {
  /** operation: create | update | delete */
  recipesWritten: Counter<"operation">;
  /** reason: version_conflict | not_author */
  writesRefused: Counter<"reason">;
}

export function createPantryMetrics(registry: Registry): PantryMetrics {
  return {
    recipesWritten: new Counter({
      name: "pantry_recipes_written_total",
      help: "Recipes created, updated or deleted, by operation.",
      labelNames: ["operation"],
      registers: [registry],
    }),
    writesRefused: new Counter({
      name: "pantry_recipe_writes_refused_total",
      help: "Updates and deletes refused, by reason (a stale version, or not the author).",
      labelNames: ["reason"],
      registers: [registry],
    }),
  };
}
