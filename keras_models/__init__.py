"""The TensorFlow / Keras side of the project, in four rooms. Each builds on `scratch` (the math, NumPy
only) and `data` (the data sets and the task table); `scratch` imports none of them.

    twins/    the Keras twins: the same network in Keras, weight for weight; the course's models
    train/    `make train`: scratch and its twin trained side by side into TensorBoard   (-> twins)
    course/   lessons, the course's scripts on real data, graded exercises              (-> twins)
    bench/    `make bench`: scratch against Keras and the matmul floor                  (-> twins)

The arrows are the only imports between rooms: train, course and bench each use twins, and none of
them uses another (a test checks it).
"""
