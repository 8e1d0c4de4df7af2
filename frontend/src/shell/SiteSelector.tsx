/** The site picker in the header: a labelled native select (keyboard and screen-reader friendly). */
import { useId } from "react";

import type { Site } from "../api/types";

interface Props {
  sites: readonly Site[];
  value: number | null;
  onChange: (id: number) => void;
}

export function SiteSelector({ sites, value, onChange }: Props) {
  const id = useId();
  if (sites.length === 0) {
    return <span className="site-selector muted">No sites yet</span>;
  }
  return (
    <div className="site-selector">
      <label htmlFor={id}>Site</label>
      <select id={id} value={value ?? ""} onChange={(event) => onChange(Number(event.target.value))}>
        {sites.map((site) => (
          <option key={site.id} value={site.id}>
            {site.domain}
            {site.is_active === false ? " (inactive)" : ""}
          </option>
        ))}
      </select>
    </div>
  );
}
