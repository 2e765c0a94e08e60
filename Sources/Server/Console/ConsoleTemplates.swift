import Mustache

/// The console's Mustache templates. Every template is compiled with Tether's own HTML escaping
/// (``ConsoleTemplates/contentType``): Mustache's escapes by character, and a combining mark after `<`
/// makes one character of the two, which would carry the `<` through. `{{{…}}}` is used only for HTML the
/// console drew itself (the run chart, a rendered page body).
enum ConsoleTemplates {
    /// Escapes by Unicode scalar, as the rest of Tether's pages do.
    struct HTMLEscaping: MustacheContentType {
        func escapeText(_ text: String) -> String { escape(text) }
    }

    static let contentType = "TETHER_HTML"

    /// The compiled templates, by name.
    static let library: MustacheLibrary = {
        MustacheContentTypes.register(HTMLEscaping(), named: contentType)
        var library = MustacheLibrary()
        for (name, text) in sources {
            // A template that does not compile is a programming error the console tests catch at once.
            try! library.register("{{% CONTENT_TYPE: \(contentType)}}" + text, named: name)
        }
        return library
    }()

    /// Renders template `name` with `values`.
    static func render(_ name: String, _ values: [String: Any]) -> String {
        library.render(values, withTemplate: name) ?? ""
    }

    static let sources: [String: String] = [
        "layout": layout, "sign-in": signIn, "tenants": tenants, "tenant": tenant, "connection": connection, "reauth-link": reauthLink,
        "queue": queue, "rate-limits": rateLimits, "events": events, "message": message,
    ]

