/** Sign in with username and password (Django session + CSRF). */
import { type FormEvent, useState } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";

import { ApiError } from "../api/client";
import { useLogin, useMe } from "../api/queries";
import { ErrorBanner } from "../shell/ErrorBanner";
import { BoltIcon } from "../shell/icons";
import { FullPageLoading } from "../shell/states";
import { ThemeToggle } from "../shell/ThemeToggle";
import { usePageTitle } from "../shell/usePageTitle";

/** Only same-app paths are followed after login (no `//evil.example`). */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/automation";
}

export default function LoginPage() {
  const me = useMe();
  const login = useLogin();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const next = safeNext(params.get("next"));
  usePageTitle("Sign in");

  if (me.data === undefined && me.isPending) return <FullPageLoading />;
  if (me.data && !login.isPending) return <Navigate to={next} replace />;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate({ username: username.trim(), password }, { onSuccess: () => navigate(next, { replace: true }) });
  };
  const fieldErrors = login.error instanceof ApiError ? login.error.fieldErrors : {};

  return (
    <div className="login">
      <div className="login-theme">
        <ThemeToggle />
      </div>
      <main className="login-card" aria-labelledby="login-title">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            <BoltIcon />
          </span>
          <span className="brand-name">
            IGNY8 <span className="brand-sub">Automation</span>
          </span>
        </div>
        <h1 id="login-title">Sign in</h1>
        <p className="muted">Run and review your content automation.</p>
        {login.isError && <ErrorBanner title="Sign-in failed" error={login.error} />}
        <form onSubmit={onSubmit} noValidate>
          <div className="field">
            <label htmlFor="login-username">Username</label>
            <input
              id="login-username"
              name="username"
              autoComplete="username"
              autoFocus
              required
              value={username}
              aria-invalid={fieldErrors.username ? true : undefined}
              onChange={(event) => setUsername(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="login-password">Password</label>
            <input
              id="login-password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              aria-invalid={fieldErrors.password ? true : undefined}
              onChange={(event) => setPassword(event.target.value)}
            />
          </div>
          <button type="submit" className="btn btn-primary btn-block" disabled={login.isPending || !username || !password}>
            {login.isPending ? "Signing in…" : "Sign in"}
          </button>
        </form>
      </main>
    </div>
  );
}
