import {
  defaultModeFor,
  draftToPayload,
  emptyDraft,
  exportFileName,
  importErrors,
  parseImport,
  ruleToDraft,
  sameRule,
  withTrigger,
} from "./draft";
import { savedRule } from "./testData";

const rule = savedRule({ version: 3, execution_count: 4 });

describe("rule drafts", () => {
  it("sends only the keys the API accepts for the trigger type", () => {
    const draft = ruleToDraft(rule);
    draft.trigger = { ...draft.trigger, type: "schedule", cron: " 0 2 * * * ", timezone: "Europe/Berlin" };
    expect(draftToPayload(draft).trigger).toEqual({ type: "schedule", cron: "0 2 * * *", timezone: "Europe/Berlin" });
    draft.trigger.type = "manual";
    expect(draftToPayload(draft).trigger).toEqual({ type: "manual" });
  });

  it("cleans steps: no empty names, retry only when set, budget '' → null", () => {
    const draft = emptyDraft(1);
    draft.name = " Rule ";
    draft.actions = [
      { key: "a", type: "log", name: "  ", params: { message: "m" }, retry: { max: 0, backoff: 2 }, timeout: null },
      { key: "b", type: "webhook", name: "CRM", params: { url: "http://x" }, on_error: "continue", retry: { max: 2, backoff: 5 }, timeout: 30 },
    ];
    const payload = draftToPayload(draft);
    expect(payload.name).toBe("Rule");
    expect(payload.budget_per_run).toBeNull();
    expect(payload.actions).toEqual([
      { type: "log", params: { message: "m" }, on_error: "stop" },
      { type: "webhook", name: "CRM", params: { url: "http://x" }, on_error: "continue", retry: { max: 2, backoff: 5 }, timeout: 30 },
    ]);
  });

  it("is not dirty after a reorder back, and is after a change", () => {
    const a = ruleToDraft(rule);
    const b = ruleToDraft(rule);
    expect(sameRule(a, b)).toBe(true); // different step keys don't count
    b.actions = [{ ...b.actions[0]!, params: { message: "other" } }];
    expect(sameRule(a, b)).toBe(false);
  });

  it("keeps shadow mode through draft → payload → draft, and counts a change of it as unsaved", () => {
    const shadow = ruleToDraft({ ...rule, is_shadow: true });
    expect(shadow.is_shadow).toBe(true);
    const payload = draftToPayload(shadow);
    expect(payload.is_shadow).toBe(true);
    expect(ruleToDraft({ ...rule, ...payload, actions: payload.actions }).is_shadow).toBe(true);
    expect(sameRule(shadow, ruleToDraft(rule))).toBe(false);
    expect(emptyDraft(1).is_shadow).toBe(false);
    // an import file keeps it as it is (the server takes it like a create)
    const file = parseImport(JSON.stringify(payload), 1, [1]);
    expect(file.ok && file.rules[0]!.is_shadow).toBe(true);
  });

  it("reads a rule file for import, one rule or a list, moving an unknown site to the current one", () => {
    const exported = draftToPayload(ruleToDraft(rule)); // the fields a file holds (the server writes the file)
    expect(exportFileName(rule)).toBe("rule-big-keywords.json");

    const imported = parseImport(JSON.stringify({ ...exported, id: 9, site: 77 }), 2, [1, 2]);
    expect(imported.ok).toBe(true);
    if (imported.ok) {
      expect(imported.rules).toHaveLength(1);
      // what the server computes (id, version, …) is sent as it is: the import endpoint leaves it out
      expect(imported.rules[0]).toMatchObject({ name: "Big keywords", site: 2, id: 9 }); // unknown site → current
    }
    const list = parseImport(JSON.stringify([exported, { ...exported, site: null }]), 2, [1, 2]);
    expect(list.ok && list.rules.map((r) => r.site)).toEqual([1, null]);
  });

  it("explains files it cannot import", () => {
    expect(parseImport("{nope", 1, [1])).toMatchObject({ ok: false, error: expect.stringMatching(/not valid JSON/) });
    expect(parseImport("[]", 1, [1])).toMatchObject({ ok: false });
    expect(parseImport('{"name": "x"}', 1, [1])).toMatchObject({ ok: false, error: expect.stringMatching(/trigger/) });
  });
});

describe("a new rule's mode", () => {
  it("queues event rules and runs the others single, while nobody picked a mode", () => {
    expect(defaultModeFor({ type: "event" })).toBe("queued");
    expect(defaultModeFor({ type: "manual" })).toBe("single");
    const draft = emptyDraft(1);
    expect(withTrigger(draft, { type: "event", event: "keyword.created" }, { followMode: true }).mode).toBe("queued");
    expect(withTrigger({ ...draft, mode: "parallel" }, { type: "event" }, { followMode: false }).mode).toBe("parallel");
  });
});

describe("import errors", () => {
  it("groups rules.<i>.<path> by rule, in words, and keeps the rest apart", () => {
    expect(
      importErrors({
        "rules.1.actions.0.type": ["unknown action type 'nope'"],
        "rules.1.name": ["a rule named 'x' already exists"],
        "rules.0.trigger.cron": ["bad cron"],
        "rules.2.non_field_errors": ["not a rule"],
        rules: ["the account has 100 rules; 3 more would pass 100"],
      }),
    ).toEqual({
      byRule: {
        0: ["trigger.cron: bad cron"],
        1: ["step 1 · type: unknown action type 'nope'", "name: a rule named 'x' already exists"],
        2: ["not a rule"],
      },
      other: ["the account has 100 rules; 3 more would pass 100"],
    });
  });
});
