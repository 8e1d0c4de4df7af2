/** The actions tree in the rule editor: blocks built through the UI, the JSON view in sync, errors at nested entries. */
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";

import { AppRoutes } from "../../App";
import { json, me, page, renderApp, stubApi } from "../../test/utils";

const catalog = [
  { type: "log", name: "Log", description: "Write a line", queue: "local", params_schema: { type: "object", properties: { message: { type: "string" } } }, cost: "free" },
  { type: "generate_ideas", name: "Generate ideas", description: "", queue: "ai", params_schema: { type: "object", properties: {} }, cost: "1 credit" },
];

function fakeApi(onCreate: (body: unknown) => Response) {
  return stubApi({
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/credits/": () => json({ balance: "1", reserved: "0", available: "1", transactions: [] }),
    "GET /api/v1/automation/rules/": () => json(page([])),
    "GET /api/v1/automation/rules/action-types/": () => json(catalog),
    "GET /api/v1/automation/rules/trigger-types/": () => json({ trigger_types: ["manual"], events: [], custom_events: "" }),
    "POST /api/v1/automation/rules/": (call) => onCreate(call.body),
  });
}

beforeAll(async () => {
  await import("../RuleEditorPage");
}, 30_000);

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

function entry(path: string): HTMLElement {
  const found = document.querySelector<HTMLElement>(`[data-testid="step"][data-path="${path}"]`);
  if (!found) throw new Error(`no entry at ${path}`);
  return found;
}

async function add(listPath: string, value: string) {
  await userEvent.selectOptions(screen.getByTestId(`add-${listPath}`), value);
  await userEvent.click(screen.getByTestId(`add-button-${listPath}`));
}

const expected = [
  {
    type: "if",
    condition: { "<": [{ var: "object.word_count" }, 800] },
    then: [
      {
        type: "for_each",
        items: { var: "object.keywords" },
        as: "item",
        concurrency: 1,
        do: [{ type: "generate_ideas", params: {}, on_error: "stop" }],
      },
    ],
    else: [{ type: "log", params: {}, on_error: "stop" }],
  },
];

describe("building blocks in the editor", () => {
  it("builds an if / else with a for_each inside, shows it as JSON, and saves it", async () => {
    const bodies: unknown[] = [];
    fakeApi((body) => {
      bodies.push(body);
      return json({ "actions.0.then.0.concurrency": ["must be from 1 to 16"], "actions.0.else.0.params.message": ["'message' is a required property"] }, 400);
    });
    renderApp(<AppRoutes />, { route: "/rules/new?site=1" });
    await userEvent.type(await screen.findByLabelText("Name"), "Short or long");

    await waitFor(() => expect(within(screen.getByTestId("add-actions")).getByRole("option", { name: "If / else" })).toBeInTheDocument());
    await add("actions", "block:if");
    const ifBlock = entry("actions.0");
    expect(within(ifBlock).getByRole("button", { name: /If \/ else/, expanded: true })).toHaveFocus();
    fireEvent.change(within(ifBlock).getByTestId("block-condition"), { target: { value: '{"<": [{"var": "object.word_count"}, 800]}' } });

    await add("actions.0.then", "block:for_each");
    await add("actions.0.then.0.do", "generate_ideas");
    await add("actions.0.else", "log");
    expect(entry("actions.0.then.0").dataset.id).toBe("step-1-then-1");
    expect(entry("actions.0.then.0.do.0").dataset.id).toBe("step-1-then-1-do-1");

    await userEvent.click(screen.getByTestId("actions-json-toggle"));
    const text = screen.getByTestId("actions-json") as HTMLTextAreaElement;
    expect(JSON.parse(text.value)).toEqual(expected);

    // the JSON view edits the tree too
    const edited = structuredClone(expected);
    edited[0]!.then[0]!.concurrency = 4;
    fireEvent.change(text, { target: { value: JSON.stringify(edited) } });
    fireEvent.change(text, { target: { value: "[{" } });
    expect(screen.getByText(/Not valid JSON/)).toBeInTheDocument();
    fireEvent.change(text, { target: { value: JSON.stringify(edited) } });
    await userEvent.click(screen.getByRole("button", { name: "Actions as blocks" }));
    expect(within(entry("actions.0.then.0")).getByLabelText("At once")).toHaveValue(4);

    await userEvent.click(screen.getAllByRole("button", { name: "Create rule" })[0]!);
    await waitFor(() => expect(bodies).toHaveLength(1));
    expect((bodies[0] as { actions: unknown }).actions).toEqual(edited);

    // every error at its nested entry, all at once
    const loop = entry("actions.0.then.0");
    expect(await within(loop).findByText("must be from 1 to 16")).toBeInTheDocument();
    expect(within(loop).getByLabelText("At once")).toHaveAttribute("aria-invalid", "true");
    // (in the params form, which loads lazily)
    expect(await within(entry("actions.0.else.0")).findByText("'message' is a required property", {}, { timeout: 10_000 })).toBeInTheDocument();
    expect(screen.getByTestId("error-summary")).toHaveTextContent("2 problems");
  }, 20_000);

  it("moves entries with the buttons, also nested, and inserts the for-each template after a step", async () => {
    fakeApi(() => json({}, 500));
    renderApp(<AppRoutes />, { route: "/rules/new?site=1" });
    await waitFor(() => expect(within(screen.getByTestId("add-actions")).getByRole("option", { name: "For each keyword" })).toBeInTheDocument());
    await add("actions", "log");
    await add("actions", "template:for_each_keyword");
    const loop = entry("actions.1");
    expect(loop.dataset.type).toBe("for_each");
    expect(within(loop).getByTestId("block-items")).toHaveValue('{"var":"steps.step-1.output.ids"}');
    expect(entry("actions.1.do.0").dataset.type).toBe("generate_ideas");

    await add("actions.1.do", "log");
    await userEvent.click(screen.getByRole("button", { name: "Move step-2-do-2 (Log) up" }));
    expect(entry("actions.1.do.0").dataset.type).toBe("log");
    await userEvent.click(screen.getByRole("button", { name: "Move step 2 (For each keyword) up" }));
    expect(entry("actions.0").dataset.type).toBe("for_each");
    await userEvent.click(screen.getByRole("button", { name: "Remove step-1-do-1 (Log)" }));
    expect(document.querySelectorAll('[data-path^="actions.0.do."]')).toHaveLength(1);
  });
});
