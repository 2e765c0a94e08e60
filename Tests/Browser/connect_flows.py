#!/usr/bin/env python3
"""Browser end to end: headless Chromium, driven by Selenium, walks Tether's connect flows against the Zoom
sandbox exactly as a tenant's admin would — the connect page, the sandbox's consent page, the callback and
the result page — and checks through the API what each flow left behind. Saves a screenshot of every page.

Flows: platform mode (Tether's app), custom mode (typing the tenant's own app's client id and secret), and a
Deny on the consent page. Each flow uses a tenant of its own. Exits non-zero on the first failure.

    connect_flows.py --api http://127.0.0.1:PORT --admin-key KEY --sandbox http://127.0.0.1:PORT \
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
        status, body = self.call("POST", f"/v1/tenants/{slug}/api-keys", self.options.admin_key, {"name": "browser e2e"})
        check(status == 201, f"creating an API key for {slug}: {status}")
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
        check(self.driver.save_screenshot(path), f"the screenshot {path} could not be saved")
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
        for name in ["platform", "custom", "deny"]:
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
