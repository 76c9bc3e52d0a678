"""A port for a server the project starts -- TensorBoard (`make tensorboard`), JupyterLab (`make lab`), a worker's
gRPC server (`keras_models/course/multi_worker.py`) -- read and tried before the server starts, so that a mistake
is one line naming the port and the reason, not the server's own error (which names neither) or a silent wait.

    port = read_port(text, "PORT")                     # "6006" -> 6006, or a ValueError naming PORT and the text
    reason = why_taken(port)                           # None, or the OSError a server would meet on 127.0.0.1
    reason = why_taken(port, host="")                  # on every interface, as TensorFlow's gRPC server listens
"""

from __future__ import annotations

import socket

MAX_PORT = 65535


def read_port(text: str, name: str, lowest: int = 1) -> int:
    """The port `text` names, a whole number from `lowest` to 65535 (0: the system picks a free one), or a
    ValueError naming `name` (the make variable or setting it came from) and the text."""
    if not text.strip().isdecimal() or not lowest <= int(text) <= MAX_PORT:      # isdigit takes "²", int refuses it
        raise ValueError(f"{name} must be a whole number from {lowest} to {MAX_PORT}, got {text!r}")
    return int(text)


def why_taken(port: int, host: str = "127.0.0.1") -> OSError | None:
    """The error a server would meet listening on `port` at `host` ("" for every interface), or None if it can.

    It binds and listens, as a server does, with SO_REUSEADDR, as servers set it: a closed connection still in
    TIME_WAIT is no obstacle. (With SO_REUSEADDR a bind alone once passed on a port a gRPC server then could not
    use; the listen is there for that.) The port is free again when this returns: another program may still take
    it before the server does, and the server's own error is then the one shown."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
            probe.listen()
        except OSError as exc:
            return exc
    return None
