"""The lessons' PNG files as TensorBoard images, shown in its IMAGES tab.

`write_to_tensorboard` reads the PNG files (pictures.py's `save_png` wrote them) back,
decodes them (`tf.io.decode_png`, shape (height, width, channels)) and logs each one with
`tf.summary.image` under its tag, e.g. "lesson_01_perceptron/boundary", with the same alt text as its
description (shown under the image's tag in TensorBoard, stored in the event file). TensorFlow is imported
in `write_to_tensorboard`, and only there: importing this module does not pay for it (and a lesson run on its
own never imports it: only `make lessons` writes TensorBoard images).
"""

from __future__ import annotations

import os
from pathlib import Path


def write_to_tensorboard(logdir: str | Path, images: dict[str, Path], step: int = 0,
                         descriptions: dict[str, str] | None = None) -> Path:
    """Log each PNG as a TensorBoard image under its tag, in one run at `logdir`; returns logdir.

    descriptions maps a tag to the picture in words (LessonResult.descriptions), logged as the image's
    description: its alt text for a reader who cannot see it.

    Event files left in `logdir` by an earlier run of the lessons are removed first, so the run
    holds this invocation's pictures only (nothing else in the directory is touched).
    """
    if not images:
        raise ValueError("write_to_tensorboard needs at least one image")
    for tag, path in images.items():
        if not Path(path).is_file():
            raise ValueError(f"image {tag!r}: no PNG file at {path}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")    # its INFO, WARNING logs (start-up chatter: tf_chatter.py)
    import tensorflow as tf  # here only: the one place the lessons need it

    logdir = Path(logdir)
    logdir.mkdir(parents=True, exist_ok=True)
    for old in logdir.glob("events.out.tfevents.*"):
        old.unlink()
    writer = tf.summary.create_file_writer(str(logdir))
    with writer.as_default():
        for tag, path in images.items():
            pixels = tf.io.decode_png(Path(path).read_bytes())          # (height, width, 4) uint8, RGBA
            tf.summary.image(tag, pixels[tf.newaxis], step=step,      # (1, height, width, 4): a batch of one
                             description=(descriptions or {}).get(tag))
    writer.close()
    return logdir
