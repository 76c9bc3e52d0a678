"""The lessons: what they compute, and the pictures `make lessons` writes (PNG files and TensorBoard images).

References: closed forms (the parabola's (1 - 2 eta)^k, the saturation points of sigmoid and tanh),
the tutorial's worked numbers, a forward pass written out here in NumPy, and the files themselves
read back with a PNG header parser and TensorBoard's own EventAccumulator.

The lessons run once here, through `make lessons` (its `run_all` is watched to keep what each lesson
returned), and once more as notebooks (tests/test_notebooks.py: the pictures inline, the findings). The
tests of this file share that one run, so they run on one worker (conftest.py: ONE_WORKER_MODULES).
"""

from __future__ import annotations

import contextlib
import inspect
import io
import math
import re
import runpy
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import comments_as_text, the_disk_fills_while_writing
from matplotlib.collections import PathCollection, QuadMesh
from matplotlib.colors import to_hex, to_rgb
from matplotlib.contour import ContourSet
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from data import prepare
from keras_models.course import lessons
from keras_models.course.lessons import (
    lesson_01_perceptron,
    lesson_02_xor_limit,
    lesson_03_activations,
    lesson_04_gradient_descent,
    lesson_05_hidden_layer_xor,
    lesson_06_regularisation,
    lesson_07_data_parallel,
    main,
    pictures,
    tensorboard_images,
)
from scratch import training
from scratch.data_parallel import shard_slices
from scratch.gradient_descent import gradient_descent

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Every picture and its size in pixels (figsize in inches x 100 dpi); the tag is "<lesson>/<picture>".
EXPECTED_PIXELS = {
    "lesson_01_perceptron/boundary": (1200, 260),          # 6 panels: the start and 5 epochs
    "lesson_02_xor_limit/mistakes": (900, 360),
    "lesson_03_activations/functions": (1100, 500),
    "lesson_04_gradient_descent/tutorial": (1000, 360),
    "lesson_04_gradient_descent/learning_rates": (1200, 340),
    "lesson_04_gradient_descent/distance": (700, 420),
    "lesson_05_hidden_layer_xor/boundary": (1100, 260),
    "lesson_05_hidden_layer_xor/loss": (700, 360),
    "lesson_06_regularisation/curves": (1200, 380),
    "lesson_07_data_parallel/shards": (1200, 380),
}


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk, which the format requires to come first."""
    assert data[:8] == PNG_SIGNATURE, f"not a PNG: starts with {data[:8]!r}"
    assert data[12:16] == b"IHDR", f"first chunk is {data[12:16]!r}, not IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def make_lessons(tmp_path_factory):
    """`.venv/bin/python -m keras_models.course.lessons --logdir DIR`, in process: (DIR, what it printed,
    {lesson name: what its run() returned on the way})."""
    logdir = tmp_path_factory.mktemp("lessons") / "my lessons"     # a space: the printed command quotes it
    printed = io.StringIO()
    real_run_all = lessons.run_all
    ran = {}

    def watched_run_all(*args, **kwargs):
        results = real_run_all(*args, **kwargs)
        ran.update({result.lesson: result for result in results})
        return results

    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setattr(lessons, "run_all", watched_run_all)
        status = main(["--logdir", str(logdir)])
    assert status == 0
    return logdir, printed.getvalue(), ran


@pytest.fixture
def ran(make_lessons):
    """{lesson name: what its run() returned} in the one `make lessons` run of this module."""
    return make_lessons[2]


# --- make lessons: the files ------------------------------------------------------------------------

def test_make_lessons_writes_every_png_non_empty_and_of_the_expected_size(make_lessons):
    logdir, _, _ = make_lessons
    written = {path.name: path for path in (logdir / "png").iterdir()}
    expected = {tag.replace("/", "_") + ".png": size for tag, size in EXPECTED_PIXELS.items()}
    assert sorted(written) == sorted(expected)
    for name, size in expected.items():
        data = written[name].read_bytes()
        assert len(data) > 10_000, f"{name} is only {len(data)} bytes"
        assert png_size(data) == size, f"{name}: {png_size(data)} pixels, expected {size}"


def test_make_lessons_logs_every_picture_as_a_tensorboard_image(make_lessons):
    logdir, _, ran = make_lessons
    board = logdir / "tensorboard"
    assert len(list(board.glob("events.out.tfevents.*"))) == 1          # one run
    acc = EventAccumulator(str(board), size_guidance={"tensors": 0})
    acc.Reload()
    assert sorted(acc.Tags()["tensors"]) == sorted(EXPECTED_PIXELS)
    for tag, (width, height) in EXPECTED_PIXELS.items():
        events = acc.Tensors(tag)
        assert len(events) == 1 and events[0].step == 0, f"{tag}: {len(events)} events"
        # tf.summary.image stores [width, height, png bytes...] as strings.
        entries = events[0].tensor_proto.string_val
        assert entries[:2] == [str(width).encode(), str(height).encode()], f"{tag}: {entries[:2]}"
        assert png_size(entries[2]) == (width, height)
        # its alt text, as a notebook shows it: the figure in words, read from the Figure the lesson returned
        lesson, name = tag.split("/")
        words = pictures.describe(ran[lesson].figures[name])
        assert words and acc.SummaryMetadata(tag).summary_description == words, f"{tag}: no description"


def test_make_lessons_prints_each_lessons_key_fact_and_how_to_view_the_images(make_lessons):
    logdir, printed, _ = make_lessons
    lines = printed.splitlines()
    for number, fact in enumerate(["perceptron converged in 5 epochs", "XOR: perceptron not converged",
                                   "sigmoid saturates", "gradient descent:", "100% on XOR",
                                   "regularisation: validation - training loss"], start=1):
        assert any(line.startswith(f"{number}. ") and fact in line for line in lines), f"lesson {number}: {fact!r}"
    assert f"make tensorboard LOGDIR='{logdir}'" in printed


def test_make_lessons_counts_the_pictures_it_wrote(make_lessons):
    """"10 pictures: PNG files in logs/lessons/png/, ..." (the README): one per PNG, not one per lesson."""
    logdir, printed, _ = make_lessons
    assert (f"\n{len(EXPECTED_PIXELS)} pictures: PNG files in {logdir / 'png'}/, TensorBoard images in "
            f"{logdir / 'tensorboard'}/\n") in printed


def test_the_pictures_of_an_earlier_make_lessons_are_replaced_in_tensorboard_and_nothing_else_is_touched(
        make_lessons, tmp_path):
    """Left in place, an earlier run's event file would show every picture twice in TensorBoard's IMAGES tab."""
    logdir, _, _ = make_lessons
    earlier = tmp_path / "events.out.tfevents.1700000000.earlier.1.v2"
    earlier.write_bytes(b"")
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    tensorboard_images.write_to_tensorboard(tmp_path, {"lesson_01_perceptron/boundary":
                                                       logdir / "png" / "lesson_01_perceptron_boundary.png"})
    (written,) = tmp_path.glob("events.out.tfevents.*")
    assert written != earlier
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("images, refused", [
    ({"lesson_01_perceptron/boundary": "png/gone.png"},
     r"^image 'lesson_01_perceptron/boundary': no PNG file at png/gone\.png$"),
    ({}, r"^write_to_tensorboard needs at least one image$")], ids=["missing PNG", "no images"])
def test_tensorboard_images_refuse_a_missing_png_or_none_by_name_and_touch_no_earlier_run(tmp_path, monkeypatch,
                                                                                         images, refused):
    """A PNG deleted between the lessons and their TensorBoard images is named by its tag and file, before the
    earlier run's event file is removed (that order left neither run's pictures, and a FileNotFoundError)."""
    monkeypatch.chdir(tmp_path)
    earlier = tmp_path / "board" / "events.out.tfevents.1700000000.earlier.1.v2"
    earlier.parent.mkdir()
    earlier.write_bytes(b"")
    with pytest.raises(ValueError, match=refused):
        tensorboard_images.write_to_tensorboard(tmp_path / "board", images)
    assert list((tmp_path / "board").iterdir()) == [earlier]


# --- the lessons' facts, from what each lesson function returns -----------------------------------

def test_a_picture_the_disk_cannot_hold_leaves_no_half_written_png_and_names_its_file(tmp_path, monkeypatch):
    """make lessons on a full disk left a 0-byte lesson_02_xor_limit_mistakes.png beside lesson 1's pictures."""
    monkeypatch.setattr(pictures.Figure, "savefig", the_disk_fills_while_writing)
    with pytest.raises(OSError) as full:
        pictures.save_png(pictures.new_figure(1, 1), tmp_path, "lesson.png")
    assert (full.value.filename, list(tmp_path.iterdir())) == (str(tmp_path / "lesson.png"), [])


