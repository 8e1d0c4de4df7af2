/** Gate for signed-in screens: loading while the profile loads, login when there is none. */
import { Navigate, useLocation } from "react-router";

import { useMe } from "../api/queries";
import { ErrorBanner } from "./ErrorBanner";
import { Layout } from "./Layout";
import { FullPageLoading } from "./states";

export function RequireAuth() {
  const me = useMe();
  const location = useLocation();
  if (me.data === undefined) {
    if (!me.isError) return <FullPageLoading />;
    return (
      <div className="fullpage-center">
        <div className="narrow">
          <ErrorBanner title="Could not reach IGNY8" error={me.error} onRetry={() => void me.refetch()} />
        </div>
      </div>
    );
  }
  if (me.data === null) {
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Layout me={me.data} />;
}
