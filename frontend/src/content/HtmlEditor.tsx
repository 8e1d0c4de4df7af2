/**
 * The body editor: CodeMirror 6 with HTML highlighting, tag completion and closing, and a small
 * formatting toolbar. Imported only by the editor chunk (ContentEditor), never by the first load.
 */
import { html } from "@codemirror/lang-html";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { Compartment, EditorState } from "@codemirror/state";
import { EditorView, lineNumbers, placeholder } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { minimalSetup } from "codemirror";
import { useEffect, useRef } from "react";

import { applyFormat, type Format, FORMATS } from "./formatting";

interface Props {
  value: string;
  onChange: (value: string) => void;
  /** The id of the visible label. */
  labelledBy: string;
  describedBy?: string;
  invalid?: boolean;
}

// Colours from the app's CSS variables, so light and dark mode need no second theme.
const theme = EditorView.theme({
  "&": {
    color: "var(--text)",
    backgroundColor: "var(--surface)",
    border: "1px solid var(--border-strong)",
    borderRadius: "0 0 var(--radius-small) var(--radius-small)",
    fontSize: "0.9rem",
  },
  "&.cm-focused": { outline: "2px solid var(--focus)", outlineOffset: "1px" },
  ".cm-scroller": {
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
    minHeight: "320px",
    maxHeight: "70vh",
    lineHeight: "1.55",
  },
  ".cm-content": { caretColor: "var(--text)" },
  ".cm-cursor": { borderLeftColor: "var(--text)" },
  ".cm-gutters": { backgroundColor: "var(--surface-2)", color: "var(--text-muted)", border: "0" },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": {
    backgroundColor: "var(--primary-soft) !important",
  },
  ".cm-placeholder": { color: "var(--text-muted)" },
});

const highlight = HighlightStyle.define([
  { tag: [tags.tagName, tags.angleBracket], color: "var(--ct-code-tag)" },
  { tag: tags.attributeName, color: "var(--ct-code-attr)" },
  { tag: [tags.attributeValue, tags.string], color: "var(--ct-code-value)" },
  { tag: tags.comment, color: "var(--text-muted)", fontStyle: "italic" },
  { tag: tags.invalid, color: "var(--danger)" },
]);

export default function HtmlEditor({ value, onChange, labelledBy, describedBy, invalid = false }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const attributes = useRef(new Compartment());
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  const contentAttributes = (label: string, described: string | undefined, bad: boolean) =>
    EditorView.contentAttributes.of({
      "aria-labelledby": label,
      "aria-multiline": "true",
      ...(described ? { "aria-describedby": described } : {}),
      ...(bad ? { "aria-invalid": "true" } : {}),
    });

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          minimalSetup,
          lineNumbers(),
          EditorView.lineWrapping,
          html({ autoCloseTags: true }),
          syntaxHighlighting(highlight),
          theme,
          placeholder("<p>The article body…</p>"),
          attributes.current.of(contentAttributes(labelledBy, describedBy, invalid)),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChangeRef.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is created once; later value/attribute changes are dispatched below.
  }, []);

  // A value set from outside (a reset) replaces the document.
  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const current = editor.state.doc.toString();
    if (current !== value) editor.dispatch({ changes: { from: 0, to: current.length, insert: value } });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({ effects: attributes.current.reconfigure(contentAttributes(labelledBy, describedBy, invalid)) });
  }, [labelledBy, describedBy, invalid]);

  const format = (kind: Format) => {
    const editor = view.current;
    if (!editor) return;
    const { from, to } = editor.state.selection.main;
    const change = applyFormat(editor.state.doc.toString(), from, to, kind);
    editor.dispatch({
      changes: { from: change.from, to: change.to, insert: change.insert },
      selection: change.selection,
      scrollIntoView: true,
    });
    editor.focus();
  };

  return (
    <div className="ct-code-editor">
      <div className="ct-format-bar" role="toolbar" aria-label="Formatting">
        {FORMATS.map((item) => (
          <button
            key={item.format}
            type="button"
            className="btn btn-small btn-ghost"
            title={item.label}
            aria-label={item.label}
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => format(item.format)}
          >
            {item.text}
          </button>
        ))}
      </div>
      <div ref={host} data-testid="html-editor" />
    </div>
  );
}
