"""The page in a real browser: Debian's headless Chromium draws a digit with the pointer and reads the answer.

Needs /usr/bin/chromium and /usr/bin/chromedriver (`bash .ci/install-browser.sh`); without them this
fails, it does not skip. Screenshots go to the test's tmp dir and to out/test-artifacts/.
"""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from edge.classify import Classifier, ModelError
from edge.web.server import create_app

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "edge" / "samples" / "sample.jpg"
ARTIFACTS = ROOT / "out" / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_S = 20  # generous: the first request also warms the interpreter up on a busy 2-core machine
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--window-size=1100,900",
)


@pytest.fixture(scope="module")
def base_url():
    """The app on a real threaded server at 127.0.0.1 and a free port, with the sample as its live source."""
    try:
        classifier = Classifier()
    except ModelError as error:
        pytest.fail(f"the browser test needs the trained model ({error}): run `make train convert`")
    app = create_app(classifier, source=str(SAMPLE))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    app.extensions["edge"]["live"].close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory, base_url):
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"Chromium not installed ({', '.join(missing)} missing): run `bash .ci/install-browser.sh` "
                    "(apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
    except ImportError:
        pytest.fail("selenium is not installed: pip install -e '.[dev]'")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    # an explicit driver path: Selenium Manager never runs, nothing is downloaded
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(WAIT_S)
    yield driver
    driver.quit()


def save_screenshot(driver, tmp_path: Path, name: str) -> Path:
    """Screenshot into the test's tmp dir and out/test-artifacts/ (gitignored) for people to look at."""
    path = tmp_path / name
    assert driver.save_screenshot(str(path)), "no screenshot"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, ARTIFACTS / name)
    return path


def stroke(driver, element, points: list[tuple[int, int]]) -> None:
    """One pen stroke through `points` (pixels from the element's top-left), as pointer events."""
    from selenium.webdriver.common.action_chains import ActionChains

    rect = element.rect
    x0, y0 = rect["width"] / 2, rect["height"] / 2  # Selenium 4 offsets are from the element's centre
    actions = ActionChains(driver, duration=20)
    actions.move_to_element_with_offset(element, int(points[0][0] - x0), int(points[0][1] - y0)).click_and_hold()
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        for _ in range(4):  # a few intermediate moves, like a real hand
            actions.move_by_offset(round((bx - ax) / 4), round((by - ay) / 4))
    actions.release().perform()


def predicted(driver) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.ID, "predict").click()
    shown = ec.any_of(ec.visibility_of_element_located((By.ID, "digit-result")),
                      ec.visibility_of_element_located((By.ID, "digit-error")))
    WebDriverWait(driver, WAIT_S).until(shown)
    error = driver.find_element(By.ID, "digit-error")
    assert not error.is_displayed(), f"the page answered with an error: {error.text}"
    return driver.find_element(By.ID, "digit-label").text


@pytest.mark.parametrize("digit, points", [
    ("1", [(140, 50), (140, 230)]),
    ("7", [(75, 60), (205, 60), (115, 235)]),
])
def test_drawing_a_digit_on_the_canvas_gets_it_read(browser, base_url, tmp_path, digit, points):
    from selenium.webdriver.common.by import By

    browser.get(base_url + "/")
    pad = browser.find_element(By.ID, "pad")
    assert pad.size == {"width": 280, "height": 280}
    stroke(browser, pad, points)
    assert predicted(browser) == digit
    top = browser.find_elements(By.CSS_SELECTOR, "#digit-top .top-label")
    assert len(top) == 3 and top[0].text == digit
    seen = browser.find_element(By.ID, "digit-input")
    assert seen.get_attribute("src").startswith("data:image/png;base64,")
    assert browser.execute_script("return arguments[0].naturalWidth", seen) == 28
    save_screenshot(browser, tmp_path, f"web-draw-{digit}.png")

    browser.find_element(By.ID, "clear").click()
    assert not browser.find_element(By.ID, "digit-result").is_displayed()
    assert browser.execute_script(  # the pad is white paper again
        "const c = document.getElementById('pad');"
        "return c.getContext('2d').getImageData(0, 0, c.width, c.height).data.every(v => v === 255)")


def test_uploading_a_photo_shows_the_numbers_and_the_annotated_picture(browser, base_url, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(base_url + "/")
    browser.find_element(By.ID, "photo-tab").click()
    browser.find_element(By.ID, "photo-file").send_keys(str(SAMPLE))
    browser.find_element(By.ID, "photo-read").click()
    image = browser.find_element(By.ID, "photo-image")
    WebDriverWait(browser, WAIT_S).until(lambda d: d.execute_script("return arguments[0].naturalWidth", image) > 0)
    shown = [b.text for b in browser.find_elements(By.CSS_SELECTOR, "#photo-numbers .badge")]
    assert shown  # the same reading the API gives is covered in test_web.py
    assert "digit(s) in 960x640 px" in browser.find_element(By.ID, "photo-meta").text
    save_screenshot(browser, tmp_path, "web-photo.png")


def test_live_tab_plays_the_stream_and_lists_the_numbers(browser, base_url, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(base_url + "/")
    browser.find_element(By.ID, "live-tab").click()
    image = browser.find_element(By.ID, "live-image")
    WebDriverWait(browser, WAIT_S).until(lambda d: d.execute_script("return arguments[0].naturalWidth", image) > 0)
    WebDriverWait(browser, WAIT_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#live-numbers .badge"))
    assert browser.execute_script("return arguments[0].naturalWidth", image) == 960
    save_screenshot(browser, tmp_path, "web-live.png")
