/** Placeholder until this screen is built (issue 13). */
import { ComingSoon } from "../shell/states";

export default function CreditsPage() {
  return <ComingSoon title="Credits">This screen is being built.</ComingSoon>;
}
