"""The lab's HTML pages in a real browser (issue 13): headless Chromium (Debian's,
driven by Selenium through Debian's chromium-driver) signs in on the sign-in page
and reaches the loopback callback, and approves a TV on the verification page."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from client.flows import LoopbackListener, pkce_pair
from mock_server import ServerThread, VirtualClock
from tests.server.helpers import CLIENT_ID

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    chrome, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if chrome is None or driver_path is None:
        reason = "Chromium is missing (Debian: chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chrome
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=900,800"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _type(driver: object, element_id: str, text: str) -> None:
    from selenium.webdriver.common.by import By

    field = driver.find_element(By.ID, element_id)  # type: ignore[attr-defined]
    field.clear()
    field.send_keys(text)


async def test_chromium_signs_in_on_the_page_and_reaches_the_loopback_callback(
    chromium: object, live_server: ServerThread, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    listener = await LoopbackListener().start()
    verifier, challenge = pkce_pair()
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": listener.redirect_uri,
        "state": "st-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "device_id": "browser",
        "device_type": "web",
        "device_name": "Chromium",
        "ui_locales": "ko",
    }
    driver = chromium
    # The browser blocks this thread: the listener answers on the event loop meanwhile.
    import asyncio

    def browse() -> str:
        driver.get(f"{live_server.url}/oauth/authorize?{urlencode(query)}")  # type: ignore[attr-defined]
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"  # type: ignore[attr-defined]
        driver.save_screenshot(str(tmp_path / "sign-in.png"))  # type: ignore[attr-defined]
        _type(driver, "username", "alice")
        _type(driver, "password", "alice-pass")
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()  # type: ignore[attr-defined]
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, 15).until(  # the redirect lands on the app's listener
            expected_conditions.text_to_be_present_in_element(
                (By.TAG_NAME, "body"), "close this window"
            )
        )
        return str(driver.page_source)  # type: ignore[attr-defined]

    page = await asyncio.to_thread(browse)
    answer = await listener.wait(10)
    assert "close this window" in page
    assert answer["state"] == "st-1" and answer["iss"] == live_server.url
    async with httpx.AsyncClient() as http:
        tokens = await http.post(
            f"{live_server.url}/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": answer["code"],
                "redirect_uri": listener.redirect_uri,
                "client_id": CLIENT_ID,
                "code_verifier": verifier,
            },
        )
    assert tokens.status_code == 200
    assert (tmp_path / "sign-in.png").stat().st_size > 5000


async def test_chromium_approves_a_tv_on_the_verification_page(
    chromium: object, live_server: ServerThread, clock: VirtualClock
) -> None:
    from selenium.webdriver.common.by import By

    async with httpx.AsyncClient() as http:
        started = (
            await http.post(
                f"{live_server.url}/oauth/device_authorization",
                data={"client_id": CLIENT_ID, "device_type": "tv", "device_name": "TV"},
            )
        ).json()
    driver = chromium
    driver.get(started["verification_uri_complete"])  # type: ignore[attr-defined]
    code = driver.find_element(By.ID, "user_code").get_attribute("value")  # type: ignore[attr-defined]
    assert code == started["user_code"]  # pre-filled from the link (the QR code)
    _type(driver, "username", "alice")
    _type(driver, "password", "alice-pass")
    driver.find_element(By.CSS_SELECTOR, "button[value=approve]").click()  # type: ignore[attr-defined]
    # The click starts a navigation: wait for the answer page, not the form still shown.
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    status = (
        WebDriverWait(driver, 15)
        .until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "[role=status]")))
        .text
    )
    assert status.startswith("Approved: TV is signed in as alice.")
    clock.advance(started["interval"])
    async with httpx.AsyncClient() as http:
        tokens = await http.post(
            f"{live_server.url}/oauth/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                "device_code": started["device_code"],
                "client_id": CLIENT_ID,
            },
        )
    assert tokens.status_code == 200
