"""`make train` ends with one TensorBoard link per task, each opening straight on that task's loss curves
(keras_models/train/board_server.py: task_link). tests/tensorboard_in_chromium.py (`make test-browser`) opens the
links make train printed in a real browser; this file checks their form without one.
"""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

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
