/** Stage and status icons of the automation screens (24×24 stroke icons, currentColor, decorative). */
import type { ReactNode } from "react";

import { Icon } from "../shell/icons";

export { GearIcon } from "../shell/icons"; // the Settings entry's icon, the dashboard's Configure button's too


const STAGE_PATHS: Record<number, ReactNode> = {
  // keywords → clusters: a tag
  1: (
    <>
      <path d="M20.6 13.4 13.4 20.6a2 2 0 0 1-2.8 0L3 13V3h10l7.6 7.6a2 2 0 0 1 0 2.8z" />
      <circle cx="7.5" cy="7.5" r="1.5" />
    </>
  ),
  // clusters → ideas: a light bulb
  2: (
    <>
      <path d="M9 18h6M10 22h4" />
      <path d="M12 2a7 7 0 0 0-4 12.7V17h8v-2.3A7 7 0 0 0 12 2z" />
    </>
  ),
  // ideas → tasks: a checklist
  3: (
    <>
      <path d="M9 6h11M9 12h11M9 18h11" />
      <path d="m3 6 1 1 2-2M3 12l1 1 2-2M3 18l1 1 2-2" />
    </>
  ),
  // tasks → content: a pen
  4: (
    <>
      <path d="M12 20h9" />
      <path d="M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z" />
    </>
  ),
  // content → prompts: a chat bubble
  5: <path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z" />,
  // prompts → images: a picture
  6: (
    <>
      <rect x="3" y="3" width="18" height="18" rx="2" />
      <circle cx="8.5" cy="8.5" r="1.5" />
      <path d="m21 15-5-5L5 21" />
    </>
  ),
  // review gate: a hand / stop
  7: (
    <>
      <path d="M7.9 2h8.2L22 7.9v8.2L16.1 22H7.9L2 16.1V7.9z" />
      <path d="M12 8v4M12 16h.01" />
    </>
  ),
};

export function StageIcon({ stage, size = 18 }: { stage: number; size?: number }) {
  return <Icon size={size}>{STAGE_PATHS[stage] ?? <circle cx="12" cy="12" r="8" />}</Icon>;
}

export const PlayIcon = () => (
  <Icon>
    <path d="m6 3 14 9-14 9z" />
  </Icon>
);
/** Run it again (a clockwise arrow around a play mark). */
export const RerunIcon = () => (
  <Icon>
    <path d="M20 11a8 8 0 1 1-2.3-5.7L20 7.5" />
    <path d="M20 3v4.5h-4.5" />
    <path d="m10 9 5 3-5 3z" />
  </Icon>
);
export const PauseIcon = ({ size = 18 }: { size?: number }) => (
  <Icon size={size}>
    <path d="M8 4v16M16 4v16" />
  </Icon>
);
export const StopIcon = () => (
  <Icon>
    <rect x="5" y="5" width="14" height="14" rx="2" />
  </Icon>
);
export const ClockIcon = () => (
  <Icon>
    <circle cx="12" cy="12" r="9" />
    <path d="M12 7v5l3 2" />
  </Icon>
);
export const CheckCircleIcon = ({ size = 18 }: { size?: number }) => (
  <Icon size={size}>
    <circle cx="12" cy="12" r="9" />
    <path d="m8 12 3 3 5-6" />
  </Icon>
);
export const XCircleIcon = ({ size = 18 }: { size?: number }) => (
  <Icon size={size}>
    <circle cx="12" cy="12" r="9" />
    <path d="m15 9-6 6M9 9l6 6" />
  </Icon>
);
export const DownloadIcon = () => (
  <Icon>
    <path d="M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4" />
    <path d="m7 10 5 5 5-5M12 15V3" />
  </Icon>
);
export const ArrowLeftIcon = () => (
  <Icon>
    <path d="M19 12H5M12 19l-7-7 7-7" />
  </Icon>
);
export const ArrowRightIcon = () => (
  <Icon size={16}>
    <path d="M5 12h14M12 5l7 7-7 7" />
  </Icon>
);
export const TrendUpIcon = () => (
  <Icon size={14}>
    <path d="m3 17 6-6 4 4 8-8M15 7h6v6" />
  </Icon>
);
export const TrendDownIcon = () => (
  <Icon size={14}>
    <path d="m3 7 6 6 4-4 8 8M15 17h6v-6" />
  </Icon>
);
export const ChevronIcon = () => (
  <Icon size={16}>
    <path d="m9 18 6-6-6-6" />
  </Icon>
);
