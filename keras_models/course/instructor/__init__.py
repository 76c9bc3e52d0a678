"""The instructor's kit: a learner copy of the course, a class graded at once, GitHub Classroom.

    release.py          `make release DEST=dir`: the learner copy (every solution line removed, notebooks,
                        graders, data, Makefile); `WITH_SOLUTIONS=1`: the instructor's copy
    grade_class.py      `make grade SUBMISSIONS=dir`: one sub-folder per learner -> dir/grades.csv and a table
    learner_files.py    a learner's file for an exercise, read before any submission runs; when there is none,
                        what lies there instead (a file one folder too deep or named nearly right, an archive)
    learner_folders.py  the learners' folders in dir (Moodle's download in folders too), the entries skipped, and
                        a folder laid out otherwise (Canvas' files side by side, a class's zip) refused in one line
    grade_table.py      the table printed: a row per learner, a column per exercise, then why each 0
    meddling.py         what a submission changed while the class was graded: the project's code and data
                        (hashed before and after; then no grades are written) and the submissions folder
    sandbox.py          how each submission is graded: its own process, a copy, a time limit
    progress.py         dir/grades_progress.json: what a stopped make grade had graded, for the same make grade
                        again to grade only the learners not yet done
    gradebook.py        dir/grades.csv and grades_reasons.csv: written whole, each column's header saying what it
                        is out of ("ex03 (/10)"); ONLY= keeps the other exercises' grades, rescaled when their
                        points changed since
    classroom.py        .github/classroom/autograding.json: one GitHub Classroom test per exercise

What each exercise is worth is declared once, in `keras_models.course.exercises.graders.EXERCISES`.
"""
