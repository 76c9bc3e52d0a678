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
import io
import math
import struct

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from data import prepare
from keras_models.course import lessons
from keras_models.course.lessons import (
    lesson_01_perceptron,
    lesson_02_xor_limit,
    lesson_03_activations,
    lesson_04_gradient_descent,
    lesson_05_hidden_layer_xor,
    main,
    pictures,
)

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
    logdir, _, _ = make_lessons
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


def test_make_lessons_prints_each_lessons_key_fact_and_how_to_view_the_images(make_lessons):
    logdir, printed, _ = make_lessons
    lines = printed.splitlines()
    for number, fact in enumerate(["perceptron converged in 5 epochs", "XOR: perceptron not converged",
                                   "sigmoid saturates", "gradient descent:", "100% on XOR",
                                   "regularisation: validation - training loss"], start=1):
        assert any(line.startswith(f"{number}. ") and fact in line for line in lines), f"lesson {number}: {fact!r}"
    assert f"make tensorboard LOGDIR='{logdir}'" in printed


def test_the_pictures_of_an_earlier_make_lessons_are_replaced_in_tensorboard_and_nothing_else_is_touched(
        make_lessons, tmp_path):
    """Left in place, an earlier run's event file would show every picture twice in TensorBoard's IMAGES tab."""
    logdir, _, _ = make_lessons
    earlier = tmp_path / "events.out.tfevents.1700000000.earlier.1.v2"
    earlier.write_bytes(b"")
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    pictures.write_to_tensorboard(tmp_path, {"lesson_01_perceptron/boundary":
                                             logdir / "png" / "lesson_01_perceptron_boundary.png"})
    (written,) = tmp_path.glob("events.out.tfevents.*")
    assert written != earlier
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


# --- the lessons' facts, from what each lesson function returns -----------------------------------

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


def test_perceptron_lesson_titles_each_panel_with_its_updates_and_the_points_its_line_gets_wrong(tmp_path,
                                                                                                monkeypatch):
    figures = []
    save_png = lesson_01_perceptron.save_png
    monkeypatch.setattr(lesson_01_perceptron, "save_png",
                        lambda fig, *args: figures.append(fig) or save_png(fig, *args))   # keep the figure
    p = lesson_01_perceptron.run(tmp_path).perceptron
    # counted here: a point is predicted 1 when w . x + b > 0 (a tie is 0), so w = 0 gets the four 1s wrong
    X, y = lesson_01_perceptron.X, lesson_01_perceptron.y
    wrong = [int(np.sum((X @ w + b > 0).astype(int) != y)) for w, b in p.history_]
    assert wrong[0] == 4 and wrong[-1] == 0
    titles = [ax.get_title() for ax in figures[0].axes]
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
    X, y = lesson_02_xor_limit.X, lesson_02_xor_limit.y
    wrong = int(np.sum((X @ p.weights + p.bias > 0).astype(int) != y))
    assert lesson.summary == (f"XOR: perceptron not converged after 100 epochs, still 4 mistakes in the last epoch "
                              f"and {wrong} of 4 points wrong")


def test_activations_lesson_finds_the_closed_form_saturation_points(ran):
    lesson = ran["lesson_03_activations"]
    # sigmoid' = s (1 - s) = 0.05  at s = (1 + sqrt(0.8)) / 2;  tanh' = 1 - t^2 = 0.05  at t = sqrt(0.95)
    s = (1 + math.sqrt(0.8)) / 2
    closed_form = {"sigmoid": math.log(s / (1 - s)), "tanh": math.atanh(math.sqrt(0.95))}
    spacing = lesson_03_activations.z[1] - lesson_03_activations.z[0]
    for name, z_sat in closed_form.items():
        assert abs(lesson.saturation[name] - z_sat) <= spacing, f"{name}: {lesson.saturation[name]} vs {z_sat}"


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
    assert (f"and stops at 2.0000 after {tutorial_steps} steps; eta = 1.0 bounces [4.0, 0.0, 4.0, 0.0]...; "
            f"eta = 1.05 is {2 * 1.1 ** steps:.1f} from the minimum after {steps} steps") in lesson.summary


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
    assert gap["Dropout"] < 0.5 * gap["no regularisation"]
    assert gap["L2"] < 0.5 * gap["no regularisation"]
    # ... and is not bought by failing to learn: validation loss no worse than without regularisation
    assert max(final["Dropout", "validation"], final["L2", "validation"]) < final["no regularisation", "validation"]
    # what it states: the gaps recomputed above
    assert lesson.summary == ("regularisation: validation - training loss after 30 epochs on breast cancer: "
                              + ", ".join(f"{variant} {gap[variant]:.3f}" for variant in lesson.networks))
