/**
 * Edit an article: title, primary keyword, excerpt, meta title and description, and the body HTML
 * (CodeMirror, see HtmlEditor) with a live, sandboxed preview. The API's 400s show at their fields
 * and nothing is saved; leaving with unsaved changes asks first. This module is its own chunk.
 */
import { useEffect, useId, useMemo, useState } from "react";

import { ApiError } from "../api/client";
import { useUpdateContent } from "../api/queries";
import type { Content, ContentEdit } from "../api/types";
import { useNavigationGuard } from "../rules/useNavigationGuard";
import { Dialog } from "../shell/Dialog";
import { ErrorBanner } from "../shell/ErrorBanner";
import { FieldError } from "../shell/fields";
import HtmlEditor from "./HtmlEditor";
import { SeoPanel } from "./SeoPanel";
import { countWords, lengthHint, META_DESCRIPTION_RANGE, META_TITLE_RANGE } from "./seo";
import { ArticleFrame } from "./ui";

export const EDIT_FIELDS = ["title", "primary_keyword", "excerpt", "meta_title", "meta_description", "html_content"] as const;
type EditField = (typeof EDIT_FIELDS)[number];
export type Draft = Record<EditField, string>;

export function draftOf(item: Content): Draft {
  return {
    title: item.title ?? "",
    primary_keyword: item.primary_keyword ?? "",
    excerpt: item.excerpt ?? "",
    meta_title: item.meta_title ?? "",
    meta_description: item.meta_description ?? "",
    html_content: item.html_content ?? "",
  };
}

/** Only what changed goes to the API. */
export function changedFields(saved: Draft, draft: Draft): ContentEdit {
  const out: ContentEdit = {};
  for (const field of EDIT_FIELDS) if (saved[field] !== draft[field]) out[field] = draft[field];
  return out;
}

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

const LABELS: Record<EditField, string> = {
  title: "Title",
  primary_keyword: "Primary keyword",
  excerpt: "Excerpt",
  meta_title: "Meta title",
  meta_description: "Meta description",
  html_content: "Body (HTML)",
};

interface Props {
  item: Content;
  /** Back to reading; `saved` is the stored item after a save, undefined after Cancel. */
  onDone: (saved?: Content) => void;
}

