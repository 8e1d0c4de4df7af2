/** Placeholder until this screen is built (issue 13). */
import { ComingSoon } from "../shell/states";

export default function ContentReaderPage() {
  return <ComingSoon title="ContentReader">This screen is being built.</ComingSoon>;
}
