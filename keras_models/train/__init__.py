"""`make train`: every task trained twice, from scratch and in Keras, from the same start, side by side.

    make train [TASKS=regression,binary,...] [EPOCHS=N] [LR=R] [DEVICES=N] [LOGDIR=DIR] [QUIET=1] [RESUME=1]
    .venv/bin/python -m keras_models.train [--tasks ...] [--epochs N] [--learning-rate R] [--devices N]
                                           [--logdir DIR] [--quiet] [--resume]

The run machinery, in reading order:

    __main__.py     the command line, checked before TensorFlow loads
    options.py      what can be asked: tasks (the task table, data/tasks.py), epochs, learning rate, devices, logdir
    devices.py      DEVICES=N: the Keras side data-parallel under tf.distribute.MirroredStrategy on N devices
    sides.py        one task: the scratch Network and its Keras twin from the same weights, each fitted
    run.py          a whole run: the run directory, every task in turn, the summary (`train`, `main`)
    board.py        the scratch side's TensorBoard writer: Keras' tags and steps, plus a look inside
    event_files.py  the event files put right on --resume: epochs logged after the checkpoint dropped, damage refused
    progress.py     the per-epoch lines, printed while each side trains
    summary.py      the summary table at the end, and the TensorBoard links after it
    checkpoints.py  both sides saved every epoch, and restored on --resume
    runs.py         run directories and their run.json status
    run_lock.py     the run lock: who is writing a run now; what make clean waits for, what RESUME=1 picks
    watchdog.py     the Keras side's divergence check (the rule of scratch/divergence.py, once per epoch)
    board_server.py `make tensorboard`: the port and log directory checked, then the real TensorBoard server

This package builds on the Keras twins (`keras_models.twins`) and on `scratch`; nothing outside it
imports it, except the tests. Importing it is cheap: TensorFlow loads with `sides`/`run`.
"""
