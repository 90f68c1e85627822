"""The Content-Security-Policy in headless Chromium: every admin page linked from the admin
index (the ops dashboards included) and the Swagger UI page load without a single CSP
violation, and Swagger UI really renders from the sidecar's files. (The read-along page's
strict policy is exercised by stories/tests/test_read_along_browser.py, which plays it.)"""

import os
import shutil
from urllib.parse import urlparse

import pytest
from django.contrib.auth import get_user_model

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM and os.environ.get("CI") != "true", reason="Chromium is not installed"
    ),
]


def test_admin_pages_and_api_docs_load_without_csp_violations(live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    get_user_model().objects.create_superuser("ops", "ops@example.com", "pw-ops-123")
    violations: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.on(
                "console",
                lambda m: (
                    violations.append(f"{page.url}: {m.text}")
                    if "Content Security Policy" in m.text
                    else None
                ),
            )
            page.goto(f"{live_server.url}/admin/login/")
            page.fill("#id_username", "ops")
            page.fill("#id_password", "pw-ops-123")
            page.click("input[type=submit]")
            page.wait_for_url(f"{live_server.url}/admin/")
            links = page.eval_on_selector_all(
                "#content-main a[href^='/admin/'], #content a[href^='/admin/']",
                "els => els.map(e => e.getAttribute('href'))",
            )
            pages = sorted({urlparse(h).path for h in links if "logout" not in h})
            assert len(pages) >= 10, pages
            for path in pages:
                response = page.goto(live_server.url + path)
                assert response.status < 500, path
                assert "script-src 'self'" in response.headers["content-security-policy"]
            page.goto(f"{live_server.url}/api/docs/")
            page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
            assert "Mira parents" in page.inner_text(".swagger-ui .info .title")
            page.screenshot(path=str(tmp_path / "api-docs.png"))
        finally:
            browser.close()
    assert violations == []
