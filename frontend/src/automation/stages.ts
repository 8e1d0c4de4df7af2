/** The seven pipeline stages as the backend defines them (backend/automation/stages.py). */
import type { StageKind } from "./types";

/** Each stage's colour in charts (the run detail's donut, the credits usage bars). */
export const STAGE_COLORS: Record<number, string> = {
  1: "#3b82f6",
  2: "#8b5cf6",
  3: "#6366f1",
  4: "#10b981",
  5: "#f59e0b",
  6: "#ec4899",
  7: "#14b8a6",
};

export interface StageInfo {
  number: number;
  name: string;
  kind: StageKind;
  /** What the stage takes, plural ("keywords"). */
  input: string;
  /** What it makes, plural ("clusters"). */
  output: string;
  /** The stage result's counters (seed 003: keywords_processed, clusters_created, …). */
  processedKey: string;
  createdKey: string;
}

export const STAGES: readonly StageInfo[] = [
  { number: 1, name: "Keywords → Clusters", kind: "AI", input: "keywords", output: "clusters", processedKey: "keywords_processed", createdKey: "clusters_created" },
  { number: 2, name: "Clusters → Ideas", kind: "AI", input: "clusters", output: "ideas", processedKey: "clusters_processed", createdKey: "ideas_created" },
  { number: 3, name: "Ideas → Tasks", kind: "Local", input: "ideas", output: "tasks", processedKey: "ideas_processed", createdKey: "tasks_created" },
  { number: 4, name: "Tasks → Content", kind: "AI", input: "tasks", output: "articles", processedKey: "tasks_processed", createdKey: "content_created" },
  { number: 5, name: "Content → Image Prompts", kind: "AI", input: "articles", output: "prompts", processedKey: "content_processed", createdKey: "prompts_created" },
  { number: 6, name: "Image Prompts → Images", kind: "AI", input: "prompts", output: "images", processedKey: "images_processed", createdKey: "images_generated" },
  { number: 7, name: "Manual Review Gate", kind: "Manual", input: "articles", output: "ready for review", processedKey: "content_processed", createdKey: "ready_for_review" },
];

export const STAGE_COUNT = STAGES.length;
export const REVIEW_GATE = 7;

/** Stage N's info (1-based); throws for numbers outside 1–7. */
export function stageInfo(number: number): StageInfo {
  const info = STAGES[number - 1];
  if (!info) throw new Error(`no stage ${number}`);
  return info;
}
