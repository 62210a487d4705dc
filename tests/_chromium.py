"""A headless Chromium driven by Selenium, for the playground's browser tests.

The system's ``chromium`` and its ``chromedriver`` (Debian's ``chromium`` and
``chromium-driver`` packages; never a downloaded browser or driver: both paths
are given, so Selenium Manager downloads nothing) run headless with a
temporary profile. Every wait is bounded.
"""

import shutil
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import JavascriptException
from selenium.webdriver.chrome.service import Service

BROWSERS = ("chromium", "chromium-browser")
DRIVERS = ("chromedriver", "chromium.chromedriver")


def find_chromium():
    """``(browser, driver)`` paths of the system's Chromium and chromedriver, or None."""
    browser = next(filter(None, map(shutil.which, BROWSERS)), None)
    driver = next(filter(None, map(shutil.which, DRIVERS)), None)
    return (browser, driver) if browser and driver else None


class Chromium:
    """One headless browser (and its driver process); use as a context manager."""

    def __init__(self, executables, timeout=20.0):
        browser, driver = executables
        self.profile = tempfile.mkdtemp(prefix="playground-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = browser
        for argument in (
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update",
            f"--user-data-dir={self.profile}", "--window-size=1400,1000",
        ):  # fmt: skip
            options.add_argument(argument)
        # The page's console errors and uncaught exceptions, read by Tab.errors.
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        try:
            self.driver = webdriver.Chrome(options=options, service=Service(driver))
        except BaseException:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise
        self.driver.set_script_timeout(timeout)
        self.driver.set_page_load_timeout(timeout)
        self._first_tab = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    def new_tab(self, url):
        """Open ``url`` in a new tab and return it."""
        if not self._first_tab:
            self.driver.switch_to.new_window("tab")
        self._first_tab = False
        handle = self.driver.current_window_handle
        self.driver.get(url)
        return Tab(self.driver, handle)


class Tab:
    """One page of the browser: evaluate JavaScript, wait for conditions, read its errors."""

    def __init__(self, driver, handle):
        self.driver, self.handle = driver, handle
        self._errors = []

    def _here(self):
        if self.driver.current_window_handle != self.handle:
            self.driver.switch_to.window(self.handle)

    def evaluate(self, expression, timeout=20.0):
        """The value of a JavaScript expression (a promise is awaited, as WebDriver does)."""
        self._here()
        self.driver.set_script_timeout(timeout)
        try:
            return self.driver.execute_script(f"return ({expression});")
        except JavascriptException as error:
            raise RuntimeError(f"{expression!r} raised: {error.msg}") from None

    def wait_for(self, expression, timeout=20.0, interval=0.05):
        """Poll ``expression`` until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{expression!r} still falsy after {timeout} s")
            time.sleep(interval)

    def click(self, selector):
        self._here()
        self.driver.find_element("css selector", selector).click()

    def errors(self):
        """The console errors and uncaught exceptions this tab has reported so far."""
        self._here()
        # The driver hands each log entry out once: keep them.
        entries = self.driver.get_log("browser")
        self._errors += [e["message"] for e in entries if e.get("level") == "SEVERE"]
        return list(self._errors)

    def screenshot(self, path):
        self._here()
        self.driver.save_screenshot(str(path))

    def allow_downloads(self, folder):
        self._here()
        self.driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)}
        )

    def close(self):
        self._here()
        if len(self.driver.window_handles) > 1:
            self.driver.close()
            self.driver.switch_to.window(self.driver.window_handles[0])
