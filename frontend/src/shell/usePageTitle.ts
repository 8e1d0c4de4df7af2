import { useEffect } from "react";

/** Set the browser tab title for a screen: "Content · IGNY8 Automation". */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · IGNY8 Automation` : "IGNY8 Automation";
  }, [title]);
}
