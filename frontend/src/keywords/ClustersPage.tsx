/** Placeholder until this screen is built (issue 13). */
import { ComingSoon } from "../shell/states";

export default function ClustersPage() {
  return <ComingSoon title="Clusters">This screen is being built.</ComingSoon>;
}
