/** Publish (or update) on the site's WordPress: choose the post status, see why it was refused. */
import { useId, useState } from "react";
import { Link } from "react-router";

import { ApiError } from "../api/client";
import type { PostStatus } from "../api/types";
import { Dialog } from "../shell/Dialog";
import { ErrorBanner } from "../shell/ErrorBanner";
import { withSite } from "../shell/site";

interface Props {
  open: boolean;
  /** "Publish “Title”", "Update post “Title”", "Publish 3 articles". */
  title: string;
  action: string;
  siteId: number;
  initialStatus?: PostStatus;
  pending: boolean;
  error: unknown;
  onSubmit: (postStatus: PostStatus) => void;
  onClose: () => void;
}

export function PublishDialog({ open, title, action, siteId, initialStatus = "publish", pending, error, onSubmit, onClose }: Props) {
  const [postStatus, setPostStatus] = useState<PostStatus>(initialStatus);
  const name = useId();
  const fieldErrors = error instanceof ApiError ? error.fieldErrors : {};
  const noConnection = fieldErrors.integration;

  return (
    <Dialog
      open={open}
      title={title}
      onClose={onClose}
      onSubmit={() => onSubmit(postStatus)}
      actions={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={pending}>
            {pending ? "Sending…" : action}
          </button>
        </>
      }
    >
      <p>It is sent to the site's WordPress now; publishing again later updates the same post.</p>
      <fieldset className="ct-choice">
        <legend>Post status in WordPress</legend>
        <label>
          <input
            type="radio"
            name={name}
            value="publish"
            checked={postStatus === "publish"}
            onChange={() => setPostStatus("publish")}
          />
          <span>
            <strong>Published</strong> <span className="muted">live on the site</span>
          </span>
        </label>
        <label>
          <input type="radio" name={name} value="draft" checked={postStatus === "draft"} onChange={() => setPostStatus("draft")} />
          <span>
            <strong>Draft</strong> <span className="muted">saved in WordPress, not visible</span>
          </span>
        </label>
      </fieldset>
      {noConnection ? (
        <div className="ct-inline-error" role="alert">
          <p>{noConnection.join(" ")}</p>
          <p>
            <Link to={withSite("/sites", siteId)}>Connect WordPress in Sites</Link>
          </p>
        </div>
      ) : error ? (
        <ErrorBanner title="Could not publish" error={error} />
      ) : null}
    </Dialog>
  );
}
