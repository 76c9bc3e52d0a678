"""The course's Keras half as runnable scripts, one per task, each read top to bottom:

    regression_diamonds.py            regression: diamond prices (linear output, MSE, MAE)
    classification_breast_cancer.py   binary classification: malignant or benign (one sigmoid)
    multiclass_digits.py              multi-class: which digit (softmax over 10)
    multilabel_digits.py              multi-label: even / greater than 4 / prime (three sigmoids)
    workflow.py                       what all four do alike: seed, fit with EarlyStopping and
                                      TensorBoard, plot the curves, save and reload, the command line

Each one prepares the data, builds the model (keras_models/twins/models.py), fits it, evaluates it on
the TEST split (keras_models/twins/regression_metrics.py or classification_report.py), saves it as
`.keras`, reloads it, and predicts one new example after the same scaling as the training data.
Settings come from the task table (data/tasks.py, `task.course`).

    make course                                                   # all four, into logs/course/
    .venv/bin/python -m keras_models.course.real_data.regression_diamonds --epochs 5 --max-rows 2000
"""
