"""The Keras twins: the same networks as `scratch`, in Keras, weight for weight, and the course's models.

    bridge.py        to_keras / from_keras, and the Keras loss of a scratch one
    optimizer_bridge.py  the Keras optimizer and schedule of a scratch one, and back
    masks.py         RecordingDropout: Keras' dropout masks recorded, for scratch to replay
    pipeline.py      the cached tf.data batches and steps_per_execution that make Keras' fit fast
    reproducible.py  op determinism for one block of code, then the process as it was
    data_parallel.py DataParallelSequential: the full batch's gradient however tf.distribute splits the batch
    models.py        the course's Keras models, one per task (the head from data/tasks.py)
    metric_inputs.py y_true and y_pred as every metric takes them: one 2-D shape (m, k), finite
    regression_metrics.py  test-split MAE, RMSE and explained variance
    classification_report.py  decisions from probabilities, a classification report, a confusion matrix
    loss_curves.py   fit()'s History as a DataFrame and a PNG of the train and validation curves
    tf_chatter.py    TensorFlow's C++ start-up lines filtered out of stderr, for every program make runs
    chatter_filter.py  the filter process tf_chatter.py starts: a Python of its own, never a fork
    interrupts.py    Ctrl-C in Keras' fit or in TensorFlow's summaries: raised after, from our code
    leave_at_once.py Ctrl-C while a program starts (its imports): one line and exit status 130
    terminated.py    SIGTERM (timeout, kill) stops a program as Ctrl-C does: its clean-up runs, exit status 143
    closed_output.py an output pipe closed while a program prints (`make train | head`): one line
    output_encoding.py  a character the output's encoding cannot show: its escape, not a UnicodeEncodeError
    one_line_parser.py  argparse, a mistake in one line with the command that lists the options (every program)
    ports.py         a server's port read and tried before it starts (make tensorboard, make lab, workers)
    counted.py       a number of things in words: "1 core", "2 cores"
    cores.py         the CPU cores this process may run on (make grade's and make mutants' JOBS, make bench's threads)
    unexpanded_home.py  a folder given as ~/... that the shell did not expand (LOGDIR=, DEST=, SUBMISSIONS=): one line
    repository.py    the repository's folder; a path shown from here, from it, or for a hint's make command
    git_files.py     git run on the repository, and the files it tracks (make release's and make mutants' copies)
    clocks.py        a time stamp after now (FUTURE_GRACE): a run's start, a learner's file saved
    first_free.py    a name from the second a run started, _2, _3 ... if taken (make train's runs, make bench's reports)
    alone.py         one command at a time in a folder: the kernel's flock (make grade, make lab, the course runs)

Builds on `scratch` and `data`; the run machinery (`keras_models.train`), the course
(`keras_models.course`) and the bench (`keras_models.bench`) build on it.
"""
