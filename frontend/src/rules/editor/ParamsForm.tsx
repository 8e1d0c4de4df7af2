/**
 * An action's params as a form generated from its JSON Schema (@rjsf with the ajv8 validator).
 * The API stays the judge: the form doesn't block saving, and the API's errors for
 * `actions.N.params.*` come in as `extraErrors` and show at their input. A webhook's headers and secret headers
 * are labelled rows (HeaderMapField); a string with `{…}` placeholders shows their preview (PlaceholderPreview).
 */
import Form, { getDefaultRegistry } from "@rjsf/core";
import { getDefaultFormState, type FieldProps, type FieldTemplateProps, type RJSFSchema, type UiSchema } from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { memo, useMemo, useState } from "react";

import type { ErrorSchema } from "../errors";
import { deepEqual } from "../json";
import type { JsonSchema } from "../types";
import { HeaderMapField } from "./HeaderMapField";
import { hasPlaceholders } from "./placeholders";
import { PlaceholderPreview } from "./PlaceholderPreview";

interface Props {
  schema: JsonSchema;
  value: Record<string, unknown>;
  onChange: (value: Record<string, unknown>) => void;
  errors: ErrorSchema;
  idPrefix: string;
}

/**
 * Titles from property names, and free-form objects as JSON text (the form can't build those).
 * Params the pipeline preset sets for itself (`x-pipeline` in the schema: enabled, handover, stage) are
 * left out of the form unless the step already has them.
 */
export function prepareSchema(
  schema: JsonSchema,
  value: Record<string, unknown> = {},
): { schema: RJSFSchema; uiSchema: UiSchema } {
  const uiSchema: UiSchema = { "ui:submitButtonOptions": { norender: true } };
  const properties: Record<string, JsonSchema> = {};
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if ((prop as Record<string, unknown>)["x-pipeline"] && !(key in value)) continue;
    const copy: JsonSchema = { ...prop, title: prop.title ?? humanize(key) };
    properties[key] = copy;
    if ((key === "headers" || key === "secret_headers") && prop.type === "object" && typeof prop.additionalProperties === "object") {
      uiSchema[key] = { "ui:field": "headerMap", "ui:options": { secret: key === "secret_headers" } };
    } else if (prop.type === "object" && !prop.properties && typeof prop.additionalProperties !== "object") {
      uiSchema[key] = { "ui:field": "jsonObject" };
    } else if (prop.type === "string" && !prop.enum) {
      uiSchema[key] = { "ui:emptyValue": "", ...(key === "message" ? { "ui:widget": "textarea", "ui:options": { rows: 2 } } : {}) };
    }
  }
  return { schema: { ...schema, properties } as RJSFSchema, uiSchema };
}

export function humanize(key: string): string {
  const text = key.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A free-form JSON object (e.g. update_fields' `fields`, emit_event's `data`) edited as text. */
function JsonObjectField(props: FieldProps) {
  const { formData, onChange, fieldPathId, schema, rawErrors, errorSchema, required } = props;
  const [text, setText] = useState(() => (formData === undefined ? "" : JSON.stringify(formData, null, 2)));
  const [problem, setProblem] = useState<string | null>(null);
  const id = fieldPathId.$id;
  const errors = [...(rawErrors ?? []), ...(((errorSchema as ErrorSchema | undefined)?.__errors as string[] | undefined) ?? [])];
  const unique = [...new Set(errors)];
  return (
    <div className="form-group field field-object-json">
      <label className="control-label" htmlFor={id}>
        {schema.title}
        {required && <span className="required">*</span>}
      </label>
      {schema.description && <p className="field-description">{schema.description}</p>}
      <textarea
        id={id}
        className="form-control rl-mono"
        rows={Math.max(3, text.split("\n").length)}
        value={text}
        spellCheck={false}
        placeholder='{"status": "queued"}'
        aria-invalid={problem || unique.length ? true : undefined}
        onChange={(event) => {
          setText(event.target.value);
          if (event.target.value.trim() === "") {
            setProblem(null);
            onChange(undefined, fieldPathId.path);
            return;
          }
          try {
            const value = JSON.parse(event.target.value) as unknown;
            if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error("must be a JSON object");
            setProblem(null);
            onChange(value as Record<string, unknown>, fieldPathId.path);
          } catch (error) {
            setProblem(`Not a JSON object: ${(error as Error).message}`);
          }
        }}
      />
      {(problem || unique.length > 0) && (
        <ul className="error-detail">
          {problem && <li className="text-danger">{problem}</li>}
          {unique.map((message) => (
            <li key={message} className="text-danger">
              {message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const FIELDS = { jsonObject: JsonObjectField, headerMap: HeaderMapField };

const DefaultFieldTemplate = getDefaultRegistry().templates.FieldTemplate;

/** Every field as usual; a string with `{…}` placeholders gets their preview under its input. */
function FieldWithPreview(props: FieldTemplateProps) {
  const { schema, formData, children, id } = props;
  if (schema.type !== "string" || typeof formData !== "string" || !hasPlaceholders(formData)) return <DefaultFieldTemplate {...props} />;
  return (
    <DefaultFieldTemplate {...props}>
      <>
        {children}
        <PlaceholderPreview text={formData} id={`${id}-preview`} />
      </>
    </DefaultFieldTemplate>
  );
}

const TEMPLATES = { FieldTemplate: FieldWithPreview };


const ParamsForm = memo(function ParamsForm({ schema, value, onChange, errors, idPrefix }: Props) {
  const pipelineKeys = Object.keys(value).filter((key) => (schema.properties?.[key] as Record<string, unknown> | undefined)?.["x-pipeline"]).join(",");
  const prepared = useMemo(() => prepareSchema(schema, value), [schema, pipelineKeys]);
  const hasFields = Object.keys(schema.properties ?? {}).length > 0;
  if (!hasFields) return <p className="muted small">This action takes no parameters.</p>;
  return (
    <div className="rl-params">
      <Form
        tagName="div"
        schema={prepared.schema}
        uiSchema={prepared.uiSchema}
        formData={value}
        validator={validator}
        fields={FIELDS}
        templates={TEMPLATES}
        idPrefix={idPrefix}
        extraErrors={errors as never}
        showErrorList={false}
        noHtml5Validate
        onChange={(event) => {
          const next = (event.formData ?? {}) as Record<string, unknown>;
          // The form fills schema defaults into its state when it mounts and reports that as a
          // change; that alone is not an edit (it would mark the rule unsaved just by opening a step).
          if (deepEqual(next, getDefaultFormState(validator, prepared.schema, value))) return;
          onChange(next);
        }}
      />
    </div>
  );
});

export default ParamsForm;
