/** The text of `push-registry --help` and of each command's `--help`. */

const exitCodesText = `Exit codes:
  0  ok
  1  runtime failure (storage down or not migrated, file unreadable)
  2  usage or configuration error (unknown option, bad config file)
  3  ingest finished with rejected lines (see the rejects file)
  4  profile, erase: no such user`

const storageText = `Storage (pick one; default: in memory):
  --db URL         PostgreSQL server (needs the package \`pg\`); env PUSH_REGISTRY_DB.
                   The schema must exist: run \`push-registry migrate --db URL\` first.
  --data DIR       embedded PostgreSQL (PGlite) in DIR, created and migrated on first use
                   (needs the package \`@electric-sql/pglite\`); env PUSH_REGISTRY_DATA.
  --schema NAME    PostgreSQL schema (default push_registry); env PUSH_REGISTRY_SCHEMA.
  Without --db or --data the registry lives in memory and nothing persists: \`ingest\`
  then \`export\` in two runs needs --data or --db.`

const configText = `  --config PATH    apps, policy and API keys as JSON (default ./push-registry.json);
                   env PUSH_REGISTRY_CONFIG.`

const main = `push-registry — the server side of push registration, from the command line.

Usage: push-registry <command> [options]

Commands:
  ingest <file.jsonl>         apply a JSON-lines file of inputs, resumable
  export --user ID… | --segment NAME
                              R26 exports as NDJSON on stdout
  profile <userId>            a user's profile (R25) as JSON
  erase <userId>              erase a user's personal data everywhere
  purge [--now ISO]           list expired registrations (R19), prune the change feed
  migrate --db URL | --data DIR
                              create or update the PostgreSQL schema
  serve [--port N]            the HTTP API (push-registry/http)

Run \`push-registry <command> --help\` for a command's options.

${storageText}

${exitCodesText}
`

const ingest = `Usage: push-registry ingest <file.jsonl> [options]

Reads the file line by line (never whole), one input per line (see the inputs of vectors.md),
and applies them in batches through registry.ingest. Blank lines are skipped. Lines that are
not JSON or that the registry rejects are written to the rejects file as
{ "line": N, "issues": [{ path, rule, message }], "input"?: … } (the input is left out when
the line is not JSON). The rejects file holds inputs, tokens included: it is as sensitive as
the input file and is created readable by its owner only.

Resumable: after every committed batch a checkpoint (<file>.checkpoint: byte offset, line,
counts) is replaced atomically; a second run continues after the last committed batch.
Re-applying a batch is harmless anyway: an input applied twice is applied once (I9).

Options:
  --rejects PATH        where rejected lines go (default <file>.rejected.jsonl)
  --checkpoint PATH     the checkpoint file (default <file>.checkpoint)
  --restart             ignore and replace an existing checkpoint, start at line 1
  --batch-size N        inputs per registry.ingest call (default 5000, at most 10000)
  --max-line-bytes N    bytes in one line (default 1048576); a longer line is rejected
  --quiet               no progress, only the summary line
${configText}
  -h, --help

Progress goes to stderr: one redrawn line on a terminal, a plain line every 5 s otherwise.

${storageText}

${exitCodesText}
`

const exportHelp = `Usage: push-registry export (--user ID [--user ID…] | --segment NAME) [options]

Writes one R26 export per line (NDJSON) on stdout:
{ external_id, push_subscribe, push_tokens: [{ app, platform, token, device_id,
notifications_enabled }], uninstalled_at? }. Unknown user ids are left out (counted on stderr).

Segments: foregroundPushEnabledForApp:<appId>, foregroundPushEnabled,
backgroundOrForegroundPushEnabled, pushSubscription:<subscribed|opted_in|unsubscribed>,
uninstalled:<from ISO>/<to ISO>.

Options:
  --user ID             a user id; repeat for several
  --segment NAME        every user of a segment (R21–R24)
  --now ISO             the time staleness and expiry are evaluated at (default: now)
${configText}
  -h, --help

${storageText}

${exitCodesText}
`

const profile = `Usage: push-registry profile <userId> [options]

Writes the user's profile (R25: subscription, contact attributes, devices with what each is
registered for, token changelog) as JSON on stdout. Exit code 4 when the user is unknown.

Options:
  --now ISO             the time staleness and expiry are evaluated at (default: now)
${configText}
  -h, --help

${storageText}

${exitCodesText}
`

const erase = `Usage: push-registry erase <userId> [options]

Erases the user's personal data everywhere (registry.erase): their user record, their claims
on contact addresses, the change feed's entries naming them, and their ownership of
registrations (tokens only they owned end, reason "erased"). Writes
{ external_id, erased, registrations, contacts } on stdout. Resumable: after an interruption,
run it again. Exit code 4 when nothing of the user is known (never seen, or already erased).

Options:
  --now ISO             the time the erasure is recorded at (default: now)
${configText}
  -h, --help

${storageText}

${exitCodesText}
`

const purge = `Usage: push-registry purge [--now ISO] [options]

The R19 sweep at --now: lists, as NDJSON on stdout, the registrations whose token is expired
at that time ({ appId, deviceId, token (redacted), owners, status }), with counts per app on
stderr. Expiry is evaluated at query time anyway (D7): an expired token is already out of
every target list and segment. Expired registrations are not deleted. It also prunes the
change feed: changes older than its retention (30 days) before --now are removed (D14).

Options:
  --now ISO             the time of the sweep (default: now)
${configText}
  -h, --help

${storageText}

${exitCodesText}
`

const migrate = `Usage: push-registry migrate (--db URL | --data DIR) [--schema NAME]

Creates the schema if needed and applies the migrations it lacks; prints the versions it
applied. Idempotent: a second run applies nothing. Safe to run from several processes at once.
Needs no config file.

Options:
  --db URL              PostgreSQL server (needs \`pg\`); env PUSH_REGISTRY_DB
  --data DIR            embedded PGlite directory (needs \`@electric-sql/pglite\`); env PUSH_REGISTRY_DATA
  --schema NAME         schema to migrate (default push_registry); env PUSH_REGISTRY_SCHEMA
  -h, --help

${exitCodesText}
`

const serve = `Usage: push-registry serve [--port N] [--host HOST] [options]

Serves the HTTP API of push-registry/http (POST /v1/inputs, exports, profiles, lookups,
subscriptions, erasure, GET /healthz) on node:http. SIGINT or SIGTERM closes the server, waits at
most the grace period for the requests in flight, closes the connections that remain, and
closes the storage.

API keys: "appKeys": { "<appId>": "<secret>" } in the config file (its former name "keys" is
still read), or the same JSON object in env PUSH_REGISTRY_KEYS (which replaces the file's).
At least one key is required. A key writes inputs for its app and reads only that app's
registrations, exports and profiles (docs/http.md); one secret given to several apps serves
them all.

Profile page: "ui": { "operators": { "<name>": "<secret>" }, "sessionSecret": "<32+ chars>" }
in the config file, or env PUSH_REGISTRY_UI, mounts the support staff's page at /ui
(docs/profile-page.md). Without it there is no page.

Options:
  --port N              TCP port (default 8080; env PORT); 0 picks a free one
  --host HOST           interface to listen on (default 127.0.0.1)
  --quiet               no request log on stderr
  --grace-period S      seconds a stop waits for requests in flight (default 10)
${configText}
  -h, --help

${storageText}

${exitCodesText}
`

/** Help texts by command; `''` is the program's own. */
export const helpTexts: Readonly<Record<string, string>> = {
  '': main,
  ingest,
  export: exportHelp,
  profile,
  erase,
  purge,
  migrate,
  serve,
}
