import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { escapeHtml } from '../../src/http/ui/escape-html.js'
import { html, raw } from '../../src/http/ui/html.js'

describe('escapeHtml', () => {
  it('turns the five markup characters into entities', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;')
  })

  it('leaves text without markup characters as it is', () => {
    expect(escapeHtml('Kim Lê — MyApp (iOS) +33 6 12')).toBe('Kim Lê — MyApp (iOS) +33 6 12')
  })

  it('never lets a tag, a quote or a raw ampersand through, and decodes back to the input', () => {
    const decode = (s: string): string =>
      s.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e] as string)
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('<', '>', '"', "'", '&', 'a', ';', '#', ' ', 'é') }), (text) => {
        const escaped = escapeHtml(text)
        expect(escaped).not.toMatch(/[<>"']/)
        expect(escaped).not.toMatch(/&(?!(lt|gt|quot|#39|amp);)/)
        expect(decode(escaped)).toBe(text)
      }),
    )
  })
})

describe('html template', () => {
  it('escapes interpolated text, numbers and list items, and keeps markup built with html', () => {
    const item = (name: string) => html`<li>${name}</li>`
    const page = html`<p title="${'"x"'}">${'<b>'}${42}${null}${false}${undefined}</p><ul>${['<i>', 'ok'].map(item)}</ul>${raw('<hr>')}`
    expect(page.markup).toBe('<p title="&quot;x&quot;">&lt;b&gt;42</p><ul><li>&lt;i&gt;</li><li>ok</li></ul><hr>')
  })
})
