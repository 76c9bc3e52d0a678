"""Pictures for the lessons: a matplotlib figure saved as a PNG file.

The lessons draw on a bare `matplotlib.figure.Figure` rendered by the Agg backend (set explicitly in
`save_png`): it writes files and never opens a window, so it runs on a machine without a display,
and it keeps no global pyplot state (no "too many open figures" warning after many lessons).

A figure is saved at its own size, figsize (inches) x DPI pixels -- no "tight" cropping -- so every
picture has a known width and height. Run in a Jupyter notebook (`make notebooks`), `save_png` also
shows the PNG it wrote, inline below the cell (an image/png output), with the figure in words as its
alt text (`describe`: the title, each panel's title and legend) for a reader who cannot see it; as a
script it only writes it.

The same pictures go to TensorBoard as images: tensorboard_images.py.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from keras_models.course.folders import shown
from scratch.atomic_write import atomic_path

DPI = 100                       # pixels per inch: a 9 x 3 inch figure is a 900 x 300 PNG

# Colours shared by the lessons: class 1 is blue "+", class 0 is red "-", as in the tutorial's plots.
BLUE, RED = "tab:blue", "tab:red"
LIGHT_BLUE, LIGHT_RED = "#dce9f5", "#f8dede"


@dataclass
class LessonResult:
    """What every lesson hands back: its one-line key fact and its pictures.

    pngs maps a picture name ("boundary") to the PNG file; the TensorBoard tag is "<lesson>/<name>".
    figures maps the same names to the matplotlib Figures drawn, so what a picture shows can be read
    back (its lines' data, titles, labels) without decoding the PNG.
    Each lesson subclasses this to add what it computed (the fitted perceptron, the history, ...).
    """

    lesson: str                                  # module name, e.g. "lesson_01_perceptron"
    summary: str                                 # the key fact, one line
    pngs: dict[str, Path] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict, kw_only=True, repr=False)

    def tags(self) -> dict[str, Path]:
        """{"lesson_01_perceptron/boundary": Path(...png), ...} for TensorBoard."""
        return {f"{self.lesson}/{name}": path for name, path in self.pngs.items()}

    def printout(self) -> str:
        """What a lesson run alone prints: its key fact, then its PNG files as the learner can open them from where
        they are (course/folders.py: logs/lessons/png/... in the repository's folder, in full elsewhere)."""
        return f"{self.summary}\n   wrote {', '.join(shown(path) for path in self.pngs.values())}"

    def descriptions(self) -> dict[str, str]:
        """The same tags -> each picture in words (`describe` of its Figure): its alt text in TensorBoard."""
        return {f"{self.lesson}/{name}": describe(self.figures[name]) for name in self.pngs}


def new_figure(width: float, height: float) -> Figure:
    """A blank figure of width x height inches (width * DPI x height * DPI pixels), laid out for us."""
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def save_png(fig: Figure, out_dir: str | Path, filename: str) -> Path:
    """Render `fig` with Agg and write it to out_dir/filename (created if missing), whole or not at all (a full
    disk left a PNG of 0 bytes that the next lesson's picture did not replace); returns the path."""
    if not filename.endswith(".png"):
        raise ValueError(f"filename must end in .png, got {filename!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / filename
    FigureCanvasAgg(fig)                          # the Agg backend, chosen explicitly: files only
    with atomic_path(path) as written:            # a full disk: an OSError naming `path`, and no file
        fig.savefig(written, dpi=DPI, format="png")   # the figure's own size: no bbox_inches="tight"
    show_in_notebook(path, describe(fig))
    return path


def describe(fig: Figure) -> str:
    """The figure in words, read from the figure itself: its title, then each panel's title and legend entries.

    This is the picture's alt text in a notebook and its description in TensorBoard, what a screen reader says
    instead of showing it. A title's lines are read as phrases: "start: w = 0" over "4 wrong" is read "start: w = 0,
    4 wrong", not "w = 0 4 wrong".
    """
    words = [fig.get_suptitle()]
    for ax in fig.axes:
        legend = ax.get_legend() or (fig.legends[0] if fig.legends and ax is fig.axes[0] else None)
        entries = [text.get_text() for text in legend.get_texts()] if legend is not None else []
        words += [ax.get_title(), f"legend: {'; '.join(entries)}" if entries else ""]
    words = [part.replace("$", "").replace("\\,", " ") for part in words]     # TeX: $x_0$ is read as x_0
    words = [", ".join(line.strip() for line in part.splitlines() if line.strip()) for part in words]  # lines: phrases
    return ". ".join(" ".join(part.split()) for part in words if part.strip())


def show_in_notebook(png: Path, alt: str) -> None:
    """Display the PNG file inline, with `alt` as its alt text, when running in a Jupyter kernel; do nothing
    in a plain script."""
    ipython = sys.modules.get("IPython")                    # loaded by every Jupyter kernel, never by us
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        from IPython.display import Image, display

        display(Image(filename=str(png), alt=alt))       # the alt text goes in the output's metadata
