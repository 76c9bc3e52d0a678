"""`import scratch` must never load TensorFlow or Keras: the scratch side is NumPy alone."""

import subprocess
import sys


def test_importing_scratch_loads_no_tensorflow_or_keras():
    code = (
        "import sys, scratch, scratch.activations, scratch.losses, scratch.layers, scratch.network, "
        "scratch.gradcheck, scratch.optimizers, scratch.perceptron, scratch.gradient_descent, scratch.training\n"
        "from scratch import Network, Dense, activations, losses, optimizers\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tensorboard'))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
