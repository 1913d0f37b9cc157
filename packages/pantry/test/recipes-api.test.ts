import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildService } from "./support/child-service.js";
import { startPantry } from "./support/pantry-process.js";
import { startStorage } from "./support/storage.js";
import { TestIssuer } from "./support/test-issuer.js";

let storage: ChildService;
let issuer: TestIssuer;
let pantry: ChildService;

beforeAll(async () => {
  [storage, issuer] = await Promise.all([startStorage(), new TestIssuer().start()]);
  pantry = await startPantry({
    HAKOBUNE_STORAGE_ENDPOINT: storage.url,
    HAKOBUNE_AUTH_ISSUER: issuer.issuer,
    HAKOBUNE_PANTRY_TOKEN_MODE: "jwt",
    HAKOBUNE_PANTRY_REVOCATION_EVENTS: "false",
    HAKOBUNE_PANTRY_SEED_DEMO: "1",
  });
});

afterAll(async () => {
  await pantry?.stop();
  await Promise.all([storage?.stop(), issuer?.close()]);
});

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely and assert on their shape.
type Json = any;

async function call(method: string, path: string, token?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${pantry.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text === "" ? undefined : JSON.parse(text)) as Json,
  };
}

const miso = {
  title: "Miso soup",
  description: "Everyday soup.",
  ingredients: [
    { name: "dashi", quantity: 600, unit: "ml" },
    { name: "tofu", quantity: 150, unit: "g" },
    { name: "spring onion", quantity: 1 },
  ],
  steps: ["Heat the dashi.", "Add tofu.", "Dissolve the miso."],
  tags: ["soup", "japanese"],
};

async function tokenFor(sub: string, claims: Record<string, unknown> = {}) {
  return issuer.sign(sub, claims);
}

async function createRecipe(sub: string, recipe: object = miso) {
  const response = await call("POST", "/recipes", await tokenFor(sub), recipe);
  expect(response.status).toBe(201);
  return response.body;
}

