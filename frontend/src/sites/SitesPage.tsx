/** Placeholder until this screen is built (issue 13). */
import { ComingSoon } from "../shell/states";

export default function SitesPage() {
  return <ComingSoon title="Sites">This screen is being built.</ComingSoon>;
}
