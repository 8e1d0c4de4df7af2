import { MoonIcon, SunIcon } from "./icons";
import { useThemeContext } from "./theme";

/** Switch between light and dark; the choice is remembered (until then the system setting rules). */
export function ThemeToggle() {
  const { theme, toggle } = useThemeContext();
  const next = theme === "dark" ? "light" : "dark";
  return (
    <button
      type="button"
      className="btn btn-icon btn-ghost"
      onClick={toggle}
      aria-label={`Switch to ${next} mode`}
      title={`Switch to ${next} mode`}
      data-testid="theme-toggle"
    >
      {theme === "dark" ? <SunIcon /> : <MoonIcon />}
    </button>
  );
}
