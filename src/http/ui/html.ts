import { escapeHtml } from './escape-html.js'

/** Markup that is already safe to emit: only {@link html} and {@link raw} make one. */
export class SafeHtml {
  /** @internal use {@link html} or {@link raw}. */
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup
  }
}

/** What a template may interpolate: text is escaped, markup is kept, nothing renders as empty. */
export type Interpolation = SafeHtml | string | number | null | undefined | false | readonly Interpolation[]

const render = (value: Interpolation): string => {
  if (value instanceof SafeHtml) return value.markup
  if (Array.isArray(value)) return (value as readonly Interpolation[]).map(render).join('')
  if (value === null || value === undefined || value === false) return ''
  return escapeHtml(String(value))
}

/**
 * A template tag that escapes every interpolated value unless it is {@link SafeHtml}, so a
 * page cannot forget to escape one: the only way to emit markup is to build it with this tag.
 * Attributes must be quoted in the template.
 */
export const html = (strings: TemplateStringsArray, ...values: readonly Interpolation[]): SafeHtml =>
  new SafeHtml(strings.reduce((out, part, i) => out + part + (i < values.length ? render(values[i] as Interpolation) : ''), ''))

/** Trusted markup written in this module's own source (the stylesheet), never data. */
export const raw = (markup: string): SafeHtml => new SafeHtml(markup)