def test_perceptron_lesson_converges_on_the_seven_points(ran):
    lesson = ran["lesson_01_perceptron"]
    p = lesson.perceptron
    # traced by hand in test_perceptron.py (test_the_lessons_run_on_the_seven_points_epoch_by_epoch)
    assert p.converged and p.errors_per_epoch == [2, 4, 4, 3, 0]
    assert len(p.history_) == 6                                          # one panel per state
    np.testing.assert_allclose(p.weights, [0.0, 2.2], rtol=0, atol=1e-12)
    assert p.bias == -1.0
    assert "mistakes per epoch [2, 4, 4, 3, 0]; w = [0, 2.2], b = -1" in lesson.summary
    assert lesson.pngs["boundary"].is_file()


def test_perceptron_lesson_titles_each_panel_with_its_updates_and_the_points_its_line_gets_wrong(ran):
    p = ran["lesson_01_perceptron"].perceptron
    # counted here: a point is predicted 1 when w . x + b > 0 (a tie is 0), so w = 0 gets the four 1s wrong
    X, y = lesson_01_perceptron.X, lesson_01_perceptron.y
    wrong = [int(np.sum((X @ w + b > 0).astype(int) != y)) for w, b in p.history_]
    assert wrong[0] == 4 and wrong[-1] == 0
    titles = [ax.get_title() for ax in ran["lesson_01_perceptron"].figures["boundary"].axes]
    assert titles == [f"start: w = 0\n{wrong[0]} wrong"] + [
        f"after epoch {epoch}: {updates} updates\n{wrong[epoch]} wrong now"
        for epoch, updates in enumerate([2, 4, 4, 3, 0], start=1)]


def test_xor_lesson_perceptron_never_has_an_epoch_without_mistakes(ran):
    lesson = ran["lesson_02_xor_limit"]
    p = lesson.perceptron
    assert not p.converged
    assert len(p.errors_per_epoch) == lesson_02_xor_limit.MAX_EPOCHS
    assert min(p.errors_per_epoch) > 0
    assert (p.predict(lesson_02_xor_limit.X) != lesson_02_xor_limit.y).any()
    assert lesson.separable.converged                                      # the contrast on the same plot
    # what it states: from epoch 2 on the same 4 updates (a cycle), and the last line's mistakes, counted here
    assert p.errors_per_epoch[1:] == [4] * (lesson_02_xor_limit.MAX_EPOCHS - 1)
    w2, b2 = p.history_[2]                                              # "... and ends with the same weights"
    assert all(np.array_equal(w, w2) and b == b2 for w, b in p.history_[2:])
    X, y = lesson_02_xor_limit.X, lesson_02_xor_limit.y
    wrong = int(np.sum((X @ p.weights + p.bias > 0).astype(int) != y))
    assert lesson.summary == (f"XOR: perceptron not converged after 100 epochs, still 4 mistakes in the last epoch "
                              f"and {wrong} of 4 points wrong")


def test_activations_lesson_finds_and_states_the_closed_form_saturation_points(ran):
    lesson = ran["lesson_03_activations"]
    # sigmoid' = s (1 - s) = 0.05  at s = (1 + sqrt(0.8)) / 2;  tanh' = 1 - t^2 = 0.05  at t = sqrt(0.95)
    s = (1 + math.sqrt(0.8)) / 2
    closed_form = {"sigmoid": math.log(s / (1 - s)), "tanh": math.atanh(math.sqrt(0.95))}
    spacing = lesson_03_activations.z[1] - lesson_03_activations.z[0]
    for name, z_sat in closed_form.items():
        assert abs(lesson.saturation[name] - z_sat) <= spacing, f"{name}: {lesson.saturation[name]} vs {z_sat}"
    # what it states: the first grid point past each closed form (sigmoid 2.887 -> 2.89, tanh 2.178 -> 2.18)
    first = {name: f"{math.ceil(z_sat / spacing) * spacing:.2f}" for name, z_sat in closed_form.items()}
    assert lesson.summary == (f"activations: sigmoid saturates (g' < 0.05) beyond |z| = {first['sigmoid']}, "
                              f"tanh beyond |z| = {first['tanh']}; step has g' = 0, ReLU g' = 1 for z > 0")


def prose_of(module) -> str:
    """A lesson's comments joined into one line of text, as the learner reads them."""
    return comments_as_text(inspect.getsource(module))


