"""Real data sets shipped as CSV files in data/, loaded offline and checked against their SHA-256.

    from data import load_breast_cancer, load_digits, load_diamonds, load_housing
    from data import digit_attributes, prepare, Prepared, verify_checksum
    from data import TASKS, get_task            # the task table (data/tasks.py): every fact of a task

Provenance, licences, sizes and checksums: data/README.md.
"""

from data.checksums import (
    DATA_DIR,
    DATA_FILE_ERRORS,
    SHA256,
    ChecksumError,
    MissingDataFile,
    UnreadableDataFile,
    verify_checksum,
)
from data.encoding import Standardiser
from data.loaders import (
                          DIAMOND_GRADES,
                          DIGIT_ATTRIBUTES,
                          digit_attributes,
                          load_breast_cancer,
                          load_diamonds,
                          load_digits,
                          load_housing,
)
from data.prepare import MaxRowsError, Prepared, prepare
from data.splits import split_rows
from data.tasks import (
    TASK_TABLE,
    TASKS,
    Defaults,
    Task,
    TaskData,
    TaskTableError,
    check_data_files,
    checked_settings,
    get_task,
)

__all__ = [
    "ChecksumError", "DATA_DIR", "DATA_FILE_ERRORS", "DIAMOND_GRADES", "DIGIT_ATTRIBUTES", "SHA256", "TASKS",
    "TASK_TABLE", "Defaults", "MaxRowsError", "MissingDataFile", "Prepared", "Standardiser", "Task", "TaskData",
    "TaskTableError", "UnreadableDataFile", "check_data_files", "checked_settings", "get_task",
    "digit_attributes", "load_breast_cancer", "load_diamonds", "load_digits", "load_housing",
    "prepare", "split_rows", "verify_checksum",
]
