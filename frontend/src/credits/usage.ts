/** Pure helpers for the usage section: stage slices with labels, colours and shares. */
import { operationLabel } from "./filters";
import { STAGE_COLORS } from "../automation/stages";
import type { UsageStage } from "./types";

const OTHER_COLORS = ["#64748b", "#94a3b8", "#a16207", "#0e7490", "#be123c"];

export interface StageSlice {
  operation: string;
  stage: number | null;
  /** "Stage 4: Tasks → Content", or the operation's label. */
  label: string;
  /** A short axis label: "Stage 4", or the operation's label. */
  short: string;
  credits: number;
  share: number;
  color: string;
}

export function stageSlices(stages: readonly UsageStage[]): StageSlice[] {
  const total = stages.reduce((sum, stage) => sum + (Number(stage.credits) || 0), 0);
  let other = 0;
  return stages.map((stage) => {
    const credits = Number(stage.credits) || 0;
    const isStage = stage.stage !== null && stage.stage !== undefined;
    return {
      operation: stage.operation,
      stage: stage.stage ?? null,
      label: isStage ? `Stage ${stage.stage}: ${stage.name}` : operationLabel(stage.name),
      short: isStage ? `Stage ${stage.stage}` : operationLabel(stage.name),
      credits,
      share: total ? (credits / total) * 100 : 0,
      color: isStage ? (STAGE_COLORS[stage.stage as number] ?? "#64748b") : OTHER_COLORS[other++ % OTHER_COLORS.length]!,
    };
  });
}

export function formatShare(share: number): string {
  if (share === 0) return "0%";
  if (share < 1) return "<1%";
  return `${Math.round(share)}%`;
}
