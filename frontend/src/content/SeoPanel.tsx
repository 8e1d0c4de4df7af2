/** SEO panel: primary keyword, word count, meta title and description with their lengths and ranges. */
import { formatInteger } from "../shell/format";
import { lengthHint, META_DESCRIPTION_RANGE, META_TITLE_RANGE, type LengthHint } from "./seo";

interface Props {
  primaryKeyword: string;
  wordCount: number;
  metaTitle: string;
  metaDescription: string;
  /** Live values while editing (the word count is the editor's estimate until saved). */
  live?: boolean;
}

export function SeoPanel({ primaryKeyword, wordCount, metaTitle, metaDescription, live = false }: Props) {
  const title = lengthHint(metaTitle, META_TITLE_RANGE);
  const description = lengthHint(metaDescription, META_DESCRIPTION_RANGE);
  return (
    <section className="ct-panel" aria-labelledby="seo-heading" data-testid="seo-panel">
      <h2 id="seo-heading">SEO</h2>
      <dl className="ct-facts">
        <div>
          <dt>Primary keyword</dt>
          <dd>{primaryKeyword.trim() ? primaryKeyword : <span className="muted">Not set</span>}</dd>
        </div>
        <div>
          <dt>Words</dt>
          <dd data-testid="seo-words">
            {formatInteger(wordCount)}
            {live && <span className="muted small"> (as you type)</span>}
          </dd>
        </div>
      </dl>
      <MetaLine label="Meta title" value={metaTitle} hint={title} testId="seo-meta-title" />
      <MetaLine label="Meta description" value={metaDescription} hint={description} testId="seo-meta-description" />
    </section>
  );
}

function MetaLine({ label, value, hint, testId }: { label: string; value: string; hint: LengthHint; testId: string }) {
  return (
    <div className="ct-meta" data-testid={testId}>
      <div className="ct-meta-head">
        <span className="ct-meta-label">{label}</span>
        <span className={`ct-length ct-length-${hint.tone}`}>{hint.length}</span>
      </div>
      {value.trim() && <p className="ct-meta-value">{value}</p>}
      <p className={`ct-hint ct-hint-${hint.tone}`}>{hint.text}</p>
    </div>
  );
}
