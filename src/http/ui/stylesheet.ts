import { createHash } from 'node:crypto'

/**
 * The page's only style, inline so the page needs no second request and no build step; the
 * Content-Security-Policy allows exactly this text by its hash, so no injected style applies.
 */
export const stylesheet = `
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #d8dde6; --accent: #2456c8; --bg: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; align-items: center; gap: 1rem; padding: .6rem 1.5rem; background: var(--ink); color: #fff; }
header a { color: #fff; font-weight: 600; text-decoration: none; }
header .who { margin-left: auto; color: #c9d1e0; }
header form { margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1.2rem 1rem; margin: 1rem 0; }
h1 { font-size: 1.5rem; margin: .8rem 0 .2rem; }
h2 { font-size: 1.05rem; margin: .2rem 0 .6rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .4rem 0 0; }
dt { color: var(--muted); }
dd { margin: 0; }
form.inline { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
input, select, button { font: inherit; padding: .3rem .55rem; border: 1px solid var(--line); border-radius: 5px; }
input[type=search], input[type=text], input[type=password] { min-width: 18rem; }
button { background: var(--accent); border-color: var(--accent); color: #fff; cursor: pointer; }
header button { background: transparent; border-color: #6b7487; }
.state { display: inline-block; padding: .05rem .5rem; border-radius: 999px; background: #e7ecf7; font-weight: 600; }
.notice { padding: .5rem .8rem; border-radius: 6px; background: #e5f4e9; border: 1px solid #9fd3ad; }
.problem { padding: .5rem .8rem; border-radius: 6px; background: #fbeaea; border: 1px solid #e3a3a3; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 500; }
.line { font-weight: 600; }
.line.none { color: var(--muted); }
.tag { font-size: .8rem; padding: 0 .4rem; border-radius: 4px; background: #fff3cd; }
.note { margin: 0 0 .25rem; font-size: .88rem; color: var(--muted); }
.note.withheld { color: #8a4b00; }
.no-owner { color: var(--muted); background: var(--bg); border-radius: 4px; padding: 0 .3rem; white-space: nowrap; }
ol.timeline { list-style: none; margin: 0; padding: 0 0 0 1rem; border-left: 2px solid var(--line); }
ol.timeline li { position: relative; padding: .3rem 0 .6rem .8rem; }
ol.timeline li::before { content: ""; position: absolute; left: -1.42rem; top: .65rem; width: .7rem; height: .7rem; border-radius: 50%; background: var(--accent); }
ol.timeline li.invalidated::before { background: #c0392b; }
ol.timeline time { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: .6rem; }
.kind { font-weight: 600; }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--bg); padding: 0 .25rem; border-radius: 3px; }
.muted { color: var(--muted); }
h3 { font-size: .92rem; margin: 1.1rem 0 .4rem; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .03em; }
section.health h2 .muted { font-weight: 400; font-size: .9rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.zero { color: #b3bac6; }
td.total { font-weight: 600; }
tfoot th, tfoot td { border-bottom: 0; border-top: 2px solid var(--line); font-weight: 600; }
table.dispatches { font-size: .9rem; }
table.dispatches th, table.dispatches td { padding: .35rem .4rem; }
table.dispatches td.num, table.dispatches time { white-space: nowrap; }
table.dispatches th { vertical-align: bottom; }
table.dispatches code { overflow-wrap: anywhere; }
table.dispatches td:first-child { min-width: 9.5rem; }
.kind-tag { font-size: .78rem; padding: 0 .35rem; border-radius: 4px; background: #e7ecf7; color: var(--muted); white-space: nowrap; }
svg.chart { display: block; width: 100%; height: auto; max-height: 15rem; }
svg.chart .grid { stroke: var(--line); stroke-width: 1; }
svg.chart .axis { fill: var(--muted); font-size: 11px; }
svg.chart .slot { fill: transparent; }
svg.chart g:hover .slot { fill: #eef2f9; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: .3rem 1.1rem; margin: .3rem 0 0; padding: 0; font-size: .88rem; color: var(--muted); }
ul.legend strong { color: var(--ink); }
.swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .35rem; vertical-align: -.05rem; }
.s-dead { fill: #c0392b; background: #c0392b; }
.s-uninstalled { fill: #e67e22; background: #e67e22; }
.s-moved { fill: #8e44ad; background: #8e44ad; }
.s-revoked { fill: #2980b9; background: #2980b9; }
.s-erased { fill: #7f8c8d; background: #7f8c8d; }
.s-quarantined { fill: #d4ac0d; background: #d4ac0d; }
.s-other { fill: #34495e; background: #34495e; }
`

/** The `style-src` source that admits {@link stylesheet} and nothing else. */
export const stylesheetSource = `'sha256-${createHash('sha256').update(stylesheet, 'utf8').digest('base64')}'`
