/** A status pill: a rounded label coloured by its tone (styles.css `.pill`). */
import type { HTMLAttributes, ReactNode } from "react";

export type PillTone = "neutral" | "info" | "success" | "warning" | "danger" | "muted";

export function Pill({
  tone = "neutral",
  className,
  children,
  ...rest
}: { tone?: PillTone; children: ReactNode } & HTMLAttributes<HTMLSpanElement>) {
  return (
    <span className={`pill pill-${tone}${className ? ` ${className}` : ""}`} {...rest}>
      {children}
    </span>
  );
}