def test_gradient_descent_lesson_matches_the_tutorial_and_each_learning_rate_regime(ran):
    lesson = ran["lesson_04_gradient_descent"]
    steps = lesson_04_gradient_descent.STEPS
    # the tutorial's worked numbers, and convergence to the minimum
    np.testing.assert_allclose(lesson.tutorial[4.0][:4], [4.0, 3.96, 3.9208, 3.882384], rtol=1e-12)
    np.testing.assert_allclose(lesson.tutorial[0.0][:4], [0.0, 0.04, 0.0792, 0.117616], rtol=1e-12)
    assert abs(lesson.tutorial[4.0][-1] - 2) < 1e-3 and abs(lesson.tutorial[0.0][-1] - 2) < 1e-3
    # eta = 1.0: 4, 0, 4, 0, ... until max_iters
    assert lesson.runs[1.0] == [4.0, 0.0] * (steps // 2) + [4.0]
    # eta = 1.05: the distance to 2 grows by |1 - 2 eta| = 1.1 every step
    distance = np.abs(np.asarray(lesson.runs[1.05]) - 2)
    assert len(distance) == steps + 1
    np.testing.assert_allclose(distance[1:] / distance[:-1], 1.1, rtol=1e-9)
    # eta = 0.01 is too small: after STEPS steps it has closed under half the distance (0.98^30 = 0.55)
    assert abs(lesson.runs[0.01][-1] - 2) == pytest.approx(2 * 0.98 ** steps, rel=1e-9)
    # what it states: step k + 1 moves 0.02 * 2 * 0.98^k, and the run stops after the first one under 1e-6
    tutorial_steps = next(k + 1 for k in range(10_000) if 0.04 * 0.98 ** k < 1e-6)
    # ... and its remark on the tutorial's snippet: a precision of 0.0001 stops after 298 steps at 2.0049
    snippet_steps = next(k + 1 for k in range(10_000) if 0.04 * 0.98 ** k < 1e-4)
    prose = prose_of(lesson_04_gradient_descent)
    assert (f"its code snippet uses 0.0001, which stops after {snippet_steps} steps at "
            f"{2 + 2 * 0.98 ** snippet_steps:.4f})") in prose
    # "The best eta here is 0.5, which lands on 2 in one step": read from the prose, run here
    best = float(re.search(r"The best eta here is (\S+), which lands on 2 in one step", prose).group(1))
    assert gradient_descent(lesson_04_gradient_descent.df, 4.0, learning_rate=best, max_iters=1) == [4.0, 2.0]
    # ... and the tutorial's first three steps, worked by hand: 4 - 0.01 * 2 (4 - 2) = 3.96, then 3.9208, 3.882384
    assert lesson.summary == (f"gradient descent: eta = 0.01 from 4 gives 3.96, 3.9208, 3.882384, ... and stops at "
                              f"2.0000 after {tutorial_steps} steps; eta = 1.0 bounces [4.0, 0.0, 4.0, 0.0]...; "
                              f"eta = 1.05 is {2 * 1.1 ** steps:.1f} from the minimum after {steps} steps")


# What each learning-rate panel's name promises, as a condition on r = 1 - 2 eta, the factor one step multiplies
# the distance to 2 by (the lesson's introduction)
REGIME_FACTORS = {"too small": lambda r: 0.9 <= r < 1,          # creeps: closes at most a tenth of the distance
                  "about right": lambda r: abs(r) <= 0.5,        # at least halves it every step
                  "oscillates": lambda r: r == -1,               # 4, 0, 4, 0, ... for ever
                  "diverges": lambda r: abs(r) > 1}              # the distance grows every step


def test_gradient_descent_lesson_names_each_learning_rate_panel_by_what_its_steps_do():
    """A panel titled "eta = 1.05: diverges" must diverge: each regime's name against its factor 1 - 2 eta."""
    regimes = lesson_04_gradient_descent.REGIMES
    assert regimes.keys() == REGIME_FACTORS.keys()
    for regime, eta in regimes.items():
        assert REGIME_FACTORS[regime](1 - 2 * eta), f"eta = {eta:g} titled {regime!r}: 1 - 2 eta = {1 - 2 * eta:+.2f}"


def test_hidden_layer_network_learns_xor_to_100_percent_from_a_fixed_seed(ran):
    lesson = ran["lesson_05_hidden_layer_xor"]
    X, y = lesson_05_hidden_layer_xor.X, lesson_05_hidden_layer_xor.y
    # the trained network's forward pass written out here: tanh hidden layer, sigmoid output
    W1, b1, W2, b2 = lesson.network.get_weights()
    p = 1 / (1 + np.exp(-(np.tanh(X @ W1 + b1) @ W2 + b2)))[:, 0]              # (4,)
    np.testing.assert_array_equal((p > 0.5).astype(int), y)
    assert lesson.history.history["accuracy"][-1] == 1.0
    assert lesson.history.history["loss"][-1] < 0.1 * lesson.history.history["loss"][0]
    # what it states: the probabilities of the forward pass above, and the last epoch's loss
    assert lesson.summary.endswith(f"(p = {np.round(p, 3).tolist()} for y = [1, 1, 0, 0]; "
                                   f"loss {lesson.history.history['loss'][-1]:.4f})")
    # "A 2-4-1 network", in its header (the notebook's first cell), run()'s docstring and the picture's title
    net = lesson_05_hidden_layer_xor.build_network()
    widths = "-".join(map(str, layer_widths(net)))
    for text in (lesson_05_hidden_layer_xor.__doc__, lesson_05_hidden_layer_xor.run.__doc__,
                 lesson.figures["boundary"].get_suptitle()):
        assert re.findall(r"\b\d+(?:-\d+)+\b", text) == [widths], text
    # the seed fixes the starting weights
    for a, b in zip(lesson_05_hidden_layer_xor.build_network().get_weights(),
                    lesson_05_hidden_layer_xor.build_network().get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_regularisation_lesson_dropout_and_l2_shrink_the_validation_training_gap(ran):
    lesson = ran["lesson_06_regularisation"]
    data = prepare("binary", dtype="float32", seed=0)
    final = {}
    for variant, net in lesson.networks.items():
        # the final losses recomputed here: BCE of the trained network's predictions at inference, in NumPy
        for split, X, y in (("train", data.X_train, data.y_train), ("validation", data.X_val, data.y_val)):
            p = np.clip(net.predict(X).astype(np.float64), 1e-7, 1 - 1e-7)
            final[variant, split] = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
            recorded = getattr(lesson.curves[variant], split)[-1]
            assert recorded == pytest.approx(final[variant, split], rel=1e-4, abs=1e-6), (variant, split)
    gap = {variant: final[variant, "validation"] - final[variant, "train"] for variant in lesson.networks}
    # the finding, loosely: without regularisation the network overfits; each remedy at least halves the gap
    assert final["no regularisation", "train"] < 0.01 < gap["no regularisation"]
    # what the text says of the plain network: "the training loss falls below 1e-3 ... while the validation
    # loss bottoms out within a few epochs and then climbs"
    assert final["no regularisation", "train"] < 1e-3
    validation = lesson.curves["no regularisation"].validation
    assert np.argmin(validation) + 1 <= 10 and validation[-1] > min(validation) + 0.05
    # "the shaded gap widens over the epochs (not at every one: it narrows now and then, by less than 0.01) to
    # several times its width after the first"
    widths = np.asarray(validation) - np.asarray(lesson.curves["no regularisation"].train)      # (30,)
    assert widths[-1] > 3 * widths[0]
    assert 0 < -np.min(np.diff(widths)) < 0.01
    assert gap["Dropout"] < 0.5 * gap["no regularisation"]
    assert gap["L2"] < 0.5 * gap["no regularisation"]
    # ... and is not bought by failing to learn: validation loss no worse than without regularisation
    assert max(final["Dropout", "validation"], final["L2", "validation"]) < final["no regularisation", "validation"]
    # what it states: the gaps recomputed above
    assert lesson.summary == ("regularisation: validation - training loss after 30 epochs on breast cancer: "
                              + ", ".join(f"{variant} {gap[variant]:.3f}" for variant in lesson.networks))


# --- what each picture draws, read back from its matplotlib Figure (run() returns them) ------------

def drawn(ax, label: str):
    """The one line on `ax` with this legend label: (its x data, its y data)."""
    (line,) = [line for line in ax.get_lines() if line.get_label() == label]
    return np.asarray(line.get_xdata(), dtype=float), np.asarray(line.get_ydata(), dtype=float)


def level_lines(ax, linestyle: str) -> list[tuple[float, float]]:
    """The axhline/axvline-like lines of this linestyle: (first x, first y) of each."""
    return [(float(line.get_xdata()[0]), float(line.get_ydata()[0])) for line in ax.get_lines()
            if line.get_linestyle() == linestyle and len(line.get_xdata()) == 2]


def layer_widths(net) -> list[int]:
    """The widths of a scratch network, inputs first: [2, 4, 1] for the 2-4-1 network."""
    return [net.layers[0].W.shape[0]] + [layer.W.shape[1] for layer in net.layers]


def style(ax, label: str) -> tuple[str, str]:
    """(marker, linestyle) of the one line on `ax` with this legend label: what tells it apart without colour."""
    (line,) = [line for line in ax.get_lines() if line.get_label() == label]
    return line.get_marker(), line.get_linestyle()


def colour(artist) -> str:
    return to_hex(artist.get_edgecolor()[0] if isinstance(artist, PathCollection) else artist.get_color())


def points(ax, label: str) -> np.ndarray:
    (scatter,) = [c for c in ax.collections if c.get_label() == label]
    return np.asarray(scatter.get_offsets())


def shading_and_line(ax):
    """The perceptron's coloured plane (QuadMesh) and its contour lines."""
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    contours = [c for c in ax.collections if isinstance(c, ContourSet)]
    return mesh, contours


def assert_draws_the_perceptron(ax, w, b, limits, X, y):
    """Blue where w . x + b > 0, red elsewhere (on our own grid), the line at level 0, the points by class."""
    grid = np.linspace(*limits, 201)
    x1, x2 = np.meshgrid(grid, grid)
    mesh, contours = shading_and_line(ax)
    predicts_1 = (w[0] * x1 + w[1] * x2 + b > 0)                                  # (201, 201)
    shade = np.asarray(mesh.to_rgba(np.asarray(mesh.get_array()).reshape(x1.shape)))[..., :3]
    np.testing.assert_allclose(shade[predicts_1], np.broadcast_to(to_rgb(pictures.LIGHT_BLUE), shade[predicts_1].shape))
    np.testing.assert_allclose(shade[~predicts_1],
                               np.broadcast_to(to_rgb(pictures.LIGHT_RED), shade[~predicts_1].shape))
    assert [list(c.levels) for c in contours] == ([[0.0]] if np.any(w != 0) else [])
    np.testing.assert_array_equal(points(ax, "class 1"), X[y == 1])
    np.testing.assert_array_equal(points(ax, "class 0"), X[y == 0])
    (blue,) = [c for c in ax.collections if c.get_label() == "class 1"]
    (red,) = [c for c in ax.collections if c.get_label() == "class 0"]
    assert (colour(blue), colour(red)) == (to_hex(pictures.BLUE), to_hex(pictures.RED))


def test_perceptron_picture_draws_each_epochs_line_and_circles_what_it_gets_wrong(ran):
    lesson = ran["lesson_01_perceptron"]
    X, y = lesson_01_perceptron.X, lesson_01_perceptron.y
    fig = lesson.figures["boundary"]
    panels = fig.axes
    assert len(panels) == len(lesson.perceptron.history_)
    for ax, (w, b) in zip(panels, lesson.perceptron.history_, strict=True):
        assert_draws_the_perceptron(ax, w, b, lesson_01_perceptron.LIMITS, X, y)
        wrong = (X @ w + b > 0).astype(int) != y                               # a tie is 0
        circled = points(ax, "misclassified") if wrong.any() else np.empty((0, 2))
        np.testing.assert_array_equal(circled, X[wrong])
        assert ax.get_xlabel() == "$x_1$"
    assert panels[0].get_ylabel() == "$x_2$"
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["class 1", "class 0", "misclassified"]
    assert "blue: predicts 1, red: predicts 0" in fig.get_suptitle()


def test_xor_picture_draws_the_last_line_and_both_mistake_curves(ran):
    lesson = ran["lesson_02_xor_limit"]
    X, y = lesson_02_xor_limit.X, lesson_02_xor_limit.y
    ax_points, ax_errors = lesson.figures["mistakes"].axes
    p = lesson.perceptron
    assert_draws_the_perceptron(ax_points, p.weights, p.bias, (-0.5, 1.5), X, y)
    # the last line's mistakes, counted here (a tie is 0): circled, and in the title
    wrong = (X @ p.weights + p.bias > 0).astype(int) != y                      # (4,)
    np.testing.assert_array_equal(points(ax_points, "misclassified"), X[wrong])
    assert ax_points.get_title() == (f"XOR after 100 epochs: {wrong.sum()} of 4 points wrong\n"
                                     "(a point on the line counts as 0)")
    # XOR as the lesson's text defines it: f([0, 1]) = 1, f([1, 0]) = 1, f([1, 1]) = 0, f([0, 0]) = 0
    assert [t.get_text() for t in ax_points.texts] == ["(0,1) -> 1", "(1,0) -> 1", "(1,1) -> 0", "(0,0) -> 0"]
    x, mistakes = drawn(ax_errors, "XOR (not separable)")
    np.testing.assert_array_equal(x, np.arange(1, 101))
    assert mistakes.tolist() == [2] + [4] * 99                     # the README: 2 in the first epoch, then 4
    x, mistakes = drawn(ax_errors, "lesson 1's 7 points: 0 in epoch 5")
    assert x.tolist() == [1, 2, 3, 4, 5] and mistakes.tolist() == [2, 4, 4, 3, 0]     # traced in test_perceptron.py
    lines = {line.get_label(): colour(line) for line in ax_errors.get_lines()}
    assert lines["XOR (not separable)"] == to_hex(pictures.RED)
    assert lines["lesson 1's 7 points: 0 in epoch 5"] == to_hex(pictures.BLUE)
    assert level_lines(ax_errors, "--") == [(0.0, 0.0)]
    assert ax_errors.get_xscale() == "log" and "log scale" in ax_errors.get_xlabel()


def test_activations_picture_draws_each_function_its_derivative_and_the_saturated_bands(ran):
    lesson = ran["lesson_03_activations"]
    z = lesson_03_activations.z
    s, t = 1 / (1 + np.exp(-z)), np.tanh(z)
    with np.errstate(invalid="ignore"):
        expected = {"step": ((z > 0) * 1.0, np.zeros_like(z)), "sigmoid": (s, s * (1 - s)),
                    "tanh": (t, 1 - t ** 2), "relu": (np.maximum(z, 0), (z > 0) * 1.0)}
    fig = lesson.figures["functions"]
    axes = np.asarray(fig.axes).reshape(2, 4)
    s_ = (1 + math.sqrt(0.8)) / 2
    closed_form = {"sigmoid": math.log(s_ / (1 - s_)), "tanh": math.atanh(math.sqrt(0.95))}
    spacing = z[1] - z[0]
    for col, name in enumerate(lesson_03_activations.NAMES):
        ax_g, ax_slope = axes[:, col]
        g, slope = expected[name]
        jump = z == 0
        g_drawn, slope_drawn = ax_g.get_lines()[0].get_ydata(), ax_slope.get_lines()[0].get_ydata()
        np.testing.assert_allclose(g_drawn[~jump], g[~jump], atol=1e-12, err_msg=f"{name}: g(z)")
        np.testing.assert_allclose(slope_drawn[~jump], slope[~jump], atol=1e-12, err_msg=f"{name}: g'(z)")
        if name in ("step", "relu"):                                  # the value used at the jump: a dot at 0
            assert [(line.get_xdata()[0], line.get_ydata()[0]) for line in ax_slope.get_lines()
                    if line.get_marker() == "o"] == [(0, 0)], name
        if name in closed_form:
            z_sat = closed_form[name]
            assert level_lines(ax_slope, ":") == [(0.0, lesson_03_activations.SATURATED)], name
            bands = [(p.get_x(), p.get_x() + p.get_width()) for p in ax_slope.patches]
            assert len(bands) == 2, name
            np.testing.assert_allclose(bands, [(-6.0, -z_sat), (z_sat, 6.0)], atol=spacing, err_msg=name)
            assert ax_g.get_title() == f"{name}: flat beyond |z| = {z_sat:.2f}"
    assert axes[0, 0].get_ylabel().startswith("activation") and axes[1, 0].get_ylabel().startswith("derivative")
    # "Sigmoid's slope is at most 0.25 (at z = 0)"; "tanh is four times steeper at 0"
    sigmoid_slope, tanh_slope = (axes[1, col].get_lines()[0].get_ydata() for col in (1, 2))
    assert sigmoid_slope.max() == sigmoid_slope[z == 0][0] == 0.25
    assert tanh_slope[z == 0][0] == 4 * sigmoid_slope[z == 0][0]


def test_gradient_descent_pictures_draw_the_iterates_the_closed_form_gives(ran):
    lesson = ran["lesson_04_gradient_descent"]

    def closed_form(x0, eta, steps):                   # x_k - 2 = (1 - 2 eta)^k (x0 - 2)
        return 2 + (1 - 2 * eta) ** np.arange(steps + 1) * (x0 - 2)

    ax_parabola, ax_path = lesson.figures["tutorial"].axes
    for x0, head in ((4.0, "3.96, 3.9208"), (0.0, "0.04, 0.0792")):
        x, fx = drawn(ax_parabola, f"from $x_0$ = {x0:g}")
        np.testing.assert_allclose(x, closed_form(x0, 0.01, len(x) - 1), rtol=1e-10)
        np.testing.assert_allclose(fx, (x - 2) ** 2, rtol=1e-10)
        big = [line for line in ax_parabola.get_lines() if line.get_markersize() == 8 and line.get_xdata()[0] == x0]
        assert len(big) == 1, f"x0 = {x0} is not marked large"
        k, xk = drawn(ax_path, f"from {x0:g}: {head}, ... 526 steps")
        np.testing.assert_allclose(xk, closed_form(x0, 0.01, 526), rtol=1e-10)
        # its title's "each step closes 2% of the distance to 2", from the path drawn
        closes = 1 - (xk[1:] - 2) / (xk[:-1] - 2)                                 # (526,)
        np.testing.assert_allclose(closes, closes[0], rtol=1e-9)
        assert ax_path.get_title() == f"each step closes {closes[0]:.0%} of the distance to 2"
    assert level_lines(ax_parabola, ":")[0][0] == 2.0 and level_lines(ax_path, ":") == [(0.0, 2.0)]
    # the two starts differ in marker and line style, not only in colour
    assert style(ax_parabola, "from $x_0$ = 4") != style(ax_parabola, "from $x_0$ = 0")
    paths = [line.get_label() for line in ax_path.get_lines() if line.get_label().startswith("from")]
    assert len({style(ax_path, label)[1] for label in paths}) == 2, paths

    rates = lesson_04_gradient_descent.REGIMES
    for ax, (regime, eta) in zip(lesson.figures["learning_rates"].axes, rates.items(), strict=True):
        assert ax.get_title() == f"eta = {eta:g}: {regime}"
        assert level_lines(ax, ":")[0][0] == 2.0
        for x0 in (4.0, 0.0):
            x, fx = drawn(ax, f"from $x_0$ = {x0:g}")
            assert len(x) == 13, f"eta = {eta}: {len(x) - 1} steps, the title says at most 12"
            np.testing.assert_allclose(x, closed_form(x0, eta, 12), rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(fx, (x - 2) ** 2, rtol=1e-10, atol=1e-12)
        assert style(ax, "from $x_0$ = 4")[0] != style(ax, "from $x_0$ = 0")[0], f"eta = {eta}: one marker"

    (ax,) = lesson.figures["distance"].axes
    for eta in lesson_04_gradient_descent.DISTANCE_RATES:
        k, distance = drawn(ax, f"eta = {eta:g}  (factor {1 - 2 * eta:+.2f} per step)")
        np.testing.assert_allclose(distance, np.abs(closed_form(4.0, eta, len(k) - 1) - 2), rtol=1e-9, atol=1e-15)
    assert ax.get_yscale() == "log"
    markers = [line.get_marker() for line in ax.get_lines()]
    assert len(set(markers)) == len(lesson_04_gradient_descent.DISTANCE_RATES), f"told apart by colour alone: {markers}"


def test_hidden_layer_pictures_draw_the_outputs_over_training_and_the_loss_and_accuracy(ran):
    lesson = ran["lesson_05_hidden_layer_xor"]
    X, y = lesson_05_hidden_layer_xor.X, lesson_05_hidden_layer_xor.y

    def forward(weights, at=X):                         # tanh hidden layer, sigmoid output, written out
        W1, b1, W2, b2 = weights
        return (1 / (1 + np.exp(-(np.tanh(at @ W1 + b1) @ W2 + b2))))[:, 0]

    fig = lesson.figures["boundary"]
    panels = fig.axes
    assert [ax.get_title() for ax in panels] == ["untrained", "after epoch 10", "after epoch 30",
                                                 "after epoch 100", "after epoch 300"]
    first, last = forward(lesson_05_hidden_layer_xor.build_network().get_weights()), forward(
        lesson.network.get_weights())
    for ax, p in ((panels[0], first), (panels[-1], last)):
        wrong = (p > 0.5).astype(int) != y
        circled = points(ax, "misclassified") if wrong.any() else np.empty((0, 2))
        np.testing.assert_array_equal(circled, X[wrong])
    assert (first > 0.5).astype(int).tolist() != y.tolist()            # the untrained panel shows mistakes
    # the figure's legend names the circles of the untrained panel too, not only the marks of the last one
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["class 1", "class 0", "misclassified"]
    for ax in panels:
        contours = [c for c in ax.collections if isinstance(c, ContourSet)]
        filled, lines = [c for c in contours if c.filled], [c for c in contours if not c.filled]
        assert [list(c.levels) for c in lines] in ([[0.5]], [])
        blue_at_1, red_at_0 = filled[0].to_rgba(0.95), filled[0].to_rgba(0.05)
        assert blue_at_1[2] > blue_at_1[0] and red_at_0[0] > red_at_0[2]   # "blue: p near 1, red: p near 0"
    # the black line lies where the forward pass above gives p = 0.5, x_1 across and x_2 up (not the plane mirrored
    # on its diagonal: the untrained network's line was off by 0.2 there, the trained one's by 0.4)
    for ax, weights in ((panels[0], lesson_05_hidden_layer_xor.build_network().get_weights()),
                        (panels[-1], lesson.network.get_weights())):
        (line,) = [c for c in ax.collections if isinstance(c, ContourSet) and not c.filled]
        on_line = line.get_paths()[0].vertices                                 # (n, 2): x_1, x_2
        np.testing.assert_allclose(forward(weights, on_line), 0.5, atol=0.01, err_msg=ax.get_title())

    ax_loss, ax_acc = lesson.figures["loss"].axes
    history = lesson.history.history
    epoch, loss = drawn(ax_loss, "loss (binary cross-entropy)")
    np.testing.assert_array_equal(epoch, np.arange(1, 301))
    np.testing.assert_array_equal(loss, history["loss"])
    epoch, accuracy = drawn(ax_acc, "accuracy")
    np.testing.assert_array_equal(epoch, np.arange(1, 301))
    np.testing.assert_array_equal(accuracy, history["accuracy"])
    assert style(ax_loss, "loss (binary cross-entropy)")[1] != style(ax_acc, "accuracy")[1], "colour alone"
    assert ax_loss.get_yscale() == "log"
    assert ax_loss.get_title() == f"Training on XOR: final loss {history['loss'][-1]:.4f}, accuracy 100%"


def test_regularisation_lesson_trains_with_the_rates_its_text_states(ran):
    """The numbers the learner reads in the lesson's prose, read from it here, are the ones its networks use."""
    prose = prose_of(lesson_06_regularisation)
    inputs, hidden = re.search(r"with Dropout \((\S+) on the inputs, (\S+) after each hidden layer", prose).groups()
    (l2,) = re.search(r"with L2\((\S+)\) on every kernel", prose).groups()
    eta, batch, epochs = re.search(r"Adam\((\S+)\), mini-batches of (\d+), shuffled with a fixed seed, (\d+) epochs",
                                   prose).groups()
    networks = ran["lesson_06_regularisation"].networks
    assert [(type(layer).__name__, getattr(layer, "rate", None)) for layer in networks["Dropout"].layers] == [
        ("Dropout", float(inputs)), ("Dense", None), ("Dropout", float(hidden)), ("Dense", None),
        ("Dropout", float(hidden)), ("Dense", None)]
    assert [layer.kernel_regularizer.l2 for layer in networks["L2"].layers] == pytest.approx([float(l2)] * 3)
    assert all(layer.kernel_regularizer is None for layer in networks["no regularisation"].layers)
    assert (lesson_06_regularisation.LEARNING_RATE, lesson_06_regularisation.EPOCHS) == (float(eta), int(epochs))
    assert inspect.signature(training.fit).parameters["batch_size"].default == int(batch)   # run() passes none
    # "30 -> 64 -> 64 -> 1: about 6,200 weights for 398 examples", "398 rows to train on and 86 to validate"
    *widths, about, examples = re.search(r"(\d+) -> (\d+) -> (\d+) -> (\d+): about ([\d,]+) weights for (\d+) "
                                         r"examples", prose).groups()
    plain, data = networks["no regularisation"], prepare("binary", dtype="float32", seed=0)
    assert [int(w) for w in widths] == layer_widths(plain)
    weights = sum(array.size for array in plain.get_weights())                  # kernels and biases: 6,209
    assert round(weights, -2) == int(about.replace(",", "")), f"{weights} weights, the text says about {about}"
    assert int(examples) == len(data.X_train)
    train, validate = re.search(r"(\d+) rows to train on and (\d+) to validate", prose).groups()
    assert (int(train), int(validate)) == (len(data.X_train), len(data.X_val))


def test_regularisation_picture_draws_each_variants_curves_gap_and_reported_loss(ran):
    lesson = ran["lesson_06_regularisation"]
    fig = lesson.figures["curves"]
    for ax, variant in zip(fig.axes, lesson_06_regularisation.VARIANTS, strict=True):
        curve = lesson.curves[variant]
        epoch, train = drawn(ax, "training rows")
        np.testing.assert_array_equal(epoch, np.arange(1, 31))
        np.testing.assert_array_equal(train, curve.train)                  # its last value is recomputed above
        epoch, validation = drawn(ax, "validation rows")
        np.testing.assert_array_equal(validation, curve.validation)
        lines = {line.get_label(): colour(line) for line in ax.get_lines()}
        assert (lines["training rows"], lines["validation rows"]) == (to_hex("tab:blue"), to_hex("tab:red"))
        styles = {line.get_label(): line.get_linestyle() for line in ax.get_lines()}
        assert len({styles["training rows"], styles["validation rows"], styles.get("fit's reported loss")}) == 3, (
            f"{variant}: training, validation and reported loss told apart by colour alone: {styles}")
        reported = [line for line in ax.get_lines() if line.get_label() == "fit's reported loss"]
        if variant == "no regularisation":
            assert reported == []
        else:
            assert reported[0].get_linestyle() == ":"
            np.testing.assert_array_equal(reported[0].get_ydata(), lesson.reported[variant])
            # ... which is fit's own loss: above the loss at inference in every epoch (the thinned network's, or with
            # the penalty added); L2's excess in the last epoch is about l2 * sum(W^2) of the final kernels
            assert np.all(np.asarray(lesson.reported[variant]) > np.asarray(curve.train)), variant
            if variant == "L2":
                kernels = [layer.W.astype(np.float64) for layer in lesson.networks[variant].layers]
                penalty = sum(0.01 * np.sum(W ** 2) for W in kernels)                  # the text's L2(0.01)
                assert lesson.reported[variant][-1] - curve.train[-1] == pytest.approx(penalty, rel=0.1)
        (gap,) = ax.collections                                              # the shaded gap
        shaded = gap.get_paths()[0].vertices[:, 1]
        assert {curve.train[-1], curve.validation[-1]} <= set(shaded.tolist()), variant
        assert ax.get_title() == f"{variant}: gap {curve.validation[-1] - curve.train[-1]:.3f} after epoch 30"
        assert ax.get_yscale() == "log"
    assert [t.get_text() for t in fig.axes[-1].get_legend().get_texts()] == [
        "training rows", "validation rows", "fit's reported loss"]
    # the title names the network and the rows it trained on: read from the trained network and the data
    net, data = lesson.networks["no regularisation"], prepare("binary", dtype="float32", seed=0)
    widths = "-".join(map(str, layer_widths(net)))
    assert fig.get_suptitle().startswith(f"{widths} on {len(data.X_train)} breast-cancer biopsies")


def test_data_parallel_picture_draws_each_shards_gradient_the_all_reduce_and_the_plain_average(ran):
    lesson = ran["lesson_07_data_parallel"]
    net, X, y, LOSS = lesson_07_data_parallel.build_network(), lesson_07_data_parallel.X, lesson_07_data_parallel.y, \
        lesson_07_data_parallel.LOSS
    full = net.loss_and_gradients(X, y, LOSS)[1][2].ravel()                  # (15,)
    # the shards cut here by hand: ceil(10/4) = 3 rows each, the last one short
    per_shard = [net.loss_and_gradients(X[a:b], y[a:b], LOSS)[1][2].ravel() for a, b in
                 ((0, 3), (3, 6), (6, 9), (9, 10))]
    ax_rows, ax_grad, ax_gap = lesson.figures["shards"].axes
    assert [t.get_text() for t in ax_rows.texts] == [f"shard {k}: $m_{k}$ = {m}" for k, m in
                                                     ((1, 3), (2, 3), (3, 3), (4, 1))]
    (bars,) = ax_grad.containers
    np.testing.assert_allclose([bar.get_height() for bar in bars], full, rtol=1e-12)
    for k, g in enumerate(per_shard, start=1):
        np.testing.assert_allclose(drawn(ax_grad, f"shard {k}: $dL_{k}$")[1], g, rtol=1e-12)
    shard_markers = [style(ax_grad, f"shard {k}: $dL_{k}$")[0] for k in range(1, 5)]
    # each row of the batch in its shard's colour, the colour of that shard's gradient marks; the shards cut as above
    shard_colours = [colour(drawn_line) for k in range(1, 5) for drawn_line in ax_grad.get_lines()
                     if drawn_line.get_label() == f"shard {k}: $dL_{k}$"]
    assert len(set(shard_colours)) == 4, shard_colours
    assert [(row.get_y(), to_hex(row.get_facecolor())) for row in ax_rows.patches] == [
        (i, shard_colours[k]) for k, (a, b) in enumerate(((0, 3), (3, 6), (6, 9), (9, 10))) for i in range(a, b)]
    assert ax_rows.get_title() == "a batch of m = 10 rows\non 4 replicas"
    assert len(set(shard_markers)) == 4, f"the shards' gradients told apart by colour alone: {shard_markers}"
    rings = drawn(ax_grad, "all-reduce: sum of $(m_k/m)\\,dL_k$")[1]
    np.testing.assert_allclose(rings, sum(m / 10 * g for m, g in zip((3, 3, 3, 1), per_shard, strict=True)),
                               rtol=1e-12)
    crosses = drawn(ax_grad, "plain average of the $dL_k$")[1]
    np.testing.assert_allclose(crosses, sum(per_shard) / 4, rtol=1e-12)
    assert np.max(np.abs(crosses - full)) > 0.1 * np.max(np.abs(full))        # off the bars
    n, all_reduce_gap = drawn(ax_gap, "all-reduce, weights $m_k/m$")
    n, plain_gap = drawn(ax_gap, "plain average, weights 1/N")
    np.testing.assert_array_equal(n, np.arange(1, 11))
    assert np.all(all_reduce_gap < 1e-14)
    assert [bool(gap < 1e-14) for gap in plain_gap] == [10 % n == 0 for n in range(1, 11)]
    assert level_lines(ax_gap, ":") == [(0.0, np.finfo(np.float64).eps)]
    # "the 15 entries of dL/dW_2", "(5 x 3, row by row)" and "shards of up to ceil(10/N) rows", against the code
    n_in, n_out = net.layers[1].W.shape
    assert ax_grad.get_xlabel() == f"entry of $W_2$ ({n_in} x {n_out}, row by row)" and len(full) == n_in * n_out == 15
    for n in range(1, 11):
        rows = [part.stop - part.start for part in shard_slices(10, n)]
        assert sum(rows) == 10 and max(rows) == math.ceil(10 / n), (n, rows)
    assert ax_gap.get_xlabel() == "replicas N (shards of up to ceil(10/N) rows)"


def test_data_parallel_lesson_states_both_gaps_as_the_readme_prints_them(make_lessons):
    """"... matches the full batch's to 2.5e-16; the plain average of the shards' gradients is off by 0.64": the
    plain average's gap recomputed here from shards cut by hand, the all-reduce's at float64 rounding."""
    _, printed, ran = make_lessons
    net, X, y, LOSS = lesson_07_data_parallel.build_network(), lesson_07_data_parallel.X, lesson_07_data_parallel.y, \
        lesson_07_data_parallel.LOSS
    full = net.loss_and_gradients(X, y, LOSS)[1]
    per_shard = [net.loss_and_gradients(X[a:b], y[a:b], LOSS)[1] for a, b in ((0, 3), (3, 6), (6, 9), (9, 10))]
    plain_gap = max(np.max(np.abs(sum(shard[i] for shard in per_shard) / 4 - f)) / np.max(np.abs(f))
                    for i, f in enumerate(full))
    (line,) = [line for line in printed.splitlines() if line.startswith("7. ")]
    assert line == f"7. {ran['lesson_07_data_parallel'].summary}"
    stated = re.fullmatch(r"7\. data parallelism: 10 rows on 4 replicas \(3, 3, 3, 1 rows\): the all-reduce sum of "
                          r"\(m_k/m\) x shard gradient matches the full batch's to (\d\.\de-\d\d); the plain average "
                          r"of the shards' gradients is off by (\d\.\d\d)", line)
    assert stated, line
    assert float(stated[1]) < 1e-14
    assert stated[2] == f"{plain_gap:.2f}"


def test_every_picture_has_a_text_description_of_its_titles_and_legends(ran):
    """A notebook shows each picture with pictures.describe(fig) as its alt text, for a screen reader."""
    assert ran
    for lesson in ran.values():
        assert lesson.figures.keys() == lesson.pngs.keys(), f"{lesson.lesson}: a picture without its Figure"
        for name, fig in lesson.figures.items():
            words = pictures.describe(fig)
            expected = [fig.get_suptitle()] + [ax.get_title() for ax in fig.axes] + [
                text.get_text() for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes)] if legend
                for text in legend.get_texts()]
            for part in filter(None, expected):
                lines = part.replace("$", "").replace("\\,", " ").splitlines()         # a title's lines: phrases
                assert ", ".join(" ".join(line.split()) for line in lines) in words, f"{lesson.lesson}/{name}"
            assert "$" not in words
    # a panel title's second line is not run into its first ("w = 0 4 wrong" reads as one number list)
    words = pictures.describe(ran["lesson_01_perceptron"].figures["boundary"])
    assert "start: w = 0, 4 wrong. " in words and "after epoch 1: 2 updates, 3 wrong now" in words, words
    # a legend of the whole figure (lessons 1 and 5: one for their 6 and 5 panels) is read once, not with every panel
    for lesson, name in (("lesson_01_perceptron", "boundary"), ("lesson_05_hidden_layer_xor", "boundary")):
        words = pictures.describe(ran[lesson].figures[name])
        assert words.count("legend: ") == 1 and len(ran[lesson].figures[name].axes) > 1, words



# --- where the pictures go when the lessons start in another folder -------------------------------------
# A notebook's kernel may start in the notebook's own folder (VS Code, ipykernel's "Python 3"), a script in any
# folder: the pictures went to keras_models/course/notebooks/lessons/logs/lessons/png/, or /tmp/logs/..., which
# make tensorboard never shows. The default is the repository's logs/lessons (keras_models/course/folders.py).

REPO = Path(__file__).resolve().parents[1]


def test_make_lessons_default_folder_is_the_repositorys_wherever_it_starts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Path(lessons.DEFAULT_LOGDIR).resolve() == REPO / "logs" / "lessons"


def test_a_lesson_run_alone_from_another_folder_draws_into_the_repositorys_logs(tmp_path, monkeypatch):
    drawn_into = []

    def save_png(fig, out_dir, filename):              # records the folder; writes nothing
        drawn_into.append(Path(out_dir).resolve())
        return Path(out_dir) / filename

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(pictures, "save_png", save_png)
    monkeypatch.delitem(sys.modules, "keras_models.course.lessons.lesson_03_activations", raising=False)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        runpy.run_module("keras_models.course.lessons.lesson_03_activations", run_name="__main__")
    assert drawn_into == [REPO / "logs" / "lessons" / "png"]
    assert list(tmp_path.iterdir()) == []
    # and it says where, as a path the learner can open from here: the line used to be the summary alone
    png = REPO / "logs" / "lessons" / "png" / "lesson_03_activations_functions.png"
    assert printed.getvalue().splitlines()[1:] == [f"   wrote {png}"], printed.getvalue()


@pytest.mark.parametrize("lesson", lessons.LESSONS)
def test_no_lesson_names_a_folder_relative_to_where_it_runs(lesson):
    source = (REPO / "keras_models" / "course" / "lessons" / f"{lesson}.py").read_text(encoding="utf-8")
    assert 'Path("logs' not in source and "Path('logs" not in source


def test_a_written_to_line_names_the_folder_as_the_learner_can_open_it(tmp_path, monkeypatch):
    from keras_models.course.folders import shown

    monkeypatch.chdir(REPO)
    assert shown(REPO / "logs" / "lessons" / "png") == "logs/lessons/png"      # as make lessons has always printed
    monkeypatch.chdir(tmp_path)
    assert shown(REPO / "logs" / "lessons" / "png") == str(REPO / "logs" / "lessons" / "png")
    assert shown("mine/png") == "mine/png"                                    # typed here: as typed


def test_a_written_to_line_names_the_folder_in_full_when_the_current_folder_was_removed(tmp_path, monkeypatch):
    """A terminal left in a folder since removed (make clean, rm -r): there is no current folder to be relative to,
    and the default of --logdir (make lessons, the course scripts, make tensorboard) is worked out before any
    option is read, so a traceback there came before even --help."""
    from keras_models.course.folders import shown
    from keras_models.train import runs

    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert shown(REPO / "logs" / "lessons" / "png") == str(REPO / "logs" / "lessons" / "png")
    assert runs.from_here(REPO / "logs") == str(REPO / "logs")          # make train's run folders: the same helper


def test_a_make_hint_keeps_a_full_logdir_as_typed_and_a_relative_one_from_where_it_was_typed(tmp_path, monkeypatch):
    """`make tensorboard LOGDIR=...`, the hint make lessons prints: make runs in the repository's folder, so a folder
    typed relative elsewhere is said in full there; a full path is the learner's own words and is kept as typed,
    also when it lies inside the repository (it was said as logs/mine, which they never typed)."""
    from keras_models.twins.repository import for_make

    typed = str(REPO / "logs" / "mine")
    assert for_make(typed) == typed
    monkeypatch.chdir(REPO)
    assert for_make("logs/mine") == "logs/mine"
    monkeypatch.chdir(tmp_path)
    assert for_make("mine") == str(tmp_path / "mine")


def test_a_picture_named_other_than_png_is_refused_by_its_name_and_nothing_is_written(tmp_path):
    """save_png writes PNG bytes whatever the name says: boundary.jpg would be a PNG that viewers open as a JPEG."""
    with pytest.raises(ValueError, match=r"^filename must end in \.png, got 'boundary\.jpg'$"):
        pictures.save_png(pictures.new_figure(1, 1), tmp_path / "png", "boundary.jpg")
    assert list(tmp_path.iterdir()) == []


# --- the numbers the lessons' prose explains: read from the prose, computed here ---------------------------

def test_lessons_1_and_2_explain_their_perceptrons_final_lines_with_the_numbers_they_end_on(ran):
    fitted = ran["lesson_01_perceptron"].perceptron
    prose = prose_of(lesson_01_perceptron)
    w2, b = re.search(r"The final w = \[0, (\S+)\], b = (\S+) is the line", prose).groups()
    assert (fitted.weights[0], fitted.weights[1], fitted.bias) == (0.0, pytest.approx(float(w2)), float(b))
    (level,) = re.search(r"i\.e\. x_2 = 1/\S+ = (\S+): a horizontal line", prose).groups()
    assert -fitted.bias / fitted.weights[1] == pytest.approx(float(level), abs=0.005)
    above = lesson_01_perceptron.X[:, 1] > -fitted.bias / fitted.weights[1]
    np.testing.assert_array_equal(above, lesson_01_perceptron.y == 1)            # class 1 above, class 0 below
    wrong_after = [int(((lesson_01_perceptron.X @ w + b > 0).astype(int) != lesson_01_perceptron.y).sum())
                   for w, b in fitted.history_]
    assert "The line is already right after epoch 4 (0 wrong now)" in prose
    assert wrong_after[4] == 0 < wrong_after[3] and fitted.errors_per_epoch[3] > 0

    xor = ran["lesson_02_xor_limit"].perceptron
    prose = prose_of(lesson_02_xor_limit)
    w1, w2, b = re.search(r"After epoch 1 the line is w = \[(\S+), (\S+)\], b = (\S+)\. Then", prose).groups()
    for w, bias in xor.history_[1:]:                                   # the same line after every epoch from 1
        np.testing.assert_array_equal(w, [float(w1), float(w2)])
        assert bias == float(b.rstrip("."))
    z = lesson_02_xor_limit.X @ xor.weights + xor.bias                   # (4,)
    assert "predicts 0 everywhere in the square" in prose and (z <= 0).all()


def test_lesson_4_explains_where_the_tutorials_run_stops(ran):
    slow = ran["lesson_04_gradient_descent"].tutorial[4.0]
    prose = prose_of(lesson_04_gradient_descent)
    steps, last = re.search(r'"stops at 2\.0000 after (\d+) steps".* the last x is (\d\.\d+)\.', prose).groups()
    assert len(slow) - 1 == int(steps)
    assert f"{slow[-1]:.7f}" == last
    assert abs(slow[-1] - slow[-2]) < 1e-6 <= abs(slow[-2] - slow[-3])       # the first step under 1e-6


def test_lesson_5_explains_its_printed_probabilities_and_loss(ran):
    lesson = ran["lesson_05_hidden_layer_xor"]
    p = lesson.network.forward(lesson_05_hidden_layer_xor.X)[:, 0]             # (4,)
    prose = prose_of(lesson_05_hidden_layer_xor)
    (last,) = re.search(r'the last "0\.0" is about (\S+), not exactly 0', prose).groups()
    assert np.round(p[-1], 3) == 0.0 and p[-1] == pytest.approx(float(last), rel=0.2)
    loss, mean = re.search(r"The loss (\S+) is the binary cross-entropy .*\(e\^-\S+ = (\S+): their geometric mean\)",
                           prose).groups()
    assert f"{lesson.history.history['loss'][-1]:.4f}" == loss
    assert math.exp(-float(loss)) == pytest.approx(float(mean), abs=5e-4)


def test_lesson_6_names_the_epochs_its_curves_turn_at(ran):
    curve = ran["lesson_06_regularisation"].curves["no regularisation"]
    prose = prose_of(lesson_06_regularisation)
    (lowest,) = re.search(r"validation loss is lowest after epoch (\d+) and rises", prose).groups()
    assert int(np.argmin(curve.validation)) + 1 == int(lowest)
    (jump,) = re.search(r"after epoch (\d+) it jumps up and falls again", prose).groups()
    rises = [epoch + 1 for epoch in range(1, len(curve.train)) if curve.train[epoch] > curve.train[epoch - 1]]
    assert rises == [int(jump)]                                          # the one epoch whose training loss rose


def test_lesson_7_explains_the_plain_averages_gap_with_empty_shards(ran):
    by_shards = ran["lesson_07_data_parallel"].gaps_by_shards
    prose = prose_of(lesson_07_data_parallel)
    stated = re.search(r"off by exactly 1 - 5/N \(([^)]*)\)", prose).group(1).split(", ")
    for n, words in zip(range(6, 10), stated, strict=True):
        assert [part.stop - part.start for part in shard_slices(10, n)].count(0) == n - 5
        assert by_shards[n][1] == pytest.approx(1 - 5 / n, rel=1e-12)
        assert f"{1 - 5 / n:.2f}" == words
