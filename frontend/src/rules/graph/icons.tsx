/** Icons of the control blocks on the graph (16 px stroke icons, decorative). */
import type { ReactNode } from "react";

import { Icon } from "../../shell/icons";

const I = ({ children }: { children: ReactNode }) => <Icon size={14}>{children}</Icon>;

const ICONS: Record<string, () => ReactNode> = {
  if: () => (
    <I>
      <path d="M6 3v6a3 3 0 0 0 3 3h6a3 3 0 0 1 3 3v6" />
      <path d="M6 21v-6" />
      <path d="m15 18 3 3 3-3" />
    </I>
  ),
  switch: () => (
    <I>
      <path d="M4 12h6" />
      <path d="M10 12 20 4M10 12h10M10 12l10 8" />
    </I>
  ),
  for_each: () => (
    <I>
      <path d="M17 2l4 4-4 4" />
      <path d="M3 11v-1a4 4 0 0 1 4-4h14" />
      <path d="M7 22l-4-4 4-4" />
      <path d="M21 13v1a4 4 0 0 1-4 4H3" />
    </I>
  ),
  parallel: () => (
    <I>
      <path d="M12 3v4M12 7 5 13v8M12 7l7 6v8M12 7v14" />
    </I>
  ),
  wait: () => (
    <I>
      <path d="M6 2h12M6 22h12" />
      <path d="M7 2c0 5 10 5 10 10S7 17 7 22M17 2c0 5-10 5-10 10s10 5 10 10" />
    </I>
  ),
  approval: () => (
    <I>
      <path d="M9 11V5a2 2 0 0 1 4 0v6" />
      <path d="M13 10a2 2 0 0 1 4 0v4a7 7 0 0 1-7 7 6 6 0 0 1-5.2-3L3 15a2 2 0 0 1 3.4-2L9 15" />
    </I>
  ),
  call_rule: () => (
    <I>
      <path d="M15 3h6v6" />
      <path d="M10 14 21 3" />
      <path d="M18 13v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h6" />
    </I>
  ),
  stop: () => (
    <I>
      <path d="M7.9 2h8.2L22 7.9v8.2L16.1 22H7.9L2 16.1V7.9z" />
      <path d="M9 9h6v6H9z" />
    </I>
  ),
};

export function BlockIcon({ kind }: { kind: string }) {
  const icon = ICONS[kind];
  return icon ? <>{icon()}</> : null;
}