export default function ContentEditor({ item, onDone }: Props) {
  const saved = useMemo(() => draftOf(item), [item]);
  const [draft, setDraft] = useState<Draft>(saved);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const update = useUpdateContent(item.id);
  const changes = changedFields(saved, draft);
  const dirty = Object.keys(changes).length > 0;
  const guard = useNavigationGuard(dirty && !update.isSuccess);
  // The preview frame reloads its document on each change: follow the typing after a short pause.
  const previewHtml = useDebounced(draft.html_content, 250);
  const words = useMemo(() => countWords(previewHtml), [previewHtml]);
  const ids = { form: useId(), body: useId() };
  // A field's error stays until that field is edited again.
  const [editedSinceSave, setEditedSinceSave] = useState<ReadonlySet<string>>(new Set());
  const apiErrors = update.error instanceof ApiError ? update.error.fieldErrors : {};
  const fieldErrors = Object.fromEntries(Object.entries(apiErrors).filter(([field]) => !editedSinceSave.has(field)));
  const unplaced = Object.keys(apiErrors).filter((key) => !(EDIT_FIELDS as readonly string[]).includes(key));

  const set = (field: EditField) => (value: string) => {
    setDraft((current) => ({ ...current, [field]: value }));
    setEditedSinceSave((current) => (current.has(field) ? current : new Set([...current, field])));
  };

  const save = () => {
    if (update.isPending) return;
    if (!dirty) {
      onDone();
      return;
    }
    setEditedSinceSave(new Set());
    update.mutate(changes, { onSuccess: (stored) => guard.allow(() => onDone(stored)) });
  };

  // Ctrl/Cmd+S anywhere on the page, the body editor included.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
        event.preventDefault();
        save();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const cancel = () => {
    if (dirty) setConfirmCancel(true);
    else onDone();
  };

  const fieldProps = (field: EditField) => {
    const errorId = `${ids.form}-${field}-error`;
    const messages = fieldErrors[field];
    return {
      id: `${ids.form}-${field}`,
      value: draft[field],
      onChange: (event: { target: { value: string } }) => set(field)(event.target.value),
      "aria-invalid": messages?.length ? true : undefined,
      "aria-describedby": messages?.length ? errorId : undefined,
    };
  };
  const errorOf = (field: EditField) => <FieldError id={`${ids.form}-${field}-error`} messages={fieldErrors[field]} />;
  const titleHint = lengthHint(draft.meta_title, META_TITLE_RANGE);
  const descriptionHint = lengthHint(draft.meta_description, META_DESCRIPTION_RANGE);

  return (
    <>
      <header className="page-header ct-reader-header">
        <div className="ct-title-block">
          <h1 id="page-title">Edit: {item.title}</h1>
          <p className="muted">
            Changes are saved to the article; the server removes scripts and unsafe markup from the body.
            <span className="ct-kbd-hint"> Ctrl+S saves.</span>
          </p>
        </div>
        <div className="ct-actions">
          <button type="button" className="btn" onClick={cancel}>
            Cancel
          </button>
          <button type="submit" form={ids.form} className="btn btn-primary" disabled={update.isPending}>
            {update.isPending ? "Saving…" : "Save"}
          </button>
        </div>
      </header>
      {update.error ? (
        <ErrorBanner
          title="Not saved"
          error={
            unplaced.length || !(update.error instanceof ApiError) || Object.keys(apiErrors).length === 0
              ? update.error
              : new ApiError(400, "Fix the fields marked below; nothing was saved.")
          }
          onDismiss={() => update.reset()}
        />
      ) : null}
      <div className="ct-edit-layout">
        <form
          id={ids.form}
          className="ct-edit-form"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            save();
          }}
        >
          <div className="field">
            <label htmlFor={`${ids.form}-title`}>{LABELS.title}</label>
            <input type="text" maxLength={255} {...fieldProps("title")} />
            {errorOf("title")}
          </div>
          <div className="field">
            <label htmlFor={`${ids.form}-primary_keyword`}>{LABELS.primary_keyword}</label>
            <input type="text" {...fieldProps("primary_keyword")} />
            {errorOf("primary_keyword")}
          </div>
          <div className="field">
            <label htmlFor={`${ids.form}-meta_title`}>{LABELS.meta_title}</label>
            <input type="text" {...fieldProps("meta_title")} />
            <span className={`ct-hint ct-hint-${titleHint.tone}`}>{titleHint.text}</span>
            {errorOf("meta_title")}
          </div>
          <div className="field">
            <label htmlFor={`${ids.form}-meta_description`}>{LABELS.meta_description}</label>
            <textarea rows={3} {...fieldProps("meta_description")} />
            <span className={`ct-hint ct-hint-${descriptionHint.tone}`}>{descriptionHint.text}</span>
            {errorOf("meta_description")}
          </div>
          <div className="field">
            <label htmlFor={`${ids.form}-excerpt`}>{LABELS.excerpt}</label>
            <textarea rows={3} {...fieldProps("excerpt")} />
            {errorOf("excerpt")}
          </div>
          <div className="field">
            <span className="ct-label" id={ids.body}>
              {LABELS.html_content}
            </span>
            <HtmlEditor
              value={draft.html_content}
              onChange={set("html_content")}
              labelledBy={ids.body}
              describedBy={fieldErrors.html_content?.length ? `${ids.form}-html_content-error` : undefined}
              invalid={Boolean(fieldErrors.html_content?.length)}
            />
            {errorOf("html_content")}
          </div>
        </form>
        <div className="ct-edit-side">
          <section className="ct-panel" aria-labelledby="preview-heading">
            <h2 id="preview-heading">Preview</h2>
            <h3 className="ct-preview-title">{draft.title || <span className="muted">No title</span>}</h3>
            {previewHtml.trim() ? (
              <ArticleFrame html={previewHtml} title="Preview of the edited article" />
            ) : (
              <p className="muted">The body is empty.</p>
            )}
          </section>
          <SeoPanel
            primaryKeyword={draft.primary_keyword}
            wordCount={words}
            metaTitle={draft.meta_title}
            metaDescription={draft.meta_description}
            live
          />
        </div>
      </div>

      <Dialog
        open={guard.blocked || confirmCancel}
        title="Discard your changes?"
        onClose={() => {
          guard.cancel();
          setConfirmCancel(false);
        }}
        actions={
          <>
            <button
              type="button"
              className="btn"
              onClick={() => {
                guard.cancel();
                setConfirmCancel(false);
              }}
            >
              Keep editing
            </button>
            <button
              type="button"
              className="btn btn-danger"
              onClick={() => {
                if (confirmCancel) {
                  setConfirmCancel(false);
                  onDone();
                } else guard.proceed();
              }}
            >
              Discard changes
            </button>
          </>
        }
      >
        <p>The article has unsaved changes; they are lost if you leave now.</p>
      </Dialog>
    </>
  );
}
