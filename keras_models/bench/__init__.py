"""`make bench`: how fast the scratch network trains, next to Keras and next to the bare matrix products.

    numpy_runs.py   the shapes, the floor (the epoch's matmuls alone) and the scratch runs -- NumPy only
    keras_runs.py   Keras' fit configured four ways, and the interleaved measurement
    processes.py    peak memory and wall time of whole programs (make train, make test)
    report.py       the rows, the goals and the reports in logs/bench/
    __main__.py     make bench's entry: TensorFlow's start-up chatter filtered, then run.py's main
    run.py          the command line and the order of it all

Builds on the Keras twins (`keras_models.twins`) and `scratch`; it times make train's Keras pipeline
(`keras_models.twins.pipeline`) without importing make train itself.
"""
