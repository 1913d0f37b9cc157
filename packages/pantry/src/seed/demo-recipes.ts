/**
 * A few recipes for the demo (`HAKOBUNE_PANTRY_SEED_DEMO=1`), by a fixed demo author and with fixed ids,
 * so seeding twice adds nothing.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import type { RecipeInput } from "../recipes/recipe.js";
import type { RecipeStore } from "../recipes/recipe-store.js";

export const demoAuthorId = "hakobune-demo";

export const demoRecipes: ReadonlyArray<{ id: string; recipe: RecipeInput }> = [
  {
    id: "demo-miso-soup",
    recipe: {
      title: "Miso soup",
      description: "The everyday soup: dashi, tofu, wakame and miso.",
      ingredients: [
        { name: "dashi", quantity: 600, unit: "ml" },
        { name: "silken tofu", quantity: 150, unit: "g" },
        { name: "dried wakame", quantity: 2, unit: "g" },
        { name: "miso", quantity: 3, unit: "tbsp" },
        { name: "spring onion", quantity: 1 },
      ],
      steps: [
        "Soak the wakame in water for five minutes and drain it.",
        "Heat the dashi until it steams; add the tofu in cubes and the wakame.",
        "Take the pot off the heat and dissolve the miso in a ladle of the soup before stirring it in.",
        "Serve with sliced spring onion. Do not let it boil again.",
      ],
      tags: ["japanese", "soup", "quick"],
    },
  },
  {
    id: "demo-onigiri",
    recipe: {
      title: "Salmon onigiri",
      description: "Rice balls with grilled salted salmon.",
      ingredients: [
        { name: "cooked short-grain rice", quantity: 400, unit: "g" },
        { name: "salted salmon fillet", quantity: 1 },
        { name: "nori sheets", quantity: 2 },
        { name: "salt", quantity: 1, unit: "tsp" },
      ],
      steps: [
        "Grill the salmon, then flake it and remove any bones.",
        "Wet and salt your hands; shape a handful of rice around a spoon of salmon into a triangle.",
        "Wrap each rice ball in a strip of nori.",
      ],
      tags: ["japanese", "rice", "bento"],
    },
  },
  {
    id: "demo-tamagoyaki",
    recipe: {
      title: "Tamagoyaki",
      description: "Rolled omelette, sweet and savoury.",
      ingredients: [
        { name: "eggs", quantity: 4 },
        { name: "dashi", quantity: 60, unit: "ml" },
        { name: "sugar", quantity: 1, unit: "tbsp" },
        { name: "soy sauce", quantity: 1, unit: "tsp" },
      ],
      steps: [
        "Beat the eggs with the dashi, sugar and soy sauce.",
        "Pour a thin layer into an oiled pan over medium heat; roll it up when almost set.",
        "Push the roll back, add another layer, lifting the roll so the egg runs under it; roll again.",
        "Repeat until the egg is used up; rest the roll for a minute, then slice.",
      ],
      tags: ["japanese", "eggs", "breakfast"],
    },
  },
];

/** Creates the demo recipes that do not exist yet; returns how many it created. */
export async function seedDemoRecipes(store: RecipeStore): Promise<number> {
  let created = 0;
  for (const { id, recipe } of demoRecipes) {
    try {
      await store.create(demoAuthorId, recipe, id);
      created++;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
    }
  }
  return created;
}
