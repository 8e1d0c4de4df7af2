import type { ReactNode } from "react";

import { ThemeContext, useTheme } from "./theme";

export function ThemeProvider({ children }: { children: ReactNode }) {
  const value = useTheme();
  return <ThemeContext.Provider value={value}>{children}</ThemeContext.Provider>;
}
