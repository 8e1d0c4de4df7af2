/** The configuration dialog: every field, partial saves, and the API's 400 shown at each field. */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { json, renderApp, routerLocation, stubApi } from "../test/utils";
import { CONFIG_FIELDS, changedFields, ConfigDialog, formFromConfig, STAGE_SWITCH_NOTE } from "./ConfigDialog";
import type { AutomationConfig } from "./types";

const config: AutomationConfig = {
  site_id: 1,
  rule_id: 9,
  is_enabled: false,
  frequency: "daily",
  scheduled_time: "02:00:00",
  scheduled_weekday: 0,
  scheduled_day_of_month: 1,
  timezone: "Europe/Berlin",
  schedule_description: "At 02:00 AM",
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
  notify_on_complete: true,
  notify_on_fail: true,
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
    expect(CONFIG_FIELDS).toHaveLength(25);
    expect(changedFields(before, { ...before, frequency: "weekly", scheduled_weekday: "1" })).toEqual({
      frequency: "weekly",
      scheduled_weekday: 1,
    });
  });
});

describe("ConfigDialog", () => {
  it("has a control for every AutomationConfig field (the day pickers with their frequency)", async () => {
    stubApi({});
    renderApp(<ConfigDialog site={1} config={config} onClose={() => {}} />);
    const dialog = screen.getByRole("dialog", { name: "Pipeline configuration" });
    const conditional = ["scheduled_weekday", "scheduled_day_of_month"];
    for (const field of CONFIG_FIELDS.filter((f) => !conditional.includes(f))) {
      expect(dialog.querySelector(`#config-${field}`), field).not.toBeNull();
    }
    expect(within(dialog).getByLabelText("Frequency")).toHaveValue("daily");
    expect(within(dialog).getByLabelText("Time (Europe/Berlin)")).toHaveValue("02:00");
    expect(within(dialog).getByLabelText("Stage 1 batch size")).toHaveValue(20);
    expect(within(dialog).getByLabelText("Stage 7 enabled")).toBeChecked();
    expect(within(dialog).queryByLabelText("Day of the week")).toBeNull();

    await userEvent.selectOptions(within(dialog).getByLabelText("Frequency"), "weekly");
    expect(within(dialog).getByLabelText("Day of the week")).toHaveValue("0");
    expect(within(dialog).getAllByRole("option", { name: /day$/ }).map((o) => o.textContent)).toEqual([
      "Monday",
      "Tuesday",
      "Wednesday",
      "Thursday",
      "Friday",
      "Saturday",
      "Sunday",
    ]);
    await userEvent.selectOptions(within(dialog).getByLabelText("Frequency"), "monthly");
    expect(within(dialog).queryByLabelText("Day of the week")).toBeNull();
    const day = within(dialog).getByLabelText("Day of the month");
    expect(within(day).getAllByRole("option")).toHaveLength(28);
    expect(within(day).getAllByRole("option").at(-1)).toHaveTextContent("28th");
  });

  it("picks the weekday of a weekly run, naming the site's time zone", async () => {
    const { calls } = stubApi({
      "PUT /api/v1/automation/config/": (call) => json({ ...config, ...(call.body as object) }),
    });
    const onClose = vi.fn();
    renderApp(<ConfigDialog site={1} config={{ ...config, is_enabled: true, next_run_at: "2026-12-01T01:00:00Z" }} onClose={onClose} />);
    expect(screen.getByTestId("config-next-run")).toHaveTextContent("Next run Tue 1 Dec, 02:00 (Europe/Berlin).");
    await userEvent.selectOptions(screen.getByLabelText("Frequency"), "weekly");
    await userEvent.selectOptions(screen.getByLabelText("Day of the week"), "Tuesday");
    await userEvent.clear(screen.getByLabelText("Time (Europe/Berlin)"));
    await userEvent.type(screen.getByLabelText("Time (Europe/Berlin)"), "06:30");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(calls.find((call) => call.method === "PUT")?.body).toEqual({ frequency: "weekly", scheduled_weekday: 1, scheduled_time: "06:30" });
  });

  it("shows a custom cron read-only with a link to the rule editor", async () => {
    stubApi({});
    const custom = { ...config, frequency: "custom" as const, schedule_description: "Every 15 minutes, between 08:00 AM and 06:59 PM" };
    renderApp(<ConfigDialog site={1} config={custom} onClose={() => {}} />);
    const box = screen.getByTestId("config-custom-schedule");
    expect(box).toHaveTextContent("Every 15 minutes, between 08:00 AM and 06:59 PM (Europe/Berlin)");
    expect(screen.queryByLabelText("Time (Europe/Berlin)")).toBeNull();
    expect(screen.getByLabelText("Frequency")).toHaveValue("custom");
    await userEvent.click(within(box).getByRole("link", { name: "Change it in the rule editor" }));
    expect(routerLocation()).toBe("/rules/9?site=1");
  });

  it("saves other fields of a custom schedule without touching the frequency", async () => {
    const { calls } = stubApi({ "PUT /api/v1/automation/config/": (call) => json({ ...config, ...(call.body as object) }) });
    renderApp(<ConfigDialog site={1} config={{ ...config, frequency: "custom" }} onClose={() => {}} />);
    await userEvent.click(screen.getByLabelText("Scheduled runs"));
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(calls.find((call) => call.method === "PUT")?.body).toEqual({ is_enabled: true }));
  });

  it("allows batches up to 100 (keyword clustering up to 20) and explains the stage switches", () => {
    stubApi({});
    renderApp(<ConfigDialog site={1} config={config} onClose={() => {}} />);
    expect(screen.getByLabelText("Stage 1 batch size")).toHaveAttribute("max", "20");
    for (const n of [2, 3, 4, 5, 6]) expect(screen.getByLabelText(`Stage ${n} batch size`)).toHaveAttribute("max", "100");
    expect(screen.getByTestId("stage-switch-note")).toHaveTextContent(STAGE_SWITCH_NOTE);
    expect(STAGE_SWITCH_NOTE).toBe(
      "When image prompts (5) or images (6) are off, the review gate (7) sends every draft to review; their images stay pending.",
    );
  });

  it("hands the signing secret of a first notification webhook to the caller, and keeps it out of the cache", async () => {
    stubApi({
      "PUT /api/v1/automation/config/": (call) => json({ ...config, ...(call.body as object), signing_secret: "s3cret-once" }),
    });
    const onSaved = vi.fn();
    const { client } = renderApp(<ConfigDialog site={1} config={config} onClose={() => {}} onSaved={onSaved} />);
    await userEvent.type(screen.getByLabelText("Webhook URL"), "https://hooks.example.com/igny8");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(onSaved.mock.calls[0]?.[0]).toMatchObject({ signing_secret: "s3cret-once" });
    expect(client.getQueryData(["automation", 1, "config"])).not.toHaveProperty("signing_secret");
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
