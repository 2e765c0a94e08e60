#!/usr/bin/env python3
"""Writes docs/RELIABILITY.md (to stdout) from the latest results in docs/reliability/: figures.tsv and
tests.txt (scripts/test with TETHER_FIGURES_FILE), faults.md (scripts/faults) and load.md (scripts/load).

    reliability_render.py docs/reliability COMMIT
"""
import json
import os
import re
import sys

folder, commit = sys.argv[1], sys.argv[2]


def read(name):
    path = os.path.join(folder, name)
    return open(path, encoding="utf-8").read() if os.path.exists(path) else ""


# Figures from the tests: counts are added up, values keep the last one written.
counts, values = {}, {}
for line in read("figures.tsv").splitlines():
    name, _, value = line.partition("\t")
    if value.startswith("+"):
        counts[name] = counts.get(name, 0) + int(value[1:])
    elif value.startswith("="):
        values[name] = value[1:]
tests = read("tests.txt")
tests_passed = "exit status: 0" in tests


def figure(name):
    """A test's figure, or why there is none."""
    if not tests_passed:
        return "FAIL (the test run did not pass)" if tests else "not measured (run scripts/reliability tests)"
    if name in counts:
        return f"{counts[name]:,}"
    value = values.get(name, "not measured")
    return f"{int(value):,}" if value.isdigit() else value


def table_rows(markdown):
    """The rows of the first Markdown table after its header, as lists of cells."""
    rows = []
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith("| fault |") and not line.startswith("| figure |"):
            rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


faults = read("faults.md")
fault_rows = table_rows(faults)


def fault(key):
    """'verdict; figure (trials)' of the fault whose name contains key."""
    for row in fault_rows:
        if key in row[0]:
            trials = f"{row[1]} trial{'' if row[1] == '1' else 's'}" if row[1].isdigit() else row[1]
            return f"{row[2]}; {row[3]} ({trials})"
    return "not measured (run scripts/reliability faults)"


load = read("load.md")
load_rows = {row[0]: row[1] for row in table_rows(load)}
load_title = next((line for line in load.splitlines() if line.startswith("Load (")), "")


def nio_version():
    try:
        pins = json.load(open(os.path.join(folder, "..", "..", "Package.resolved")))["pins"]
        return next(pin["state"]["version"] for pin in pins if pin["identity"] == "swift-nio")
    except (OSError, StopIteration, KeyError, ValueError):
        return "unknown"


def table_cases():
    total = sum(counts.get(name, 0) for name in ["callback.rejected_cases", "input.token_response_cases", "input.api_cases"])
    return f"{total:,}" if tests_passed else figure("callback.rejected_cases")


fuzz_rows = [row for row in table_rows(read("fuzz.md")) if not row[0].startswith("harness")]


def libfuzzer():
    if not fuzz_rows:
        return "libFuzzer: not measured (run scripts/reliability fuzz)"
    runs = ", ".join(f"{int(row[2]):,} execs of `{row[0]}` in {row[1]} s" for row in fuzz_rows)
    crashes = sum(int(row[3]) for row in fuzz_rows)
    return f"libFuzzer with AddressSanitizer: {runs}, {crashes} crashes"


fuzz_seconds = re.search(r"^fuzz suites: (\d+) s", tests, re.MULTILINE)
fuzz_total = sum(counts.get(name, 0) for name in ["fuzz.callbacks", "fuzz.callbacks_over_http", "fuzz.pages", "fuzz.webhooks"])
run_lines = [line for line in tests.splitlines() if "Test run with" in line]