describe("recipes", () => {
  it("creates a recipe, stamped with its author and version 1, and reads it back", async () => {
    const token = await tokenFor("alice");
    const created = await call("POST", "/recipes", token, miso);
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`/recipes/${created.body.id}`);
    expect(created.body).toMatchObject({ ...miso, authorId: "alice", version: 1 });
    expect(created.body.createdAt).toBe(created.body.updatedAt);
    const read = await call("GET", `/recipes/${created.body.id}`, token);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  it("fills in the optional fields", async () => {
    const recipe = await createRecipe("alice", {
      title: "Rice",
      ingredients: [{ name: "rice", quantity: 1 }],
      steps: ["Cook."],
    });
    expect(recipe).toMatchObject({ description: "", tags: [] });
  });

  it("updates a recipe at its current version, and refuses a stale version changing nothing", async () => {
    const token = await tokenFor("alice");
    const recipe = await createRecipe("alice");
    const updated = await call("PUT", `/recipes/${recipe.id}`, token, {
      ...miso,
      title: "Red miso soup",
      version: 1,
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ title: "Red miso soup", version: 2, createdAt: recipe.createdAt });

    const stale = await call("PUT", `/recipes/${recipe.id}`, token, {
      ...miso,
      title: "White miso soup",
      version: 1,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({
      code: "RECIPE_VERSION_CONFLICT",
      details: { expectedVersion: 1, currentVersion: 2 },
    });
    expect((await call("GET", `/recipes/${recipe.id}`, token)).body).toEqual(updated.body);
    const mine = await call("GET", "/users/me/recipes", token);
    expect(mine.body.recipes.find((summary: Json) => summary.id === recipe.id)).toMatchObject({
      title: "Red miso soup",
      version: 2,
    });
  });

  it("lets only the author change or delete a recipe", async () => {
    const recipe = await createRecipe("alice");
    const mallory = await tokenFor("mallory");
    const edit = await call("PUT", `/recipes/${recipe.id}`, mallory, {
      ...miso,
      title: "Mine now",
      version: 1,
    });
    expect(edit.status).toBe(403);
    expect(edit.body.error.code).toBe("NOT_RECIPE_AUTHOR");
    const deletion = await call("DELETE", `/recipes/${recipe.id}`, mallory);
    expect(deletion.status).toBe(403);
    expect((await call("GET", `/recipes/${recipe.id}`, mallory)).body).toEqual(recipe);
  });

  it("deletes a recipe and its list entries; a stale version deletes nothing", async () => {
    const token = await tokenFor("dora");
    const recipe = await createRecipe("dora");
    await call("PUT", `/recipes/${recipe.id}`, token, { ...miso, version: 1 });
    expect((await call("DELETE", `/recipes/${recipe.id}?version=1`, token)).status).toBe(409);
    expect((await call("GET", `/recipes/${recipe.id}`, token)).status).toBe(200);
    expect((await call("DELETE", `/recipes/${recipe.id}?version=2`, token)).status).toBe(204);
    const gone = await call("GET", `/recipes/${recipe.id}`, token);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("RECIPE_NOT_FOUND");
    expect((await call("DELETE", `/recipes/${recipe.id}`, token)).status).toBe(404);
    expect((await call("GET", "/users/me/recipes", token)).body.recipes).toEqual([]);
    const recent = await call("GET", "/recipes?limit=100", token);
    expect(recent.body.recipes.some((summary: Json) => summary.id === recipe.id)).toBe(false);
  });

  it("answers 404 for an unknown recipe and 400 for an id that cannot be one", async () => {
    const token = await tokenFor("alice");
    expect((await call("GET", "/recipes/no-such-recipe", token)).status).toBe(404);
    expect((await call("GET", "/recipes/NOT%20AN%20ID", token)).status).toBe(400);
  });
});

describe("listings", () => {
  it("pages through an author's recipes, newest first, with an opaque cursor", async () => {
    const token = await tokenFor("bob");
    const ids: string[] = [];
    for (let index = 0; index < 5; index++)
      ids.push((await createRecipe("bob", { ...miso, title: `Soup ${index}` })).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const query = cursor === undefined ? "?limit=2" : `?limit=2&cursor=${cursor}`;
      const response = await call("GET", `/users/bob/recipes${query}`, token);
      expect(response.status).toBe(200);
      expect(response.body.recipes.length).toBeLessThanOrEqual(2);
      seen.push(...response.body.recipes.map((summary: Json) => summary.id));
      cursor = response.body.nextCursor;
      if (cursor === undefined) break;
      expect(cursor).not.toContain("bob");
    }
    expect(seen).toEqual(ids.reverse());
    const mine = await call("GET", "/users/me/recipes?limit=1", token);
    expect(mine.body.recipes[0]).toMatchObject({ id: seen[0], title: "Soup 4", authorId: "bob" });
    expect(mine.body.recipes[0].steps).toBeUndefined();
  });

  it("refuses a cursor from another listing or a forged one", async () => {
    const token = await tokenFor("carol");
    await createRecipe("carol");
    await createRecipe("carol");
    const first = await call("GET", "/users/carol/recipes?limit=1", token);
    expect(first.body.nextCursor).toBeDefined();
    const elsewhere = await call("GET", `/users/bob/recipes?cursor=${first.body.nextCursor}`, token);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.code).toBe("INVALID_CURSOR");
    expect((await call("GET", `/recipes?cursor=${first.body.nextCursor}`, token)).status).toBe(400);
    const forged = Buffer.from(JSON.stringify({ list: "author", authorId: "carol", after: "x" })).toString(
      "base64url",
    );
    expect((await call("GET", `/users/carol/recipes?cursor=${forged}`, token)).status).toBe(400);
    expect((await call("GET", "/users/carol/recipes?cursor=%25%25", token)).status).toBe(400);
  });

  it("lists recent recipes of everyone, newest first, demo recipes included", async () => {
    const token = await tokenFor("erin");
    const newest = await createRecipe("erin", { ...miso, title: "Newest" });
    const first = await call("GET", "/recipes?limit=1", token);
    expect(first.body.recipes).toEqual([expect.objectContaining({ id: newest.id, title: "Newest" })]);
    const all = await call("GET", `/recipes?limit=100`, token);
    const ids = all.body.recipes.map((summary: Json) => summary.id);
    expect(ids).toEqual(expect.arrayContaining(["demo-miso-soup", "demo-onigiri", "demo-tamagoyaki"]));
    const created = all.body.recipes.map((summary: Json) => summary.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    const second = await call("GET", `/recipes?limit=1&cursor=${first.body.nextCursor}`, token);
    expect(second.body.recipes[0].id).toBe(ids[1]);
  });

  it("bounds the page size", async () => {
    const token = await tokenFor("erin");
    expect((await call("GET", "/recipes?limit=101", token)).status).toBe(400);
    expect((await call("GET", "/recipes?limit=0", token)).status).toBe(400);
  });
});

describe("validation", () => {
  it.each([
    ["no title", { ...miso, title: undefined }],
    ["an empty title", { ...miso, title: "" }],
    ["a title too long", { ...miso, title: "x".repeat(201) }],
    ["no ingredients", { ...miso, ingredients: [] }],
    ["an ingredient without quantity", { ...miso, ingredients: [{ name: "salt" }] }],
    ["a negative quantity", { ...miso, ingredients: [{ name: "salt", quantity: -1 }] }],
    ["a quantity that is text", { ...miso, ingredients: [{ name: "salt", quantity: "a pinch" }] }],
    ["too many steps", { ...miso, steps: Array.from({ length: 101 }, () => "Stir.") }],
    ["a step too long", { ...miso, steps: ["x".repeat(2001)] }],
    ["too many tags", { ...miso, tags: Array.from({ length: 21 }, (_, index) => `tag-${index}`) }],
    ["a tag with spaces", { ...miso, tags: ["not a tag"] }],
    ["duplicate tags", { ...miso, tags: ["soup", "soup"] }],
  ])("refuses a recipe with %s, storing nothing", async (_, recipe) => {
    const token = await tokenFor("valerie");
    const response = await call("POST", "/recipes", token, recipe);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("VALIDATION_FAILED");
    expect((await call("GET", "/users/me/recipes", token)).body.recipes).toEqual([]);
  });

  it("drops fields a recipe does not have instead of storing them", async () => {
    const recipe = await createRecipe("walter", {
      ...miso,
      calories: 100,
      authorId: "someone-else",
      version: 7,
    });
    expect(recipe).toMatchObject({ authorId: "walter", version: 1 });
    expect(recipe.calories).toBeUndefined();
    expect(
      (await call("GET", `/recipes/${recipe.id}`, await tokenFor("walter"))).body.calories,
    ).toBeUndefined();
  });

  it("refuses an update without a version", async () => {
    const recipe = await createRecipe("valerie");
    const response = await call("PUT", `/recipes/${recipe.id}`, await tokenFor("valerie"), miso);
    expect(response.status).toBe(400);
    await call("DELETE", `/recipes/${recipe.id}`, await tokenFor("valerie"));
  });

  it("refuses malformed JSON", async () => {
    const response = await fetch(`${pantry.url}/recipes`, {
      method: "POST",
      headers: { authorization: `Bearer ${await tokenFor("valerie")}`, "content-type": "application/json" },
      body: "{",
    });
    expect(response.status).toBe(400);
  });
});

describe("access", () => {
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  it("refuses a request without a token with 401 and a Bearer challenge", async () => {
    const response = await call("GET", "/recipes/demo-miso-soup");
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="urn:hakobune:pantry"');
    expect((await call("POST", "/recipes", undefined, miso)).status).toBe(401);
  });

  it.each([
    ["an expired token", { iat: nowSeconds() - 1000, exp: nowSeconds() - 10 }],
    ["a token for another audience", { aud: "urn:hakobune:console" }],
  ])("refuses %s with 401 invalid_token, creating nothing", async (_, claims) => {
    const response = await call("POST", "/recipes", await tokenFor("ivan", claims), miso);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect((await call("GET", "/users/ivan/recipes", await tokenFor("ivan"))).body.recipes).toEqual([]);
  });

  it("refuses a write with a read-only token with 403 insufficient_scope, creating nothing", async () => {
    const readOnly = await tokenFor("rita", { scope: "recipes:read" });
    const response = await call("POST", "/recipes", readOnly, miso);
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    expect(response.headers.get("www-authenticate")).toContain('scope="recipes:write"');
    expect((await call("GET", "/users/me/recipes", readOnly)).body.recipes).toEqual([]);
    const writeOnly = await tokenFor("rita", { scope: "recipes:write" });
    expect((await call("GET", "/recipes/demo-miso-soup", writeOnly)).status).toBe(403);
  });
});

describe("operations", () => {
  it("counts recipes written and writes refused", async () => {
    const metrics = await (await fetch(`${pantry.url}/metrics`)).text();
    expect(metrics).toMatch(/pantry_recipes_written_total\{operation="create",service="pantry"\} [1-9]/);
    expect(metrics).toMatch(
      /pantry_recipe_writes_refused_total\{reason="version_conflict",service="pantry"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /resource_token_verifications_total\{mode="jwt",result="valid",service="pantry"\} [1-9]/,
    );
  });

  it("is ready when storage answers", async () => {
    expect((await fetch(`${pantry.url}/readyz`)).status).toBe(200);
  });
});
