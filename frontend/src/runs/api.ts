/** The runs screens' own API calls (issue 14): approving or rejecting a step that waits for a person. */
import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "../api/client";
import { runKeys } from "../rules/api";
import type { FlowRunDetail } from "../rules/flowTypes";

export type Decision = "approved" | "rejected";

export interface ApproveBody {
  step: string;
  decision: Decision;
  note?: string;
}

// The approve endpoint is newer than some generated schemas: call it through a plain signature.
type PostApprove = (path: "/api/v1/automation/executions/{run_id}/approve/", options: { path: { run_id: string }; body: ApproveBody }) => Promise<unknown>;

/** `POST …/executions/{run_id}/approve/`: 200 with the run (as GET answers it); 409 when that step is not waiting. */
export function useApproveStep(runId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: ApproveBody) => {
      const post = api.post as unknown as PostApprove;
      return (await post("/api/v1/automation/executions/{run_id}/approve/", { path: { run_id: runId }, body })) as FlowRunDetail;
    },
    onSuccess: (run) => {
      if (run && typeof run === "object" && "run_id" in run) client.setQueryData(runKeys.detail(run.run_id), run);
      void client.invalidateQueries({ queryKey: runKeys.all });
    },
  });
}