rows = [
    ("Callback/API bad input",
     f"{table_cases()} table-driven cases: {figure('callback.rejected_cases')} callbacks (each a 400, 0 rows written, 0 token "
     f"requests), {figure('input.token_response_cases')} bad token-endpoint replies (0 tokens stored) and {figure('input.api_cases')} bad "
     "API inputs (each a 400 naming the field, nothing stored). "
     f"Fuzzing (seeded property tests): "
     f"{figure('fuzz.callbacks')} callback queries + {figure('fuzz.callbacks_over_http')} over HTTP, {figure('fuzz.pages')} Zoom pages, "
     f"{figure('fuzz.webhooks')} webhook deliveries = {fuzz_total:,} execs in {fuzz_seconds.group(1) if fuzz_seconds else '?'} s; "
     f"{libfuzzer()}. "
     "**0 crashes, 0 rows written, 0 outbound calls on rejected inputs**",
     "`CallbackSecurityTests`, `TokenEndpointTests`, `DataAPITests`, the fuzz suites (`scripts/test`), `scripts/fuzz`"),
    ("CSRF / replay / tenant binding",
     f"{figure('callback.replays')} replayed, cross-session or cross-tenant callbacks tried, **0 accepted**. "
     f"Same state sent by 50 concurrent callbacks: {figure('callback.concurrent_token_requests')} token request",
     "`CallbackSecurityTests` O2, O3, O4"),
    ("PKCE",
     f"RFC 7636 Appendix B vector: {figure('pkce.rfc7636_appendix_b')}. {figure('pkce.authorize_urls')} authorize URLs started by the "
     "tests: 100% S256 with a 43-character challenge, 0 expose the verifier",
     "`PKCETests`; every flow through the tests' `Browser.start`"),
    ("Crypto",
     f"Wycheproof AES-GCM-256: {figure('crypto.wycheproof_cases')} pass; NIST CAVP: {figure('crypto.nist_cases')} pass. "
     f"Swap and bit-flip: {figure('crypto.tampered_opens')} tampered values opened, **0 successful decrypts**. "
     f"Duplicate nonces in {figure('crypto.nonces_drawn')}: {figure('crypto.duplicate_nonces')}. "
     f"Sentinel scan of logs, database dump and HTTP bodies: **{figure('sentinel.hits')} hits** in {figure('sentinel.searches')} searches "
     f"({figure('sentinel.places')})",
     "`PublishedGCMVectorTests`, `SealerTests`, `AESGCMTests`, `VaultStorageTests` K8/K9"),
    ("Vault concurrency (K7)", figure("vault.k7"), "`SealerConcurrencyTests` (60 s in `scripts/reliability`)"),
    ("Key rotation", fault("vault rotate"), "`scripts/faults` (rotate)"),
    ("RLS",
     f"{figure('rls.tenant_tables')} tenant tables, {figure('rls.forced')} with ENABLE+FORCE, {figure('rls.lint_violations')} lint violations. "
     f"{figure('rls.cross_tenant_calls')} random API calls by random tenants, **{figure('rls.cross_tenant_leaks')} leaked**. "
     f"Pool-leak test ({figure('rls.pool_leak_transactions')} transactions): {figure('rls.pool_leaks')} leaks. "
     f"Runtime role: {figure('rls.runtime_role')}",
     "`APIAccessTests`, `SQLAccessTests` (T1 lint), `TenantPropertyTests` (T10), `PoolLeakTests` (T6)"),
    ("Workers",
     f"kill -9 mid-sync: {fault('kill -9 of the worker')}. Fenced zombie: {fault('fenced zombie')}. "
     f"Database restart: {fault('PostgreSQL restarted')}",
     "`scripts/faults` (kill, zombie, restart)"),
    ("Token refresh",
     f"{figure('refresh.concurrent')}. Crash window (W7): {fault('W7')}. "
     f"`invalid_grant` retry loops: {figure('refresh.invalid_grant_retries')} further token requests",
     "`TokenLifecycleTests` (W6, invalid_grant), `scripts/faults` (refresh)"),
    ("HTTP hardening",
     f"431: {figure('http.431')}, 413: {figure('http.413')}, 414: {figure('http.414')}. swift-nio {nio_version()} (≥ 2.100.0). "
     f"Slowloris with 500 connections: {fault('slow-header')}",
     "`RequestLimitsTests`, `scripts/faults` (slowloris)"),
    ("SSRF (tenant webhooks)",
     f"{figure('ssrf.registrations_refused')} webhook URLs aimed at loopback, private, link-local, CGNAT, unique-local, unspecified, "
     "multicast or reserved addresses (IPv4 inside IPv6 and numeric spellings included) or unresolvable: each a 400 "
     f"`invalid_webhook_url`, 0 stored. {figure('ssrf.guarded_connects_refused')} connections of the delivery client to loopback, "
     "by address or by name, refused before a byte was sent. A stored URL whose host resolves to loopback: refused at delivery, "
     f"**{figure('ssrf.delivery_requests_reached')} requests reached the endpoint**",
     "`WebhookAddressTests`, `PublicAddressTests`"),
    ("CSRF (connect form)",
     f"{figure('csrf.posts_refused')} forged connect-form posts (cross-site, half a token, a tampered token, another link's) "
     "refused with 403: **0 flows started**, the link still usable",
     "`ConnectFormTokenTests`"),
    ("Rate-limit bypass",
     f"{figure('ratelimit.bypass_attempts')} attempts (path spellings, `Bearer` spellings, 200 fresh keys, guessed keys): "
     "**0 got a bucket of their own**",
     "`RateLimitBypassTests`, `KeyGuessingTests`"),
    ("Slow bodies and connections",
     f"A body dripped a byte every 0.3 s: closed {figure('http.slow_body_closed_s')} s after its connection was ready "
     f"(request deadline 3 s in the test, 30 s by default). A kept-alive connection left idle: closed after "
     f"{figure('http.keepalive_idle_s')} s (2 s idle timeout in the test). Connection cap: {figure('http.connection_cap')} "
     "(past the cap nothing is accepted until a connection closes)",
     "`RequestLimitsTests`"),
    ("Webhooks",
     f"{figure('webhooks.rejected_vectors')} altered-delivery vectors refused with 401 and a valid one processed, plus "
     f"{figure('fuzz.webhooks')} fuzzed deliveries. A replay inside the window: {figure('webhooks.replay')}. "
     f"URL-validation handshake: median {figure('webhooks.handshake_ms')} ms over 20 (on a quiet machine, after the full run)",
     "`WebhookTests`, `WebhookVerifierFuzzTests`"),
]

