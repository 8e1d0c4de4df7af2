import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { demoSite, secondSite } from "../test/utils";
import { SiteSelector } from "./SiteSelector";

describe("SiteSelector", () => {
  it("is a labelled select listing the sites by domain", () => {
    render(<SiteSelector sites={[demoSite, { ...secondSite, is_active: false }]} value={1} onChange={() => {}} />);
    const select = screen.getByLabelText("Site");
    expect(select).toHaveValue("1");
    expect(screen.getAllByRole("option").map((o) => o.textContent)).toEqual([
      "demo.example.com",
      "second.example.com (inactive)",
    ]);
  });

  it("reports the chosen site id as a number", async () => {
    const onChange = vi.fn();
    render(<SiteSelector sites={[demoSite, secondSite]} value={1} onChange={onChange} />);
    await userEvent.selectOptions(screen.getByLabelText("Site"), "second.example.com");
    expect(onChange).toHaveBeenCalledWith(2);
  });

  it("says so when the account has no site", () => {
    render(<SiteSelector sites={[]} value={null} onChange={() => {}} />);
    expect(screen.queryByRole("combobox")).toBeNull();
    expect(screen.getByText("No sites yet")).toBeInTheDocument();
  });
});
