/** A clear, announced error message for a failed API call, with its field errors and a retry. */
import { ApiError, describeFieldErrors, errorMessage } from "../api/client";
import { AlertIcon } from "./icons";

interface Props {
  error: unknown;
  /** What failed, e.g. "Could not load content". */
  title?: string;
  onRetry?: () => void;
  onDismiss?: () => void;
}

export function ErrorBanner({ error, title, onRetry, onDismiss }: Props) {
  const lines = error instanceof ApiError ? describeFieldErrors(error.fieldErrors) : [];
  const heading = title ?? (error instanceof ApiError && error.isNetworkError ? "Connection problem" : "Something went wrong");
  return (
    <div className="banner banner-error" role="alert">
      <span className="banner-icon">
        <AlertIcon />
      </span>
      <div className="banner-body">
        <strong className="banner-title">{heading}</strong>
        {lines.length > 1 ? (
          <ul className="banner-list">
            {lines.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        ) : (
          <p>{errorMessage(error)}</p>
        )}
      </div>
      <div className="banner-actions">
        {onRetry && (
          <button type="button" className="btn btn-small" onClick={onRetry}>
            Try again
          </button>
        )}
        {onDismiss && (
          <button type="button" className="btn btn-small btn-ghost" onClick={onDismiss} aria-label="Dismiss error">
            Dismiss
          </button>
        )}
      </div>
    </div>
  );
}