print("# Reliability figures")
print()
print("Every line of SECURITY.md's \"Figures to report\", measured. Regenerate the whole document with "
      "`scripts/reliability` (about three hours on 2 cores, an hour of it libFuzzer per harness), or one part with `scripts/reliability tests|fuzz|faults|load`; "
      "the raw results are in [`docs/reliability/`](reliability/). Do not edit this file by hand.")
print()
print(f"Commit `{commit}`. Test runs: {'; '.join(line.lstrip('✔✘ ').rstrip('.') for line in run_lines) if run_lines else 'not run'}"
      f"{'' if tests_passed or not tests else ' — **the test run failed**'}.")
print()
print("| Area | Figure | Measured by |")
print("|---|---|---|")
for area, text, source in rows:
    print(f"| {area} | {text} | {source} |")
print()
print("## Open findings")
print()
print("None. Closed since the last report:")
print()
print("- **A frozen worker could hold a tenant's change-order lock** (found by the zombie fault on 2026-12-02, in 4 of "
      "11 trials: a worker stopped inside a page's transaction kept the tenant's advisory lock, and the rescuing worker "
      "waited until it resumed or died). Every transaction now sets `idle_in_transaction_session_timeout` (10 s; 60 s "
      "for the token refresh that waits on the token endpoint) with `SET LOCAL` in its `BEGIN`, sync page writes a "
      "60 s statement timeout, and data-API reads a 15 s statement and 5 s lock timeout (503 `database_busy`). "
      "`TransactionTimeoutTests` and `BusyDatabaseTests` fail without it; the zombie fault now runs 10 trials.")
print("- **The run rescuer left a dead worker's streams `running`** (found by the W12 rescuer matrix on 2026-12-07): it "
      "reset them outside their tenant's scope, so row-level security hid every row and the update changed none. It "
      "now scopes to each run's tenant; `RunReaperTests` fails without it.")
print("- **A provider id containing U+0000 failed its page on every attempt** (found by the B4 test on 2026-12-07): "
      "values were stripped of NUL, ids were not, and PostgreSQL text cannot hold one. `HostilePageTests` fails without it.")
print()
print("## Faults")
print()
print(faults.strip() or "Not measured: run `scripts/reliability faults`.")
print()
print("## Load")
print()
print(load.strip() or "Not measured: run `scripts/reliability load`.")