    static let layout = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Tether console</title>
        <style>
        :root{color-scheme:light}
        body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;line-height:1.45;background:#f6f7f9}
        header{display:flex;flex-wrap:wrap;align-items:center;gap:1.5rem;padding:.6rem 1.5rem;background:#1d2330;color:#fff}
        header a{color:#fff}.brand{font-weight:700;text-decoration:none}
        nav ul{display:flex;gap:1.2rem;list-style:none;margin:0;padding:0}nav a[aria-current=page]{text-decoration-thickness:3px}
        header form{margin-left:auto}
        main{max-width:76rem;margin:1.5rem auto;padding:0 1.5rem}
        h1{font-size:1.5rem;margin:.2rem 0 1rem}h2{font-size:1.15rem;margin-top:2rem}
        table{border-collapse:collapse;width:100%;background:#fff}
        th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #dde2ea;vertical-align:top}
        th{background:#eef1f6;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
        code{background:#eef1f6;padding:.05rem .3rem;border-radius:.2rem;word-break:break-all}
        .chip{display:inline-block;white-space:nowrap;padding:.05rem .55rem;border-radius:1rem;font-size:.85rem;font-weight:600;border:1px solid}
        .good{background:#dcf5e3;color:#0b4d1f;border-color:#8fd3a4}.warning{background:#fff3cd;color:#5c4100;border-color:#e6c65a}
        .bad{background:#fde2e2;color:#8a1116;border-color:#ee9a9d}.neutral{background:#eceef2;color:#3b4352;border-color:#c5cad3}
        .info{background:#e0ecff;color:#0d3c8c;border-color:#9bbcf2}
        .chips{display:flex;flex-wrap:wrap;gap:.4rem;list-style:none;padding:0}
        .muted{color:#525b6b}.notice{background:#dcf5e3;padding:.6rem .8rem;border-radius:.3rem}
        .problem{background:#fde2e2;color:#8a1116;padding:.6rem .8rem;border-radius:.3rem}
        button{padding:.45rem 1rem;font:inherit;background:#0b5cff;color:#fff;border:0;border-radius:.3rem;cursor:pointer}
        button.danger{background:#b3261e}button.link{background:none;color:#fff;text-decoration:underline;padding:0}
        .actions{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}.actions form{margin:0}
        label{display:block;margin:.8rem 0 .3rem;font-weight:600}input[type=password]{width:100%;max-width:32rem;padding:.45rem;font:inherit}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;background:#fff;padding:.8rem;margin:0}dt{font-weight:600}dd{margin:0}
        .run-chart{max-width:100%;height:auto;background:#fff;border:1px solid #dde2ea}
        .run-chart text{font-size:11px;fill:#3b4352}.run-chart .axis{stroke:#525b6b}
        .run-chart .bar.good{fill:#2f9e55}.run-chart .bar.warning{fill:#d39b00}.run-chart .bar.bad{fill:#c9302c}.run-chart .bar.info{fill:#3b73d9}
        .run-chart polyline.duration{fill:none;stroke:#1d2330;stroke-width:1.5}.run-chart circle.duration{fill:#1d2330}
        meter{width:8rem}
        </style></head><body>
        <header><a class="brand" href="/console">Tether console</a>
        {{#signedIn}}<nav aria-label="Console sections"><ul>{{#nav}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/nav}}</ul></nav>
        <form method="post" action="/console/sign-out"><input type="hidden" name="csrf" value="{{csrf}}"><button class="link" type="submit">Sign out</button></form>{{/signedIn}}
        </header>
        <main>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        {{{body}}}
        </main></body></html>
        """

    static let signIn = """
        <h1>Sign in</h1>
        <p>Sign in with an admin API key (<code>tether api-keys create --admin</code>). The session lasts 12 hours at most, and ends
        at once when the key is revoked.</p>
        <form method="post" action="/console/sign-in" autocomplete="off">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="key">Admin API key</label><input id="key" name="key" type="password" required maxlength="128" autocomplete="off">
        <p><button type="submit">Sign in</button></p>
        </form>
        """

    static let tenants = """
        <h1>Tenants</h1>
        {{^has_tenants}}<p>No tenant yet. Create one with <code>POST /v1/tenants</code>.</p>{{/has_tenants}}
        {{#has_tenants}}<table><caption class="muted">{{count}} tenants{{#truncated}}, the first {{count}} by slug{{/truncated}}</caption>
        <thead><tr><th scope="col">Tenant</th><th scope="col">Health</th><th scope="col">Connections</th><th scope="col">Needs re-auth</th>
        <th scope="col">Failed streams</th><th scope="col">Streams without scope</th><th scope="col">Last run</th></tr></thead><tbody>
        {{/has_tenants}}{{#tenants}}<tr><td><a href="/console/tenants/{{slug}}">{{slug}}</a><br><span class="muted">{{name}}</span></td>
        <td><span class="chip {{tone}}">{{health}}</span></td><td class="n">{{active}} active of {{connections}}</td>
        <td class="n">{{needsReauth}}</td><td class="n">{{failedStreams}}</td><td class="n">{{blockedStreams}}</td><td>{{lastRun}}</td></tr>
        {{/tenants}}{{#has_tenants}}</tbody></table>{{/has_tenants}}
        """

    static let tenant = """
        <h1>Tenant {{slug}}</h1>
        <p class="muted">{{name}} · created {{created}}</p>
        <h2>Connections</h2>
        {{^has_connections}}<p>No connection. Create a connect link with <code>POST /v1/tenants/{{slug}}/connect-sessions</code>.</p>{{/has_connections}}
        {{#has_connections}}<table><thead><tr><th scope="col">Connection</th><th scope="col">Status</th><th scope="col">Account</th>
        <th scope="col">Mode</th><th scope="col">Rate-limit plan</th><th scope="col">Streams</th></tr></thead><tbody>{{/has_connections}}
        {{#connections}}<tr><td><a href="/console/tenants/{{slug}}/connections/{{id}}">{{provider}} · {{label}}</a></td>
        <td><span class="chip {{tone}}">{{status}}</span>{{#reason}}<br><span class="muted">{{reason}}</span>{{/reason}}</td>
        <td><code>{{account}}</code></td><td>{{mode}}</td><td>{{plan}}</td><td>{{streamSummary}}</td></tr>{{/connections}}
        {{#has_connections}}</tbody></table>{{/has_connections}}
        <h2>API keys</h2>
        {{^has_keys}}<p>No API key.</p>{{/has_keys}}
        {{#has_keys}}<table><thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Created</th><th scope="col">Last used</th>
        <th scope="col">Expires</th><th scope="col">State</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>{{/has_keys}}
        {{#keys}}<tr><td>{{name}}</td><td><code>{{prefix}}…</code></td><td>{{created}}</td><td>{{lastUsed}}</td><td>{{expires}}</td>
        <td><span class="chip {{tone}}">{{state}}</span></td>
        <td>{{#revocable}}<form method="post" action="/console/tenants/{{slug}}/api-keys/{{id}}/revoke"><input type="hidden" name="csrf" value="{{csrf}}">
        <button class="danger" type="submit" aria-label="Revoke API key {{name}}">Revoke</button></form>{{/revocable}}</td></tr>{{/keys}}
        {{#has_keys}}</tbody></table>{{/has_keys}}
        """

    static let connection = """
        <p><a href="/console/tenants/{{slug}}">← Tenant {{slug}}</a></p>
        <h1>{{provider}} · {{label}}</h1>
        <dl>
        <dt>Status</dt><dd><span class="chip {{tone}}">{{status}}</span>{{#reason}} <span class="muted">{{reason}}</span>{{/reason}}</dd>
        <dt>Account</dt><dd><code>{{account}}</code></dd><dt>Mode</dt><dd>{{mode}}</dd>
        <dt>Authorized by</dt><dd>{{authorizedBy}}</dd><dt>Rate-limit plan</dt><dd>{{plan}} ({{planSource}})</dd>
        <dt>Connection id</dt><dd><code>{{id}}</code></dd>
        {{#has_missingScopes}}<dt>Missing scopes</dt><dd>{{#missingScopes}}<code>{{.}}</code> {{/missingScopes}}</dd>{{/has_missingScopes}}
        </dl>
        <div class="actions">
        {{#canSync}}<form method="post" action="/console/tenants/{{slug}}/connections/{{id}}/sync"><input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit">Sync now</button></form>{{/canSync}}
        {{#canReauth}}<form method="post" action="/console/tenants/{{slug}}/connections/{{id}}/reauth-link"><input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit">Create a re-auth link</button></form>{{/canReauth}}
        </div>
        <h2>Streams</h2>
        <table><thead><tr><th scope="col">Stream</th><th scope="col">State</th><th scope="col">Last good run</th><th scope="col">Next run</th>
        <th scope="col">Last error</th></tr></thead><tbody>
        {{#streams}}<tr><td><code>{{name}}</code></td><td><span class="chip {{tone}}">{{health}}</span>{{#missing}}<br><span class="muted">needs {{missing}}</span>{{/missing}}</td>
        <td>{{lastGood}}</td><td>{{next}}</td><td>{{error}}</td></tr>{{/streams}}
        </tbody></table>
        <h2>Runs</h2>
        {{^has_runs}}<p>No run yet.</p>{{/has_runs}}
        {{#has_runs}}{{{chart}}}
        <table><caption class="muted">The last {{runCount}} runs, newest first</caption><thead><tr><th scope="col">Started</th><th scope="col">Outcome</th>
        <th scope="col">Trigger</th><th scope="col">Records</th><th scope="col">Duration</th><th scope="col">Error</th></tr></thead><tbody>{{/has_runs}}
        {{#runs}}<tr><td>{{started}}</td><td><span class="chip {{tone}}">{{status}}</span></td><td>{{trigger}}</td><td class="n">{{records}}</td>
        <td class="n">{{duration}}</td><td>{{error}}</td></tr>{{/runs}}
        {{#has_runs}}</tbody></table>{{/has_runs}}
        <h2>Actions</h2>
        {{^has_actions}}<p>No action was asked of this connection.</p>{{/has_actions}}
        {{#has_actions}}<table><caption class="muted">The newest {{actionCount}} actions of the ledger</caption><thead><tr><th scope="col">Asked</th>
        <th scope="col">Action</th><th scope="col">Target</th><th scope="col">Outcome</th><th scope="col">By</th><th scope="col">Error</th></tr></thead><tbody>
        {{/has_actions}}{{#actions}}<tr><td>{{created}}</td><td><code>{{name}}</code>{{#dryRun}} <span class="muted">(dry run)</span>{{/dryRun}}</td>
        <td>{{target}}</td><td><span class="chip {{tone}}">{{status}}</span></td><td>{{by}}</td><td>{{error}}</td></tr>{{/actions}}
        {{#has_actions}}</tbody></table>{{/has_actions}}
        """

    static let reauthLink = """
        <p><a href="/console/tenants/{{slug}}/connections/{{id}}">← The connection</a></p>
        <h1>Re-auth link for {{provider}} · {{label}}</h1>
        <p>Send this link to an admin of the {{provider}} account <code>{{account}}</code>. It works once, until {{expires}}; connecting the
        same account again restores this connection with its data.</p>
        <p><label for="link">Connect link</label><input id="link" type="text" readonly value="{{url}}" size="80"></p>
        """

    static let queue = """
        <h1>Queue</h1>
        <dl><dt>Due now</dt><dd>{{due}}</dd><dt>Queued in all</dt><dd>{{queued}}</dd><dt>Running</dt><dd>{{running}}</dd>
        <dt>Leases expired</dt><dd>{{expired}}</dd><dt>Oldest due run waiting</dt><dd>{{oldestWait}}</dd></dl>
        <h2>Runs queued or running</h2>
        {{^has_runs}}<p>The queue is empty.</p>{{/has_runs}}
        {{#has_runs}}<table><thead><tr><th scope="col">Tenant</th><th scope="col">Connection</th><th scope="col">Status</th>
        <th scope="col">Trigger</th><th scope="col">Attempt</th><th scope="col">Due</th><th scope="col">Worker</th></tr></thead><tbody>{{/has_runs}}
        {{#runs}}<tr><td><a href="/console/tenants/{{slug}}">{{slug}}</a></td>
        <td><a href="/console/tenants/{{slug}}/connections/{{connection}}"><code>{{connection}}</code></a></td>
        <td><span class="chip {{tone}}">{{status}}</span></td><td>{{trigger}}</td><td class="n">{{attempt}}</td><td>{{due}}</td><td>{{worker}}</td></tr>{{/runs}}
        {{#has_runs}}</tbody></table>{{/has_runs}}
        """

    static let rateLimits = """
        <h1>Rate limits today</h1>
        <p class="muted">Requests each provider account was given today (UTC) by rate-limit category, shared by every worker and every tenant
        connected to the account, against the limits of the plan its connections keep to.</p>
        {{^has_accounts}}<p>No request has been made yet.</p>{{/has_accounts}}
        {{#accounts}}<h2>{{provider}} account <code>{{account}}</code></h2>
        <p>Plan {{plan}} · tenants: {{#tenants}}<a href="/console/tenants/{{.}}">{{.}}</a> {{/tenants}}</p>
        <table><thead><tr><th scope="col">Category</th><th scope="col">Requests today</th><th scope="col">429s today</th>
        <th scope="col">Pace now</th><th scope="col">Limit</th><th scope="col">Daily quota</th></tr></thead><tbody>
        {{#categories}}<tr><td>{{category}}</td><td class="n">{{requests}}</td><td class="n">{{throttled}}</td><td class="n">{{pace}}</td>
        <td class="n">{{limit}}</td><td>{{#quota}}<meter min="0" max="{{max}}" value="{{used}}" aria-label="{{name}} quota used">{{usedText}} of {{maxText}}</meter>
        {{usedText}} of {{maxText}} <span class="muted">({{name}})</span>{{/quota}}{{^quota}}<span class="muted">none</span>{{/quota}}</td></tr>{{/categories}}
        </tbody></table>{{/accounts}}
        """

    static let events = """
        <h1>Recent events</h1>
        {{^has_events}}<p>No event yet.</p>{{/has_events}}
        {{#has_events}}<table><caption class="muted">The newest {{count}} events of every tenant</caption><thead><tr><th scope="col">When</th>
        <th scope="col">Tenant</th><th scope="col">Event</th><th scope="col">Connection</th><th scope="col">Status</th>
        <th scope="col">Webhook delivery</th></tr></thead><tbody>{{/has_events}}
        {{#events}}<tr><td>{{when}}</td><td><a href="/console/tenants/{{slug}}">{{slug}}</a></td><td><code>{{type}}</code></td>
        <td>{{#connection}}<a href="/console/tenants/{{slug}}/connections/{{connection}}"><code>{{connection}}</code></a>{{/connection}}</td>
        <td>{{status}}</td><td>{{delivery}}</td></tr>{{/events}}
        {{#has_events}}</tbody></table>{{/has_events}}
        """

    static let message = """
        <h1>{{heading}}</h1>
        <p>{{text}}</p>
        <p><a href="{{back}}">{{backLabel}}</a></p>
        """
}
