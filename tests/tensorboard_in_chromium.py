"""`make test-browser`: the links `make train` prints, opened in a real browser on a real TensorBoard.

A short `make train` run (every task, a few epochs) goes into a temporary log directory; the real TensorBoard
server (`make tensorboard`'s keras_models/train/board_server.py) serves it on a free loopback port; headless
Chromium, driven by Selenium through Debian's chromedriver, opens each task's link. For each task the page
must list exactly that task's four runs -- {keras, scratch} x {train, validation} -- in the run selector,
and draw the epoch_loss chart card with lines (the TIME SERIES page draws into a canvas only after real
waiting: the test looks at the canvas's pixels for the runs' colours). The table under the chart must show
each scratch value equal to its Keras twin's to 1e-3 (the table rounds to four digits): the two curves lie on
top of each other. A screenshot per task
goes to $SCREENSHOTS (default: pytest's temporary folder), with the chart in full size; a wait that fails leaves the
page as it then was there too (<task>_failure.png), and a browser that stops fails at once, in one line. The binary
task's losses must be those the README's picture of it says it shows: a change to make train that moves them asks for
a new picture.

Not part of `make test`: it needs Chromium, which `make test-browser` installs (Debian's chromium and
chromium-driver). When anything is missing -- Chromium, the driver, Selenium -- the test fails; it never skips.
"""

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import free_ports
from PIL import Image
from selenium import webdriver
from selenium.common.exceptions import InvalidSessionIdException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from data import TASKS
from keras_models.train.board_server import task_link

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
EPOCHS = 12
# Root needs --no-sandbox; this machine's closed network makes Chromium hang on its background connections
# unless they are switched off; a fresh profile each time.
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                  "--window-size=1200,900"]
CHATTER = re.compile(r"absl::InitializeLog|oneDNN custom operations|cpu_feature_guard|use_unbounded_threadpool")
WAIT = 120                                          # seconds: the page, then its chart, on a busy 2-core machine
# The README's picture of the binary task (a screenshot this test took) and the losses its text says it shows
PICTURE_TASK, PICTURE = "binary", "keras_models/train/tensorboard_binary_loss.png"
PICTURE_TEXT = re.compile(r"scratch/train and keras/train both read ([0-9.]+), "
                          r"scratch/validation and keras/validation both ([0-9.]+)\]\(" + re.escape(PICTURE) + r"\)")


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, str, dict[str, str]]:
    """A short make train run: its log directory, its run's name (the timestamp) and the links it printed."""
    logdir = tmp_path_factory.mktemp("logs")
    done = subprocess.run([sys.executable, "-m", "keras_models.train", "--epochs", str(EPOCHS), "--quiet",
                           "--logdir", str(logdir)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == "", "make train wrote to stderr (TensorFlow's start-up chatter?):\n" + done.stderr
    (run,) = [path.name for path in logdir.iterdir()]
    links = dict(re.findall(r"^  (\w+) +(http://\S+)$", done.stdout, flags=re.MULTILINE))
    return logdir, run, links


@pytest.fixture(scope="module")
def board(trained, tmp_path_factory):
    """The real TensorBoard server on a free port, once it lists every run; yields the port."""
    logdir, run, _ = trained
    port, log = free_ports()[0], tmp_path_factory.mktemp("board") / "stderr.txt"
    with open(log, "w") as stderr:
        server = subprocess.Popen([sys.executable, "-m", "keras_models.train.board_server", "--logdir", str(logdir),
                                   "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
    expected = {f"{run}/{task}/{side}/{split}" for task in TASKS for side in ("keras", "scratch")
                for split in ("train", "validation")}
    try:
        deadline, runs = time.monotonic() + WAIT, set()
        while runs != expected:
            assert server.poll() is None, f"TensorBoard ended: {log.read_text()}"
            assert time.monotonic() < deadline, f"TensorBoard listed {sorted(runs)} after {WAIT} s: {log.read_text()}"
            time.sleep(0.5)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/data/runs", timeout=5) as answer:
                    runs = set(json.load(answer))
            except OSError:
                pass                                              # not listening yet
        yield port
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    said = log.read_text()
    assert f"TensorBoard 2.21.0 at http://127.0.0.1:{port}/" in said
    assert not CHATTER.search(said), said


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium with a fresh profile in pytest's temporary folder: a tempfile.mkdtemp() profile
    (~13 MB) was never removed, one more /tmp/chromium-profile-* per run; pytest keeps its last three runs' folders.
    Its home and temporary folders are in there too: despite --user-data-dir, Chromium wrote its crash reports
    to ~/.config/chromium, dconf's to ~/.cache, and a Ctrl-C left an empty scoped_dir in the temporary folder."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile / 'user-data'}"]:
        options.add_argument(flag)
    own = {"HOME": profile / "home", "XDG_CONFIG_HOME": profile / "config", "XDG_CACHE_HOME": profile / "cache",
           "TMPDIR": profile / "tmp"}
    for folder in own.values():
        folder.mkdir()
    service = Service(CHROMEDRIVER, env={**os.environ, **{name: str(folder) for name, folder in own.items()}})
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


def listed_runs(driver) -> list[str]:
    """The run names the run selector (left) lists: 'defaultExperimentId/<run>' in each row's data-id."""
    return sorted(row.get_attribute("data-id").split("/", 1)[1]
                  for row in driver.find_elements(By.CSS_SELECTOR, "runs-selector tb-data-table-content-row"))


def run_colours(driver) -> dict[str, tuple[int, int, int]]:
    """Each listed run's colour, from its swatch in the run selector."""
    colours = {}
    for row in driver.find_elements(By.CSS_SELECTOR, "runs-selector tb-data-table-content-row"):
        rgba = row.find_element(By.CSS_SELECTOR, ".run-color-swatch").value_of_css_property("background-color")
        colours[row.get_attribute("data-id").split("/", 1)[1]] = tuple(int(v) for v in re.findall(r"\d+", rgba)[:3])
    return colours


def pixels_per_colour(card, colours: dict[str, tuple[int, int, int]]) -> dict[str, int]:
    """How many of the chart canvas's pixels have each run's colour (what it drew, not what the DOM says)."""
    picture = Image.open(io.BytesIO(card.find_element(By.CSS_SELECTOR, "canvas").screenshot_as_png)).convert("RGB")
    # getcolors, not a count over getdata(): Pillow 13 deprecates getdata, and a warning is an error in the tests
    counts = {pixel: count for count, pixel in picture.getcolors(maxcolors=picture.width * picture.height)}
    return {run: counts.get(colour, 0) for run, colour in colours.items()}


def loss_card(driver):
    cards = [card for card in driver.find_elements(By.CSS_SELECTOR, "scalar-card")
             if card.text.splitlines()[:1] == ["epoch_loss"]]
    return cards[0] if len(cards) == 1 else None


def driver_ended(driver) -> bool:
    """Whether the ChromeDriver process behind `driver` has exited (its calls then fail as connection errors)."""
    process = getattr(getattr(driver, "service", None), "process", None)
    return process is not None and process.poll() is not None


def wait_for(what: str, check, driver, screenshot: Path):
    """Poll check() until it returns something true; fail after WAIT seconds, naming what never came and the
    `screenshot` of the page then. A browser that has stopped (its session gone, or its driver ended) fails at
    once: nothing will come, and WAIT seconds of retries per wait would only hide it."""
    deadline = time.monotonic() + WAIT
    while True:
        try:
            found = check()
        except Exception as error:
            if isinstance(error, InvalidSessionIdException) or driver_ended(driver):
                pytest.fail(f"Chromium stopped while the test waited for {what} ({type(error).__name__})",
                            pytrace=False)
            if not isinstance(error, WebDriverException):
                raise
            found = None                      # the page re-rendered under us: look again
        if found:
            return found
        if time.monotonic() > deadline:
            driver.save_screenshot(str(screenshot))
            pytest.fail(f"{what} did not appear within {WAIT} s (the page then: {screenshot})")
        time.sleep(1)


@pytest.mark.parametrize("task", list(TASKS))
def test_each_tasks_link_shows_its_scratch_and_keras_loss_curves_on_top_of_each_other(task, browser, trained, board,
                                                                                      screenshots):
    """(browser comes first: a missing Chromium fails before anything is trained)"""
    _, run, links = trained
    assert links.get(task) == task_link(task), f"make train printed {links}"
    browser.get(links[task].replace(":6006/", f":{board}/"))               # the learner's link, on this port
    runs = [f"{run}/{task}/{side}/{split}" for side in ("keras", "scratch") for split in ("train", "validation")]
    failure = screenshots / f"{task}_failure.png"                          # the page, when a wait fails

    assert wait_for("the four runs in the run selector", lambda: listed_runs(browser) == runs and runs,
                    browser, failure) == runs
    card = wait_for("the epoch_loss chart card", lambda: loss_card(browser), browser, failure)
    colours = run_colours(browser)
    drawn = wait_for("both loss curves, train and validation, drawn in the chart",
                     lambda: (lambda seen: seen if all(seen[f"{run}/{task}/keras/{split}"] +
                                                       seen[f"{run}/{task}/scratch/{split}"] >= 30
                                                       for split in ("train", "validation")) else None)(
                         pixels_per_colour(loss_card(browser), colours)), browser, failure)
    assert sum(drawn.values()) >= 100, drawn

    # the table under the chart: each run's loss at the last epoch; scratch's equals its Keras twin's
    rows = {cells[0]: cells for cells in (row.text.splitlines() for row in
                                          card.find_elements(By.CSS_SELECTOR, "tb-data-table-content-row"))}
    for split in ("train", "validation"):
        keras, scratch = rows[f"{run}/{task}/keras/{split}"], rows[f"{run}/{task}/scratch/{split}"]
        assert keras[3] == scratch[3] == str(EPOCHS - 1), (keras, scratch)          # the step: the last epoch
        assert abs(float(keras[2]) - float(scratch[2])) <= 1e-3 * max(1.0, abs(float(keras[2]))), (keras, scratch)
    if task == PICTURE_TASK:                        # the README's picture still shows what make train gives
        shown = PICTURE_TEXT.search((ROOT / "README.md").read_text(encoding="utf-8"))
        assert shown, f"README.md has no picture {PICTURE} whose text gives its train and validation losses"
        now = tuple(rows[f"{run}/{task}/keras/{split}"][2] for split in ("train", "validation"))
        assert shown.groups() == now, (f"README.md's picture shows losses {shown.groups()}, make train now gives "
                                       f"{now}: copy {screenshots / f'{task}.png'} to {PICTURE} and update its text")

    # the picture: the chart in full size, the settings pane closed
    for label in ("Close side pane", "Toggle full size mode"):
        buttons = [button for button in browser.find_elements(By.CSS_SELECTOR, f"button[aria-label='{label}']")
                   if button.is_displayed()]
        if buttons:
            buttons[0].click()
    wait_for("the full-size chart", lambda: sum(pixels_per_colour(loss_card(browser), colours).values()) >= 100,
             browser, failure)
    time.sleep(2)                                                            # let the resized chart settle
    assert browser.save_screenshot(str(screenshots / f"{task}.png"))
