import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { ApiError } from "../api/client";
import { ErrorBanner } from "./ErrorBanner";

describe("ErrorBanner", () => {
  it("announces the API message as an alert", () => {
    render(<ErrorBanner title="Could not load content" error={new ApiError(500, "The server failed (500).")} />);
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("Could not load content");
    expect(alert).toHaveTextContent("The server failed (500).");
  });

  it("lists every field error when there are several", () => {
    const error = new ApiError(400, "…", { title: ["This field may not be blank."], site: ["Invalid pk."] });
    render(<ErrorBanner error={error} />);
    const items = screen.getAllByRole("listitem").map((li) => li.textContent);
    expect(items).toEqual(["Title: This field may not be blank.", "Site: Invalid pk."]);
  });

  it("calls a connection problem by its name", () => {
    render(<ErrorBanner error={new ApiError(0, "Cannot reach the server.")} />);
    expect(screen.getByRole("alert")).toHaveTextContent("Connection problem");
  });

  it("offers retry and dismiss buttons that call back", async () => {
    const onRetry = vi.fn();
    const onDismiss = vi.fn();
    render(<ErrorBanner error={new Error("x")} onRetry={onRetry} onDismiss={onDismiss} />);
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    await userEvent.click(screen.getByRole("button", { name: "Dismiss error" }));
    expect(onRetry).toHaveBeenCalledOnce();
    expect(onDismiss).toHaveBeenCalledOnce();
  });
});
