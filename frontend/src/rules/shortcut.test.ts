import { describe, expect, it } from "vitest";

import { isApplePlatform, saveShortcutLabel } from "./shortcut";

const MAC_UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
const LINUX_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
const WINDOWS_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

describe("save shortcut", () => {
  it("is ⌘S on a Mac, from the platform or the user agent", () => {
    expect(saveShortcutLabel({ platform: "MacIntel", userAgent: MAC_UA })).toBe("⌘S");
    expect(saveShortcutLabel({ userAgentData: { platform: "macOS" }, platform: "", userAgent: "" })).toBe("⌘S");
    expect(isApplePlatform({ platform: "Linux x86_64", userAgent: MAC_UA })).toBe(true);
  });

  it("is Ctrl+S on Windows and Linux", () => {
    expect(saveShortcutLabel({ platform: "Win32", userAgent: WINDOWS_UA })).toBe("Ctrl+S");
    expect(saveShortcutLabel({ platform: "Linux x86_64", userAgent: LINUX_UA, userAgentData: { platform: "Linux" } })).toBe("Ctrl+S");
    expect(isApplePlatform({})).toBe(false);
  });
});
