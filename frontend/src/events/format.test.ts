import { describe, expect, it } from "vitest";

import {
  causeOf,
  changesInWords,
  cursorOf,
  customEventName,
  readFilters,
  rootInWords,
  sinceIso,
  summarizeObject,
  timeAgo,
  valueInWords,
} from "./format";
import { eventRecord, keywordUpdated, webhookReceived } from "./testData";

describe("journal filters", () => {
  it("reads the URL, falling back to the last 7 days on this site", () => {
    expect(readFilters(new URLSearchParams(""))).toEqual({ event: "", since: "7d", scope: "site", objectType: "", objectId: null });
    expect(readFilters(new URLSearchParams("event=keyword.created&since=1h&scope=all&object_type=keyword&object_id=5"))).toEqual({
      event: "keyword.created",
      since: "1h",
      scope: "all",
      objectType: "keyword",
      objectId: 5,
    });
    expect(readFilters(new URLSearchParams("since=2y&object_id=x")).since).toBe("7d");
    expect(readFilters(new URLSearchParams("object_id=x")).objectId).toBeNull();
  });

  it("turns a range into its start", () => {
    const now = Date.parse("2026-12-02T12:00:00Z");
    expect(sinceIso("1h", now)).toBe("2026-12-02T11:00:00.000Z");
    expect(sinceIso("24h", now)).toBe("2026-12-01T12:00:00.000Z");
    expect(sinceIso("30d", now)).toBe("2026-11-02T12:00:00.000Z");
  });

  it("names custom events and refuses what cannot be one", () => {
    expect(customEventName("order_paid")).toBe("custom.order_paid");
    expect(customEventName(" custom.order.paid ")).toBe("custom.order.paid");
    expect(customEventName("two words")).toBeNull();
    expect(customEventName("")).toBeNull();
  });

  it("takes the cursor out of a next URL", () => {
    expect(cursorOf("http://testserver/api/v1/automation/events/?cursor=cD0yMDI2&since=x")).toBe("cD0yMDI2");
    expect(cursorOf("/api/v1/automation/events/?cursor=abc")).toBe("abc");
    expect(cursorOf(null)).toBeUndefined();
  });
});

describe("events in words", () => {
  it("says what changed", () => {
    expect(changesInWords(keywordUpdated.changes)).toEqual(["status: new → mapped", "cluster_id: empty → 4"]);
    expect(changesInWords({ disabled: { old: false, new: true }, volume: { old: 1000, new: 12000 } })).toEqual([
      "disabled: no → yes",
      "volume: 1,000 → 12,000",
    ]);
    expect(changesInWords({})).toEqual([]);
    expect(changesInWords({ html_content: { old: "", new: `<p>${"word ".repeat(20)}</p>` } })).toEqual(["html_content: changed"]);
    expect(valueInWords("x".repeat(60))).toHaveLength(40);
    expect(valueInWords({ a: 1 })).toBe('{"a":1}');
  });

  it("names the object with its label", () => {
    expect(summarizeObject(eventRecord(1))).toMatchObject({ ref: "keyword #5", label: "cold brew ratio" });
    expect(summarizeObject(webhookReceived)).toMatchObject({ ref: "rule #9", ruleId: 9, label: "" });
    expect(
      summarizeObject(eventRecord(4, { event: "run.failed", object_type: "run", object_id: null, object: { run_id: "run_x", rule: 2 } })),
    ).toMatchObject({ ref: "run_x", runId: "run_x" });
    expect(
      summarizeObject(eventRecord(5, { event: "schedule.fired", object_type: "", object_id: null, object: { rule: 3, scheduled_for: "2026-12-02T02:00:00Z" } })).label,
    ).toMatch(/^for Dec 2, 2026/);
  });

  it("says what caused it", () => {
    expect(causeOf("keyword.updated", keywordUpdated.causation)).toEqual({ kind: "run", runId: "run_abc123", root: "Run now (rule #3)" });
    expect(causeOf("keyword.created", {})).toEqual({ kind: "none" });
    expect(causeOf("keyword.created", { root_event: "keyword.created", depth: 0 })).toEqual({ kind: "none" });
    expect(causeOf("content.updated", { root_event: "rerun:run_1" })).toEqual({ kind: "rerun", runId: "run_1" });
    expect(causeOf("content.updated", { root_event: "webhook:4" })).toEqual({ kind: "root", text: "Webhook call (rule #4)" });
    expect(rootInWords("custom.order_paid")).toBe("custom.order_paid");
  });

  it("says when, relative to now", () => {
    const now = Date.parse("2026-12-02T12:00:00Z");
    expect(timeAgo("2026-12-02T11:59:50Z", now)).toBe("just now");
    expect(timeAgo("2026-12-02T11:55:00Z", now)).toBe("5 minutes ago");
    expect(timeAgo("2026-11-30T12:00:00Z", now)).toBe("2 days ago");
  });
});
