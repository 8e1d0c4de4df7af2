/** Placeholder until this screen is built (issue 13). */
import { ComingSoon } from "../shell/states";

export default function KeywordsPage() {
  return <ComingSoon title="Keywords">This screen is being built.</ComingSoon>;
}
