/** The configuration dialog: every field, partial saves, and the API's 400 shown at each field. */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { json, renderApp, stubApi } from "../test/utils";
import { CONFIG_FIELDS, changedFields, ConfigDialog, formFromConfig } from "./ConfigDialog";
import type { AutomationConfig } from "./types";

const config: AutomationConfig = {
  site_id: 1,
  is_enabled: false,
  frequency: "daily",
  scheduled_time: "02:00:00",
  stage_1_batch_size: 20,
  stage_2_batch_size: 1,
  stage_3_batch_size: 20,
  stage_4_batch_size: 1,
  stage_5_batch_size: 1,
  stage_6_batch_size: 1,
  within_stage_delay: 0,
  between_stage_delay: 2,
  stage_1_enabled: true,
  stage_2_enabled: true,
  stage_3_enabled: true,
  stage_4_enabled: true,
  stage_5_enabled: true,
  stage_6_enabled: true,
  stage_7_enabled: true,
  stage_4_concurrency: 2,
  stage_6_concurrency: 2,
  ideas_per_cluster: 3,
  notify_email: true,
  notify_webhook_url: "",
  last_run_at: null,
  next_run_at: null,
  updated_at: "2026-11-21T10:21:11Z",
};

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

describe("changedFields", () => {
  it("sends only what changed, numbers as numbers and anything else as typed", () => {
    const before = formFromConfig(config);
    const after = { ...before, stage_1_batch_size: "25", scheduled_time: "03:30", is_enabled: true, within_stage_delay: "abc" };
    expect(changedFields(before, after)).toEqual({
      stage_1_batch_size: 25,
      scheduled_time: "03:30",
      is_enabled: true,
      within_stage_delay: "abc",
    });
    expect(changedFields(before, before)).toEqual({});
    expect(CONFIG_FIELDS).toHaveLength(23);
  });
});

describe("ConfigDialog", () => {
  it("has a control for every AutomationConfig field", () => {
    stubApi({});
    renderApp(<ConfigDialog site={1} config={config} onClose={() => {}} />);
    const dialog = screen.getByRole("dialog", { name: "Pipeline configuration" });
    for (const field of CONFIG_FIELDS) {
      expect(dialog.querySelector(`#config-${field}`), field).not.toBeNull();
    }
    expect(within(dialog).getByLabelText("Frequency")).toHaveValue("daily");
    expect(within(dialog).getByLabelText("Time (site's time zone)")).toHaveValue("02:00");
    expect(within(dialog).getByLabelText("Stage 1 batch size")).toHaveValue(20);
    expect(within(dialog).getByLabelText("Stage 7 enabled")).toBeChecked();
  });

  it("shows the API's validation messages at their fields and keeps the dialog open", async () => {
    const { calls } = stubApi({
      "PUT /api/v1/automation/config/": () =>
        json(
          {
            stage_1_batch_size: ["keyword clustering takes at most 20 keywords per call"],
            notify_webhook_url: ["Enter a valid URL."],
          },
          400,
        ),
    });
    const onClose = vi.fn();
    renderApp(<ConfigDialog site={1} config={config} onClose={onClose} />);
    const batch = screen.getByLabelText("Stage 1 batch size");
    await userEvent.clear(batch);
    await userEvent.type(batch, "25");
    await userEvent.type(screen.getByLabelText("Webhook URL"), "not a url");
    expect(screen.getByText("2 unsaved changes")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Save" }));

    const message = await screen.findByTestId("error-stage_1_batch_size");
    expect(message).toHaveTextContent("keyword clustering takes at most 20 keywords per call");
    expect(batch).toHaveAttribute("aria-invalid", "true");
    expect(batch).toHaveAccessibleDescription("keyword clustering takes at most 20 keywords per call");
    expect(screen.getByLabelText("Webhook URL")).toHaveAccessibleDescription("Enter a valid URL.");
    expect(screen.getByRole("alert")).toHaveTextContent("2 fields need attention");
    expect(onClose).not.toHaveBeenCalled();

    const put = calls.find((call) => call.method === "PUT");
    expect(put?.query.get("site_id")).toBe("1");
    expect(put?.body).toEqual({ stage_1_batch_size: 25, notify_webhook_url: "not a url" });
    expect(put?.headers["X-CSRFToken"]).toBe("tok");
  });

  it("shows errors it cannot place at a field in a banner", async () => {
    stubApi({ "PUT /api/v1/automation/config/": () => json({ detail: "no site 1 in your account" }, 404) });
    renderApp(<ConfigDialog site={1} config={config} onClose={() => {}} />);
    await userEvent.click(screen.getByLabelText("Scheduled runs"));
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("no site 1 in your account");
  });

  it("saves the changed fields and closes", async () => {
    const { calls } = stubApi({
      "PUT /api/v1/automation/config/": (call) => json({ ...config, ...(call.body as object), scheduled_time: "03:30:00" }),
    });
    const onClose = vi.fn();
    const onSaved = vi.fn();
    renderApp(<ConfigDialog site={1} config={config} onClose={onClose} onSaved={onSaved} />);
    await userEvent.selectOptions(screen.getByLabelText("Frequency"), "weekly");
    await userEvent.click(screen.getByLabelText("Stage 6 enabled"));
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(onSaved).toHaveBeenCalled();
    expect(calls.find((call) => call.method === "PUT")?.body).toEqual({ frequency: "weekly", stage_6_enabled: false });
  });

  it("closes with Escape without saving", async () => {
    const { calls } = stubApi({});
    const onClose = vi.fn();
    renderApp(<ConfigDialog site={1} config={config} onClose={onClose} />);
    await userEvent.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalled();
    expect(calls).toEqual([]);
  });
});
