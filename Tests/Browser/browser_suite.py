#!/usr/bin/env python3
"""Browser end to end: headless Chromium, driven by Selenium, walks Tether's connect flows against the Zoom
sandbox exactly as a tenant's admin would — the connect page, the sandbox's consent page, the callback and
the result page — and checks through the API what each flow left behind; then walks the operator console as
an operator would. Saves a screenshot of every page.

Flows: platform mode (Tether's app), custom mode (typing the tenant's own app's client id and secret), a
Deny on the consent page, each with a tenant of its own; then the console: sign-in (a tenant key refused),
every page on the synced tenants, each button (sync now, a re-auth link for a connection the sandbox broke,
followed through to a restored connection, revoking an API key) with its effect checked through the API,
and a sentinel scan of every console page for keys and secrets. Exits non-zero if a flow failed.

    browser_suite.py --api http://127.0.0.1:PORT --admin-key KEY --sandbox http://127.0.0.1:PORT \
        --sandbox-summary sandbox.out --screenshots DIR [--chromedriver /usr/bin/chromedriver]
"""
import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Flows:
    def __init__(self, options, driver):
        self.options = options
        self.driver = driver
        self.summary = open(options.sandbox_summary, encoding="utf-8").read()
        os.makedirs(options.screenshots, exist_ok=True)
        self.screenshots = []
        # Each tenant's newest API key, for the console's sentinel scan and its checks through the API.
        self.keys = {}

    # MARK: API and pages

    def call(self, method, path, key, body=None):
        request = urllib.request.Request(
            self.options.api + path, method=method, data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def tenant(self, slug):
        status, _ = self.call("POST", "/v1/tenants", self.options.admin_key, {"slug": slug})
        check(status == 201, f"creating tenant {slug}: {status}")
        return self.api_key(slug, "browser e2e")

    def api_key(self, slug, name):
        status, body = self.call("POST", f"/v1/tenants/{slug}/api-keys", self.options.admin_key, {"name": name})
        check(status == 201, f"creating an API key for {slug}: {status}")
        self.keys[slug] = body["key"]
        return body["key"]

    def connect_link(self, slug, key, mode):
        status, body = self.call("POST", f"/v1/tenants/{slug}/connect-sessions", key, {"provider": "zoom", "mode": mode})
        check(status == 201, f"creating a {mode} connect session: {status} {body}")
        return body["url"]

    def connections(self, slug, key):
        status, body = self.call("GET", f"/v1/tenants/{slug}/connections", key)
        check(status == 200, f"listing connections: {status}")
        return body["data"]

    def shot(self, name):
        path = os.path.join(self.options.screenshots, f"{name}.png")
        # Console pages are saved whole, at a laptop's width (they go into the README).
        whole = name.startswith("console")
        if whole:
            height = self.driver.execute_script("return document.documentElement.scrollHeight")
            self.driver.set_window_size(1280, min(max(height + 140, 720), 4000))
        check(self.driver.save_screenshot(path), f"the screenshot {path} could not be saved")
        if whole:
            self.driver.set_window_size(1000, 900)
        self.screenshots.append(path)

    def wait_for_url(self, prefix, what):
        try:
            WebDriverWait(self.driver, 20).until(lambda driver: driver.current_url.startswith(prefix))
        except Exception:
            raise Failure(f"{what}: the browser is at {self.driver.current_url}, not {prefix}…")

    def heading(self):
        return self.driver.find_element(By.TAG_NAME, "h1").text

    def credentials(self, label):
        match = re.search(rf"^  {re.escape(label)}: (\S+) / (\S+)$", self.summary, re.MULTILINE)
        check(match is not None, f"the sandbox summary has no '{label}'")
        return match.group(1), match.group(2)

    # MARK: Steps shared by the flows

    def open_connect_page(self, url, name, expect_form):
        self.driver.get(url)
        self.shot(f"{name}-1-connect-page")
        page = self.driver.page_source
        check("user:read:list_users:admin" in page, f"{name}: the connect page does not list the requested scopes")
        fields = self.driver.find_elements(By.NAME, "client_id")
        check(bool(fields) == expect_form, f"{name}: the client id field is {'missing' if expect_form else 'shown'}")

    def consent(self, name, account, decision):
        self.wait_for_url(self.options.sandbox + "/oauth/authorize", f"{name}: after the connect page")
        self.shot(f"{name}-2-consent")
        Select(self.driver.find_element(By.NAME, "account")).select_by_visible_text(account)
        Select(self.driver.find_element(By.NAME, "role")).select_by_value("owner")
        self.driver.find_element(By.CSS_SELECTOR, f"button[value='{decision}']").click()
        self.wait_for_url(self.options.api + "/connect/result", f"{name}: after the consent page")
        self.shot(f"{name}-3-result")
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.driver.current_url).query)

    # MARK: Flows

    def platform_flow(self, slug, name, decision):
        """A platform-mode connect of the Pro account through to the result page; the tenant's key and the result's query."""
        key = self.tenant(slug)
        self.open_connect_page(self.connect_link(slug, key, "platform"), name, expect_form=False)
        self.driver.find_element(By.CSS_SELECTOR, "form button[type='submit']").click()
        return key, self.consent(name, "Sandbox Pro Inc. (pro)", decision)

    def platform(self):
        key, query = self.platform_flow("e2e-platform", "platform", "allow")
        check(self.heading() == "Connected", f"platform: the result page says {self.heading()!r}")
        connections = self.connections("e2e-platform", key)
        check(len(connections) == 1, f"platform: {len(connections)} connections")
        connection = connections[0]
        check(query.get("connection_id") == [connection["id"]], "platform: the result names another connection")
        check(connection["status"] == "active" and connection["mode"] == "platform", f"platform: {connection}")

    def custom(self):
        key = self.tenant("e2e-custom")
        self.open_connect_page(self.connect_link("e2e-custom", key, "custom"), "custom", expect_form=True)
        client_id, client_secret = self.credentials("Sandbox Pro Inc. custom app")
        self.driver.find_element(By.NAME, "client_id").send_keys(client_id)
        self.driver.find_element(By.NAME, "client_secret").send_keys(client_secret)
        self.shot("custom-1b-form-filled")
        self.driver.find_element(By.CSS_SELECTOR, "form button[type='submit']").click()
        self.consent("custom", "Sandbox Pro Inc. (pro)", "allow")
        check(self.heading() == "Connected", f"custom: the result page says {self.heading()!r}")
        check(client_secret not in self.driver.page_source, "custom: the result page shows the client secret")
        connections = self.connections("e2e-custom", key)
        check(len(connections) == 1 and connections[0]["mode"] == "custom" and connections[0]["status"] == "active",
              f"custom: {connections}")
        check(client_secret not in json.dumps(connections), "custom: the API returns the client secret")

    def deny(self):
        key, query = self.platform_flow("e2e-deny", "deny", "deny")
        check(self.heading() == "Not connected", f"deny: the result page says {self.heading()!r}")
        check(query.get("error") == ["access_denied"], f"deny: the result carries {query}")
        check("access_denied" in self.driver.page_source, "deny: the result page does not name the error code")
        check(self.connections("e2e-deny", key) == [], "deny: a connection was created")

    # MARK: Console

    def console_page(self, path, name):
        """Opens a console page, saves its screenshot and keeps its source for the sentinel scan."""
        self.driver.get(self.options.api + path)
        self.shot(name)
        self.console_sources[name] = self.driver.page_source
        return self.driver.page_source

    def wait_until(self, what, condition, seconds=60):
        try:
            WebDriverWait(self.driver, seconds, poll_frequency=0.5).until(lambda _: condition())
        except Exception:
            raise Failure(f"console: {what} did not happen within {seconds} s")

    def runs(self, slug, connection_id):
        status, body = self.call("GET", f"/v1/tenants/{slug}/connections/{connection_id}/sync-runs", self.keys[slug])
        check(status == 200, f"listing runs: {status}")
        return body["data"]

    def press(self, label):
        self.driver.find_element(By.XPATH, f"//button[normalize-space()='{label}']").click()

    def wait_for_text(self, text, what):
        """A click returns before the next page has loaded: waits until the page says `text`."""
        try:
            WebDriverWait(self.driver, 20).until(lambda driver: text in driver.page_source)
        except Exception:
            raise Failure(f"console: {what} (the page never said {text!r})")

    def console(self):
        self.console_sources = {}
        slug, key = "e2e-platform", self.keys["e2e-platform"]
        connection = self.connections(slug, key)[0]
        cid, path = connection["id"], f"/console/tenants/{slug}/connections/{connection['id']}"
        self.wait_until("the first sync of e2e-platform",
                        lambda: any(run["status"] in ("succeeded", "partial") for run in self.runs(slug, cid)), 120)

        # Sign-in: a tenant key is refused, the admin key opens the tenant list.
        self.driver.get(self.options.api + "/console")
        self.wait_for_url(self.options.api + "/console/sign-in", "console: an operator who is not signed in")
        self.shot("console-1-sign-in")
        self.driver.find_element(By.ID, "key").send_keys(key)
        self.press("Sign in")
        self.wait_for_text("tenant API key cannot sign in", "a tenant key was not refused")
        self.shot("console-1b-tenant-key-refused")
        self.driver.find_element(By.ID, "key").send_keys(self.options.admin_key)
        self.press("Sign in")
        self.wait_for_url(self.options.api + "/console/tenants", "console: after signing in")
        self.shot("console-2-tenants")
        self.console_sources["tenants"] = self.driver.page_source
        for tenant in ("e2e-platform", "e2e-custom", "e2e-deny"):
            check(f'href="/console/tenants/{tenant}"' in self.driver.page_source, f"console: the tenant list lacks {tenant}")

        # The tenant and the connection, by their links.
        self.driver.find_element(By.LINK_TEXT, slug).click()
        self.shot("console-3-tenant")
        self.driver.find_element(By.CSS_SELECTOR, f"a[href='{path}']").click()
        page = self.driver.page_source
        check("<svg" in page and "run-chart" in page, "console: the connection page has no run chart")
        check("succeeded" in page, "console: no stream chip says succeeded")
        self.shot("console-4-connection")

        # Sync now: one more run, manual, through the API.
        before = len(self.runs(slug, cid))
        self.press("Sync now")
        self.wait_for_text("A sync of every stream was queued", "Sync now said nothing")
        runs = self.runs(slug, cid)
        check(len(runs) == before + 1 and runs[0]["trigger"] == "manual", f"console: Sync now queued {len(runs) - before} runs")
        self.wait_until("the manual sync", lambda: self.runs(slug, cid)[0]["status"] in ("succeeded", "partial", "failed"))

        # The sandbox revokes Tether's grant (as removing the app would): the next sync finds out, and the
        # connection needs re-auth.
        client_id, _ = self.credentials("Tether (sandbox platform app)")
        request = urllib.request.Request(
            self.options.sandbox + "/_sandbox/tokens/revoke", method="POST",
            data=json.dumps({"client_id": client_id, "account_id": connection["external_account_id"]}).encode(),
            headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).read()
        self.driver.get(self.options.api + path)
        self.press("Sync now")
        self.wait_for_text("A sync of every stream was queued", "Sync now said nothing after the revocation")
        self.wait_until("needs re-auth after the grant was revoked", lambda: self.driver.get(self.options.api + path)
                        or "needs re-auth" in self.driver.page_source)
        self.shot("console-5-needs-reauth")
        check("Sync now" not in self.driver.page_source, "console: a connection that needs re-auth offers Sync now")

        # The re-auth link, followed by the account's admin: the same connection is active again.
        self.press("Create a re-auth link")
        self.wait_for_text("Re-auth link for", "no re-auth link was shown")
        self.shot("console-6-reauth-link")
        link = self.driver.find_element(By.ID, "link").get_attribute("value")
        check(link.startswith(self.options.api + "/connect/"), f"console: the re-auth link is {link!r}")
        self.console_sources["reauth-link"] = self.driver.page_source.replace(link, "")
        self.open_connect_page(link, "console-7-reauth", expect_form=False)
        self.driver.find_element(By.CSS_SELECTOR, "form button[type='submit']").click()
        query = self.consent("console-7-reauth", "Sandbox Pro Inc. (pro)", "allow")
        check(self.heading() == "Connected" and query.get("connection_id") == [cid], f"console: the re-auth ended {query}")
        status, body = self.call("GET", f"/v1/tenants/{slug}/connections/{cid}", key)
        check(status == 200 and body["status"] == "active", f"console: after the re-auth the connection is {body.get('status')}")
        check("Sync now" in self.console_page(path, "console-8-connection-restored"), "console: the restored connection cannot sync")

        # Revoke an API key from the tenant page: it answers 401 at once.
        spare = self.api_key(slug, "console-revoke")
        check(self.call("GET", f"/v1/tenants/{slug}/connections", spare)[0] == 200, "console: the new key does not work")
        self.keys[slug] = key
        self.console_page(f"/console/tenants/{slug}", "console-9-tenant-keys")
        self.driver.find_element(By.CSS_SELECTOR, "button[aria-label='Revoke API key console-revoke']").click()
        self.wait_for_text("was revoked", "revoking said nothing")
        self.shot("console-9b-key-revoked")
        check(self.call("GET", f"/v1/tenants/{slug}/connections", spare)[0] == 401, "console: the revoked key still works")
        check(self.call("GET", f"/v1/tenants/{slug}/connections", key)[0] == 200, "console: another key was revoked")

        # The other pages.
        check("Due now" in self.console_page("/console/queue", "console-10-queue"), "console: the queue page")
        check(connection["external_account_id"] in self.console_page("/console/rate-limits", "console-11-rate-limits"),
              "console: the rate-limit page does not show the synced account")
        check("sync_run.finished" in self.console_page("/console/events", "console-12-events"), "console: no event")

        # Sentinel scan: no key, client secret or webhook secret on any console page.
        sentinels = [self.options.admin_key, spare, *self.keys.values()]
        sentinels += [secret for _, secret in re.findall(r"^  [^:\n]+: (\S+) / (\S+)$", self.summary, re.MULTILINE)]
        for name, source in self.console_sources.items():
            for sentinel in sentinels:
                check(sentinel not in source, f"console: the page {name} shows a secret")
        print(f"browser: console sentinel scan of {len(self.console_sources)} pages for {len(sentinels)} secrets: clean",
              file=sys.stderr)

        # Sign out: the console is closed again.
        self.press("Sign out")
        self.wait_for_url(self.options.api + "/console/sign-in", "console: after signing out")
        self.driver.get(self.options.api + "/console/tenants")
        self.wait_for_url(self.options.api + "/console/sign-in", "console: a signed-out browser")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--admin-key", required=True)
    parser.add_argument("--sandbox", required=True)
    parser.add_argument("--sandbox-summary", required=True)
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    options = parser.parse_args()
    chrome = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,900", "--disable-gpu"]:
        chrome.add_argument(argument)
    # Debian's driver and browser, so Selenium never tries to download one.
    driver = webdriver.Chrome(service=Service(executable_path=options.chromedriver), options=chrome)
    driver.set_page_load_timeout(30)
    flows = Flows(options, driver)
    passed, failed = 0, 0
    try:
        for name in ["platform", "custom", "deny", "console"]:
            try:
                getattr(flows, name)()
                passed += 1
                print(f"browser: {name} flow passed", file=sys.stderr)
            except Failure as failure:
                failed += 1
                flows.shot(f"{name}-failure")
                print(f"browser: {name} flow FAILED: {failure}", file=sys.stderr)
    finally:
        driver.quit()
    print(f"browser: {passed} passed, {failed} failed; {len(flows.screenshots)} screenshots in {options.screenshots}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
