/** Placeholder until this screen is built (issue 13). */
import { ComingSoon } from "../shell/states";

export default function SettingsPage() {
  return <ComingSoon title="Settings">This screen is being built.</ComingSoon>;
}
