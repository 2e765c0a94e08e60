#!/usr/bin/env python3
"""Creates many tenants through Tether's API and connects each to a Zoom sandbox fleet account of its own.

Used by scripts/faults and scripts/load: tenant N gets the slug PREFIX-000N, an API key, and a connection to
"Sandbox Fleet 000N Inc." — server-to-server (POST …/connections) or custom-mode OAuth walked as a browser
would (connect page, form with the app's client id and secret, the sandbox's auto-approved consent, the
callback with the flow's cookie). Optionally sets a webhook. Prints "slug api_key connection_id" per tenant.

    fleet_connect.py --api http://127.0.0.1:PORT --admin-key KEY --summary sandbox.out --tenants 100 \
        --mode server_to_server|custom [--webhook URL] [--prefix fleet] [--threads 4]
"""
import argparse
import concurrent.futures
import http.client
import json
import re
import sys
import threading
import urllib.parse


def parse_summary(path):
    """Fleet accounts and their apps, from `tether sandbox`'s credential summary, by fleet number."""
    accounts, apps = {}, {}
    for line in open(path, encoding="utf-8"):
        match = re.match(r"^  Sandbox Fleet (\d+) Inc\.: id ([^,]+),", line)
        if match:
            accounts[int(match.group(1))] = match.group(2)
        match = re.match(r"^  Sandbox Fleet (\d+) Inc\. (custom|server-to-server) app: (\S+) / (\S+)$", line)
        if match:
            apps[(int(match.group(1)), match.group(2))] = (match.group(3), match.group(4))
    return accounts, apps


class Client:
    """One keep-alive connection per host and thread; never follows redirects (the caller does)."""

    def __init__(self):
        self.local = threading.local()

    def request(self, method, url, body=None, headers=None):
        parts = urllib.parse.urlsplit(url)
        connections = self.local.__dict__.setdefault("connections", {})
        for attempt in range(2):
            connection = connections.get(parts.netloc) or http.client.HTTPConnection(parts.netloc, timeout=60)
            connections[parts.netloc] = connection
            try:
                connection.request(method, parts.path + ("?" + parts.query if parts.query else ""), body=body, headers=headers or {})
                response = connection.getresponse()
                headers = {}
                for name, value in response.getheaders():
                    name = name.lower()
                    headers[name] = headers[name] + "\n" + value if name in headers else value
                return response.status, headers, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                connections.pop(parts.netloc, None)
                if attempt == 1:
                    raise


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--admin-key", required=True)
    parser.add_argument("--summary", required=True)
    parser.add_argument("--tenants", type=int, required=True)
    parser.add_argument("--mode", choices=["server_to_server", "custom"], required=True)
    parser.add_argument("--webhook")
    parser.add_argument("--prefix", default="fleet")
    parser.add_argument("--threads", type=int, default=4)
    options = parser.parse_args()
    accounts, apps = parse_summary(options.summary)
    if len(accounts) < options.tenants:
        sys.exit(f"the sandbox has {len(accounts)} fleet accounts; {options.tenants} are needed")
    client = Client()
    admin = {"Authorization": f"Bearer {options.admin_key}", "Content-Type": "application/json"}

    def call(method, path, payload, headers, expected):
        status, _, body = client.request(method, options.api + path, json.dumps(payload), headers)
        if status not in expected:
            raise RuntimeError(f"{method} {path}: {status} {body[:300]!r}")
        return json.loads(body) if body else {}

    def connect_custom(slug, key, number):
        session = call("POST", f"/v1/tenants/{slug}/connect-sessions", {"provider": "zoom", "mode": "custom"},
                       {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}, {201})
        client_id, client_secret = apps[(number, "custom")]
        # As a browser does: the connect page sets the form's cookie and renders its CSRF field.
        status, headers, page = client.request("GET", session["url"])
        match = re.search(rb'name="csrf" value="([^"]+)"', page)
        if status != 200 or not match:
            raise RuntimeError(f"{slug}: the connect page answered {status} without its form")
        form_cookie = "; ".join(part.split(";")[0] for part in headers.get("set-cookie", "").split("\n") if part)
        form = urllib.parse.urlencode({"client_id": client_id, "client_secret": client_secret, "csrf": match.group(1).decode()})
        status, headers, _ = client.request(
            "POST", session["url"], form, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": form_cookie})
        if status != 303:
            raise RuntimeError(f"{slug}: the connect form answered {status}")
        cookie = "; ".join(part.split(";")[0] for part in headers.get("set-cookie", "").split("\n") if part)
        status, headers, _ = client.request("GET", headers["location"])
        if status not in (302, 303):
            raise RuntimeError(f"{slug}: the sandbox's authorize answered {status}")
        status, headers, _ = client.request("GET", headers["location"], headers={"Cookie": cookie})
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(headers.get("location", "")).query)
        if status != 303 or query.get("status") != ["connected"]:
            raise RuntimeError(f"{slug}: the callback answered {status} {headers.get('location')}")
        return query["connection_id"][0]

    def setup(number):
        slug = f"{options.prefix}-{number:04d}"
        call("POST", "/v1/tenants", {"slug": slug}, admin, {201})
        key = call("POST", f"/v1/tenants/{slug}/api-keys", {}, admin, {201})["key"]
        tenant = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        if options.mode == "custom":
            connection = connect_custom(slug, key, number)
        else:
            client_id, client_secret = apps[(number, "server-to-server")]
            connection = call("POST", f"/v1/tenants/{slug}/connections", {
                "provider": "zoom", "mode": "server_to_server", "account_id": accounts[number],
                "client_id": client_id, "client_secret": client_secret}, tenant, {200, 201})["id"]
        if options.webhook:
            call("PUT", f"/v1/tenants/{slug}/webhook", {"url": options.webhook}, tenant, {200})
        return f"{slug} {key} {connection}"

    with concurrent.futures.ThreadPoolExecutor(options.threads) as pool:
        for line in pool.map(setup, range(1, options.tenants + 1)):
            print(line, flush=True)


if __name__ == "__main__":
    main()
