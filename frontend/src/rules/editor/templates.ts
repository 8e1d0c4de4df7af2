/**
 * Ready-made blocks for common shapes. A template reads the output of the entry before the place it is
 * inserted at when there is one (`steps.<id>.output.ids`), else the triggering object.
 */
import type { StepDraft } from "../draft";
import type { ActionType } from "../types";
import { newAction, newBlock } from "./blocks";

export type TemplateName = "if_else" | "for_each_keyword";

export const TEMPLATES: { name: TemplateName; label: string; description: string }[] = [
  { name: "if_else", label: "If … then … else", description: "A condition with a step in each branch." },
  { name: "for_each_keyword", label: "For each keyword", description: "Generate ideas for each keyword, one at a time." },
];

function pick(catalog: readonly ActionType[], wanted: readonly string[]): string {
  for (const type of wanted) if (catalog.some((a) => a.type === type)) return type;
  return catalog[0]?.type ?? "log";
}

/**
 * The template's block. `previousId` is the id of the entry just before the insertion point (its output
 * feeds the loop); without one the loop goes over the triggering object's keywords.
 */
export function buildTemplate(name: TemplateName, catalog: readonly ActionType[], previousId: string | null): StepDraft {
  if (name === "if_else") {
    const block = newBlock("if");
    const thenStep = newAction(pick(catalog, ["optimize_content", "log"]));
    const elseStep = newAction(pick(catalog, ["publish_content", "log"]));
    return {
      ...block,
      name: "If the article is short",
      condition: { "<": [{ var: "object.word_count" }, 800] },
      then: [thenStep],
      else: [elseStep],
    };
  }
  const block = newBlock("for_each");
  const inner = newAction(pick(catalog, ["generate_ideas", "log"]));
  inner.params = inner.type === "log" ? { message: "keyword {item}" } : { items: { var: "item" } };
  return {
    ...block,
    name: "For each keyword",
    items: previousId ? { var: `steps.${previousId}.output.ids` } : { var: "object.keywords" },
    as: "item",
    concurrency: 1,
    do: [inner],
  };
}
