"""`make train` ends with one TensorBoard link per task, each opening straight on that task's loss curves
(keras_models/train/board_server.py: task_link). tests/tensorboard_in_chromium.py (`make test-browser`) opens the
links make train printed in a real browser; this file checks their form without one, and that test's waiting on
a stand-in for the browser.
"""

import io
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import tensorboard_in_chromium as chromium
from PIL import Image
from selenium.common.exceptions import InvalidSessionIdException, StaleElementReferenceException, WebDriverException
from urllib3.exceptions import MaxRetryError

from keras_models.train.board_server import DEFAULT_PORT, task_link


def test_each_tasks_link_opens_the_time_series_page_on_its_loss_curves():
    parts = urlsplit(task_link("multilabel"))
    assert (parts.scheme, parts.hostname, parts.port, parts.path, parts.fragment) == (
        "http", "127.0.0.1", 6006, "/", "timeseries")           # make tensorboard's port
    assert parse_qs(parts.query) == {"runFilter": ["multilabel"], "tagFilter": ["epoch_loss"]}
    assert urlsplit(task_link("binary", port=6123)).port == 6123


def test_the_default_port_is_the_one_make_tensorboard_serves_on():
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    assert f"--port $(if $(call given,PORT),$(call arg,PORT),{DEFAULT_PORT})" in makefile


class StandInDriver:
    """What wait_for uses of a Selenium driver: its ChromeDriver process (running, or ended) and a screenshot."""

    def __init__(self, ended: bool = False):
        self.service = SimpleNamespace(process=SimpleNamespace(poll=lambda: 1 if ended else None))

    def save_screenshot(self, name: str) -> bool:
        Path(name).write_bytes(b"a picture")
        return True


def raising(error: Exception):
    def check():
        raise error
    return check


def no_waiting(seconds):
    raise AssertionError(f"wait_for waited {seconds} s for a browser that had stopped")


@pytest.mark.parametrize("check, ended, error", [
    (raising(InvalidSessionIdException("invalid session id: session deleted as the browser has closed the "
                                       "connection")), False, "InvalidSessionIdException"),
    (raising(WebDriverException("chrome not reachable")), True, "WebDriverException"),
    (raising(MaxRetryError(None, "/session/1/elements", ConnectionRefusedError(111, "Connection refused"))), True,
     "MaxRetryError"),
], ids=["session-gone", "driver-ended", "driver-refuses"])
def test_a_browser_that_stopped_fails_the_wait_at_once_in_one_line(check, ended, error, tmp_path, monkeypatch):
    """A dead Chromium raised WebDriverException, which wait_for took for a re-rendered page: it looked again
    every second for WAIT (120) seconds, at every wait of every task. The line names the error each case raised
    (a pattern `(A|B)Exception|C` took any text before "C)" or after "AException" for the whole line)."""
    monkeypatch.setattr(chromium.time, "sleep", no_waiting)
    with pytest.raises(pytest.fail.Exception) as failed:
        chromium.wait_for("the four runs", check, StandInDriver(ended), tmp_path / "binary_failure.png")
    assert str(failed.value) == f"Chromium stopped while the test waited for the four runs ({error})"


def test_a_page_that_re_renders_is_looked_at_again(tmp_path, monkeypatch):
    monkeypatch.setattr(chromium.time, "sleep", lambda seconds: None)
    answers = iter([StaleElementReferenceException("stale element"), None, "the card"])

    def check():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert chromium.wait_for("the card", check, StandInDriver(), tmp_path / "binary_failure.png") == "the card"


def test_a_wait_that_fails_leaves_its_screenshot_where_its_message_says(tmp_path, monkeypatch):
    """It went to a fixed <tmp>/tensorboard_in_chromium_failure.png, in no folder the test names, each failure
    over the last."""
    monkeypatch.setattr(chromium, "WAIT", 0)
    monkeypatch.setattr(chromium.time, "sleep", lambda seconds: None)
    picture = tmp_path / "binary_failure.png"
    with pytest.raises(pytest.fail.Exception) as failed:
        chromium.wait_for("the card", lambda: None, StandInDriver(), picture)
    assert str(failed.value) == f"the card did not appear within 0 s (the page then: {picture})"
    assert picture.read_bytes() == b"a picture"


def test_the_pixels_of_each_runs_colour_are_counted_on_the_charts_canvas():
    """pixels_per_colour counted over Image.getdata, which Pillow 13 deprecates: with warnings as errors, every task
    of make test-browser failed at its first chart."""
    canvas = Image.new("RGB", (4, 3), (255, 255, 255))
    for x in range(3):
        canvas.putpixel((x, 0), (255, 112, 67))                      # three pixels of the keras run's orange
    canvas.putpixel((0, 2), (0, 119, 187))                           # one of the scratch run's blue
    png = io.BytesIO()
    canvas.save(png, format="PNG")
    card = SimpleNamespace(find_element=lambda by, selector: SimpleNamespace(screenshot_as_png=png.getvalue()))
    colours = {"keras/train": (255, 112, 67), "scratch/train": (0, 119, 187), "keras/validation": (1, 2, 3)}
    assert chromium.pixels_per_colour(card, colours) == {"keras/train": 3, "scratch/train": 1, "keras/validation": 0}
