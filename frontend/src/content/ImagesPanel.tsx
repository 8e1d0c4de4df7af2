/** An article's images: thumbnail, kind, prompt, status, error; regenerate one (optionally with a new prompt). */
import { useId, useState } from "react";

import { ApiError } from "../api/client";
import { useContentImages, useRegenerateImage } from "../api/queries";
import type { Image } from "../api/types";
import { ErrorBanner } from "../shell/ErrorBanner";
import { FieldError } from "../shell/fields";
import { Pill } from "../shell/Pill";
import { Loading } from "../shell/states";

const IMAGE_STATUS: Record<Image["status"] & string, string> = {
  pending: "Generating…",
  generated: "Generated",
  failed: "Failed",
};

export function imageLabel(image: Pick<Image, "kind" | "position">, index: number): string {
  return image.kind === "featured" ? "Featured image" : `In-article image ${index}`;
}

export function ImagesPanel({ contentId }: { contentId: number }) {
  const images = useContentImages(contentId);
  let inArticle = 0;
  return (
    <section className="ct-panel" aria-labelledby="images-heading" data-testid="images-panel">
      <h2 id="images-heading">Images</h2>
      {images.isPending ? (
        <Loading label="Loading images…" />
      ) : images.isError ? (
        <ErrorBanner title="Could not load the images" error={images.error} onRetry={() => void images.refetch()} />
      ) : images.data.length === 0 ? (
        <p className="muted">No images yet: the pipeline adds a featured image and in-article images after writing.</p>
      ) : (
        <ul className="ct-images">
          {images.data.map((image) => (
            <ImageCard
              key={image.id}
              image={image}
              contentId={contentId}
              label={imageLabel(image, image.kind === "featured" ? 0 : ++inArticle)}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function ImageCard({ image, contentId, label }: { image: Image; contentId: number; label: string }) {
  const regenerate = useRegenerateImage(contentId);
  const [editing, setEditing] = useState(false);
  const [prompt, setPrompt] = useState(image.prompt ?? "");
  const promptId = useId();
  const errorId = useId();
  const status = image.status ?? "pending";
  const pending = status === "pending" || regenerate.isPending;
  const fieldErrors = regenerate.error instanceof ApiError ? regenerate.error.fieldErrors : {};

  const submit = () => {
    const edited = prompt.trim();
    regenerate.mutate(
      { id: image.id, prompt: edited && edited !== (image.prompt ?? "").trim() ? edited : undefined },
      { onSuccess: () => setEditing(false) },
    );
  };

  return (
    <li className="ct-image" data-testid="image-card" aria-busy={pending}>
      <div className="ct-thumb">
        {image.file_url ? (
          <img src={image.file_url} alt={`${label}: ${image.prompt || "no prompt"}`} loading="lazy" />
        ) : (
          <span className="ct-thumb-empty muted small">{status === "failed" ? "No image" : "Not generated yet"}</span>
        )}
      </div>
      <div className="ct-image-body">
        <div className="ct-image-head">
          <strong>{label}</strong>
          <Pill className={`ct-badge ct-image-${status}`} data-testid="image-status">
            {status === "pending" && <span className="ct-dot" aria-hidden="true" />}
            {IMAGE_STATUS[status]}
          </Pill>
        </div>
        {image.error && status === "failed" && <p className="ct-inline-error small">{image.error}</p>}
        {editing ? (
          <form
            className="ct-image-form"
            onSubmit={(event) => {
              event.preventDefault();
              submit();
            }}
          >
            <label htmlFor={promptId}>Prompt</label>
            <textarea
              id={promptId}
              rows={4}
              value={prompt}
              autoFocus
              aria-invalid={fieldErrors.prompt ? true : undefined}
              aria-describedby={fieldErrors.prompt ? errorId : undefined}
              onChange={(event) => setPrompt(event.target.value)}
            />
            <FieldError id={errorId} messages={fieldErrors.prompt} />
            {regenerate.error && !fieldErrors.prompt ? (
              <ErrorBanner title="Could not regenerate" error={regenerate.error} />
            ) : null}
            <div className="ct-panel-actions">
              <button
                type="button"
                className="btn btn-small"
                onClick={() => {
                  setEditing(false);
                  setPrompt(image.prompt ?? "");
                  regenerate.reset();
                }}
              >
                Cancel
              </button>
              <button type="submit" className="btn btn-small btn-primary" disabled={regenerate.isPending}>
                {regenerate.isPending ? "Sending…" : "Regenerate image"}
              </button>
            </div>
          </form>
        ) : (
          <>
            <p className="ct-prompt small">{image.prompt || <span className="muted">No prompt</span>}</p>
            <button
              type="button"
              className="btn btn-small"
              disabled={pending}
              onClick={() => {
                setPrompt(image.prompt ?? "");
                setEditing(true);
              }}
              aria-label={`Regenerate ${label.toLowerCase()}`}
            >
              {pending ? "Generating…" : "Regenerate"}
            </button>
          </>
        )}
      </div>
    </li>
  );
}
