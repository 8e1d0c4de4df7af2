/** The schedule editor checks a cron expression while it is typed: every bad field at once, then words and the next five times. */
import { fireEvent, render, screen, within } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it } from "vitest";

import { emptyRuleErrors } from "../errors";
import type { Trigger } from "../types";
import { TriggerSection } from "./TriggerSection";

function Harness() {
  const [trigger, setTrigger] = useState<Trigger>({ type: "schedule", cron: "0 2 * * *", timezone: "Europe/Berlin" });
  return (
    <TriggerSection
      trigger={trigger}
      onChange={setTrigger}
      catalog={{ trigger_types: ["manual", "schedule"], events: [], custom_events: "" }}
      errors={emptyRuleErrors()}
      saved={null}
      savedTriggerCurrent={false}
      secret={null}
      onRotateSecret={null}
      rotating={false}
      siteTimezone="UTC"
    />
  );
}

describe("schedule feedback while typing", () => {
  it("shows every bad field at once, then the description and the next five fire times", () => {
    render(<Harness />);
    expect(screen.getByTestId("cron-description")).toHaveTextContent("Every day at 02:00");
    expect(within(screen.getByTestId("cron-next-times")).getAllByRole("listitem")).toHaveLength(5);
    expect(screen.getByTestId("cron-next-times").textContent).toMatch(/02:00/);

    fireEvent.change(screen.getByLabelText("Repeat"), { target: { value: "custom" } });
    const input = screen.getByLabelText("Cron expression");
    fireEvent.change(input, { target: { value: "61 25 * * *" } });
    const problems = screen.getByTestId("cron-problems");
    expect(problems).toHaveTextContent("cron minute field '61' is not valid");
    expect(problems).toHaveTextContent("cron hour field '25' is not valid");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByTestId("cron-description")).toHaveTextContent("Not a valid schedule yet");

    fireEvent.change(input, { target: { value: "*/30 8-18 * * 1-5" } });
    expect(screen.queryByTestId("cron-problems")).toBeNull();
    expect(screen.getByTestId("cron-description")).toHaveTextContent("Every 30 minutes, between 08:00 and 18:59, on Monday through Friday");
    expect(within(screen.getByTestId("cron-next-times")).getAllByRole("listitem")).toHaveLength(5);
  });
});
