/** The editor's save shortcut as the platform names it: ⌘S on Apple devices, Ctrl+S elsewhere. */
export interface PlatformHints {
  platform?: string;
  userAgent?: string;
  userAgentData?: { platform?: string };
}

export function isApplePlatform(nav: PlatformHints | undefined = typeof navigator === "undefined" ? undefined : navigator): boolean {
  if (!nav) return false;
  const platform = nav.userAgentData?.platform || nav.platform || "";
  return /mac|iphone|ipad|ipod/i.test(platform) || /Macintosh|Mac OS X|iPhone|iPad/.test(nav.userAgent ?? "");
}

export function saveShortcutLabel(nav?: PlatformHints): string {
  return isApplePlatform(nav ?? (typeof navigator === "undefined" ? undefined : navigator)) ? "⌘S" : "Ctrl+S";
}
