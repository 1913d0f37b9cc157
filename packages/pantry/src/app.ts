/**
 * Pantry, assembled: the service kit's app, token verification through the resource server, the recipe
 * store on storage, and the recipe routes. `createPantry` builds it; `main.ts` runs it.
 */
import {
  createResourceServer,
  type ResourceServer,
  resourceServerOptionsFrom,
} from "@hakobune/resource-server";
import { createService, type Service } from "@hakobune/service-kit";
import { connectToStorage, ensurePkSkTable, storageConnectionFrom } from "@hakobune/storage-client";
import { type Authentication, insecureNoAuthentication, tokenAuthentication } from "./auth/authentication.js";
import type { PantryConfig } from "./config/pantry-config.js";
import { createPantryMetrics } from "./metrics/pantry-metrics.js";
import { recipeRoutes } from "./recipes/recipe-routes.js";
import { RecipeStore } from "./recipes/recipe-store.js";
import { seedDemoRecipes } from "./seed/demo-recipes.js";

export interface Pantry {
  service: Service;
  store: RecipeStore;
  /** Absent when authentication is turned off. */
  resourceServer: ResourceServer | undefined;
}

/** Builds pantry; creates its table first when missing, and seeds the demo recipes when configured to. */
export async function createPantry(config: PantryConfig): Promise<Pantry> {
  const service = createService({
    name: "pantry",
    logLevel: config.logLevel,
    bodyLimitBytes: config.bodyLimitBytes,
  });
  const storage = connectToStorage(storageConnectionFrom(config));
  service.app.addHook("onClose", async () => storage.close());

  const { created } = await ensurePkSkTable(storage.client, config.tableName);
  if (created) service.log.info({ table: config.tableName }, "table created");
  const store = new RecipeStore({
    documents: storage.documents,
    tableName: config.tableName,
    recentDays: config.recentDays,
  });
  if (config.seedDemo) {
    service.log.info({ created: await seedDemoRecipes(store) }, "demo recipes seeded");
  }
  service.addReadinessCheck("storage", async () => {
    await store.get("readiness-probe");
  });

  let resourceServer: ResourceServer | undefined;
  let authentication: Authentication;
  if (config.insecureNoAuth) {
    service.log.warn("HAKOBUNE_PANTRY_INSECURE_NO_AUTH is set: every request is accepted without a token");
    authentication = insecureNoAuthentication();
  } else {
    resourceServer = createResourceServer({
      ...resourceServerOptionsFrom(config),
      registry: service.registry,
      log: service.log,
    });
    const verifier = resourceServer;
    service.app.addHook("onClose", async () => verifier.close());
    authentication = tokenAuthentication(resourceServer);
  }

  await service.app.register(recipeRoutes, {
    store,
    authentication,
    metrics: createPantryMetrics(service.registry),
  });
  return { service, store, resourceServer };
}
