/** Routes. Every screen is its own lazily loaded chunk so the first load stays small. */
import { lazy, Suspense } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";

import { RequireAuth } from "./shell/RequireAuth";
import { FullPageLoading } from "./shell/states";

const LoginPage = lazy(() => import("./pages/LoginPage"));
const ContentPage = lazy(() => import("./content/ContentPage"));
const placeholders = () => import("./pages/placeholders");
const AutomationPage = lazy(() => import("./automation/AutomationPage"));
const RunDetailPage = lazy(() => import("./automation/RunDetailPage"));
const RulesPage = lazy(() => import("./rules/RulesPage"));
const RuleEditorPage = lazy(() => import("./rules/RuleEditorPage"));
const RunsPage = lazy(() => import("./runs/RunsPage"));
const ExecutionPage = lazy(() => import("./runs/ExecutionPage"));
const EventsPage = lazy(() => import("./events/EventsPage"));
const ContentReaderPage = lazy(() => import("./content/ContentReaderPage"));
const KeywordsPage = lazy(() => import("./keywords/KeywordsPage"));
const ClustersPage = lazy(() => import("./keywords/ClustersPage"));
const SitesPage = lazy(() => import("./sites/SitesPage"));
const CreditsPage = lazy(() => import("./credits/CreditsPage"));
const SettingsPage = lazy(() => import("./settings/SettingsPage"));
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
          <Route path="rules/new" element={<RuleEditorPage />} />
          <Route path="rules/:ruleId" element={<RuleEditorPage />} />
          <Route path="runs" element={<RunsPage />} />
          <Route path="runs/:runId" element={<ExecutionPage />} />
          <Route path="events" element={<EventsPage />} />
          <Route path="content" element={<ContentPage />} />
          <Route path="content/:contentId" element={<ContentReaderPage />} />
          <Route path="keywords" element={<KeywordsPage />} />
          <Route path="keywords/clusters" element={<ClustersPage />} />
          <Route path="sites" element={<SitesPage />} />
          <Route path="credits" element={<CreditsPage />} />
          <Route path="settings" element={<SettingsPage />} />
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
