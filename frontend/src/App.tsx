/** Routes. Every screen is its own lazily loaded chunk so the first load stays small. */
import { lazy, Suspense } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";

import { RequireAuth } from "./shell/RequireAuth";
import { FullPageLoading } from "./shell/states";

const LoginPage = lazy(() => import("./pages/LoginPage"));
const ContentPage = lazy(() => import("./content/ContentPage"));
const placeholders = () => import("./pages/placeholders");
const AutomationPage = lazy(() => placeholders().then((m) => ({ default: m.AutomationPage })));
const RunDetailPage = lazy(() => placeholders().then((m) => ({ default: m.RunDetailPage })));
const RulesPage = lazy(() => placeholders().then((m) => ({ default: m.RulesPage })));
const RunsPage = lazy(() => placeholders().then((m) => ({ default: m.RunsPage })));
const NotFoundPage = lazy(() => placeholders().then((m) => ({ default: m.NotFoundPage })));

/** `/` goes to the dashboard, keeping `?site=`. */
function Home() {
  const { search } = useLocation();
  return <Navigate to={{ pathname: "/automation", search }} replace />;
}

export function AppRoutes() {
  return (
    <Suspense fallback={<FullPageLoading />}>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route element={<RequireAuth />}>
          <Route index element={<Home />} />
          <Route path="automation" element={<AutomationPage />} />
          <Route path="automation/runs/:runId" element={<RunDetailPage />} />
          <Route path="rules" element={<RulesPage />} />
          <Route path="runs" element={<RunsPage />} />
          <Route path="content" element={<ContentPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <AppRoutes />
    </BrowserRouter>
  );
}
