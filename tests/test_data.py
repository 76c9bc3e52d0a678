"""The shipped data sets: loaders, checksums, digit attributes, and prepare()'s splits and scaling.

References are independent of data/: scikit-learn's own bundled copies of the breast-cancer and
digits data, hashlib on the raw bytes, the ranges printed in the R documentation of diamonds,
pandas' own mean/std, and tables written out by hand. Tests only read data/; altered or missing
files are made under tmp_path.
"""

import dataclasses
import hashlib
import re
import shutil

import numpy as np
import pandas as pd
import pytest
import sklearn.datasets
from conftest import lose_committed, restore_as_advised, zipped

from data import (
    DATA_DIR,
    SHA256,
    TASKS,
    Prepared,
    checksums,
    digit_attributes,
    load_breast_cancer,
    load_diamonds,
    load_digits,
    load_housing,
    prepare,
    verify_checksum,
)
from data.encoding import encode_features
from data.splits import split_rows

LOADERS = {
    "breast_cancer.csv": load_breast_cancer,
    "digits.csv": load_digits,
    "diamonds.csv": load_diamonds,
    "housing.csv": load_housing,
}
YES_NO = ["driveway", "recroom", "fullbase", "gashw", "airco", "prefarea"]


# --- the files and their checksums -------------------------------------------------------------

@pytest.mark.parametrize("filename", sorted(SHA256))
def test_shipped_file_bytes_match_recorded_sha256(filename):
    assert hashlib.sha256((DATA_DIR / filename).read_bytes()).hexdigest() == SHA256[filename]


def test_readme_records_the_checksums_the_loaders_check():
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    recorded = {}
    for line in readme.splitlines():
        names = re.findall(r"`(\w+\.csv)`", line)
        digests = re.findall(r"`([0-9a-f]{64})`", line)
        if names and digests:
            recorded[names[0]] = digests[0]
    assert recorded == SHA256


@pytest.mark.parametrize("filename", sorted(LOADERS))
def test_loader_reads_a_verified_copy(filename, tmp_path, monkeypatch):
    copy = tmp_path / filename
    shutil.copyfile(DATA_DIR / filename, copy)
    shipped = LOADERS[filename]()
    monkeypatch.setattr(checksums, "DATA_DIR", tmp_path / "no-data")        # the copy is the only file to read
    from_copy = LOADERS[filename](path=copy)
    if isinstance(shipped, tuple):
        pd.testing.assert_frame_equal(from_copy[0], shipped[0])
        pd.testing.assert_series_equal(from_copy[1], shipped[1])
    else:
        pd.testing.assert_frame_equal(from_copy, shipped)


@pytest.mark.parametrize("filename", sorted(LOADERS))
def test_loader_names_a_missing_file_and_how_to_restore_it(filename, tmp_path):
    missing = tmp_path / filename
    with pytest.raises(FileNotFoundError) as error:
        LOADERS[filename](path=missing)
    assert str(missing) in str(error.value)
    assert f"git checkout HEAD -- data/{filename}" in str(error.value)


@pytest.mark.parametrize("filename", sorted(SHA256))
def test_verify_all_checks_every_shipped_file(filename, tmp_path, monkeypatch):
    """make grade checks every data set before any submission runs (checksums.verify_all): each one missing is named."""
    for other in SHA256.keys() - {filename}:
        (tmp_path / other).symlink_to(DATA_DIR / other)
    monkeypatch.setattr(checksums, "DATA_DIR", tmp_path)
    with pytest.raises(checksums.MissingDataFile) as error:
        checksums.verify_all()
    assert str(error.value) == (f"data file {tmp_path / filename} is missing; restore it with "
                                f"`git checkout HEAD -- data/{filename}`")


@pytest.mark.parametrize("how", ["git rm", "staged damaged"])
def test_the_restore_advice_run_as_given_brings_back_a_data_file_after_git_rm_or_a_staged_change(how, tmp_path):
    """`git checkout data/X` fails after `git rm data/X` ("pathspec ... did not match"), and after damaged bytes are
    staged (`git add -A`, as a learner committing their work does) it brings the damage back: the advice must not."""
    copy = tmp_path / "data" / "breast_cancer.csv"
    shipped = (DATA_DIR / "breast_cancer.csv").read_bytes()
    lose_committed(tmp_path, copy, shipped, how)
    with pytest.raises(checksums.DATA_FILE_ERRORS) as error:
        verify_checksum(copy)
    restore_as_advised(tmp_path, str(error.value), copy, shipped)


def test_a_folder_in_place_of_a_data_file_is_named_as_a_folder_not_as_missing(tmp_path):
    folder = tmp_path / "housing.csv"
    folder.mkdir()
    with pytest.raises(FileNotFoundError) as error:
        verify_checksum(folder)
    assert str(error.value) == (f"data file {folder} is a folder, not the data file: remove it, then restore the "
                                "file with `git checkout HEAD -- data/housing.csv`")


def test_an_unreadable_data_file_is_named_as_a_data_file_error_not_a_bare_permission_error(monkeypatch):
    """chmod 000 (root reads it anyway, so open is made to refuse): make course printed PermissionError's traceback,
    make exercises blamed the learner's load_data, make lessons said the pictures could not be written."""
    import data.checksums

    def refused(path, mode="r"):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(data.checksums, "open", refused, raising=False)      # sha256_of's open, not builtins'
    with pytest.raises(data.checksums.DATA_FILE_ERRORS) as error:
        load_breast_cancer()
    path = DATA_DIR / "breast_cancer.csv"
    assert str(error.value) == (f"data file {path} cannot be read (Permission denied); make it readable "
                                "(`chmod a+r data/breast_cancer.csv`) or restore it with "
                                "`git checkout HEAD -- data/breast_cancer.csv`")


@pytest.mark.parametrize("filename", sorted(LOADERS))
def test_loader_rejects_an_altered_file_with_both_checksums(filename, tmp_path):
    altered = tmp_path / filename
    content = bytearray((DATA_DIR / filename).read_bytes())
    content[-2] = ord("9") if content[-2] != ord("9") else ord("8")   # one digit of the last row
    altered.write_bytes(bytes(content))
    with pytest.raises(ValueError) as error:
        LOADERS[filename](path=altered)
    message = str(error.value)
    assert str(altered) in message and filename in message
    assert SHA256[filename] in message
    assert hashlib.sha256(bytes(content)).hexdigest() in message


SHIPPED_BREAST_CANCER = (DATA_DIR / "breast_cancer.csv").read_bytes()     # 121,388 bytes: a header and 569 rows


def _with_row(line_number: int, row: str) -> bytes:
    """breast_cancer.csv with its line `line_number` (1: the header) replaced by `row`."""
    lines = SHIPPED_BREAST_CANCER.decode().split("\n")
    lines[line_number - 1] = row
    return "\n".join(lines).encode()


def _first_field(line_number: int, value: str) -> bytes:
    fields = SHIPPED_BREAST_CANCER.decode().split("\n")[line_number - 1].split(",")
    return _with_row(line_number, ",".join([value, *fields[1:]]))


def _as_a_spreadsheet_saves_it() -> bytes:
    """Excel in a German locale: a byte-order mark, ';' between fields, ',' as the decimal mark, CRLF."""
    text = SHIPPED_BREAST_CANCER.decode().replace(",", ";").replace(".", ",").replace("\n", "\r\n")
    return b"\xef\xbb\xbf" + text.encode()


# Each damage and the sentence that says what it is, written out by hand from where the damage was made.
DAMAGES = {
    "empty": (lambda: b"", "It is empty (0 bytes; the shipped file has 121,388)."),
    "lfs_pointer": (lambda: b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"a" * 64 + b"\nsize 121388\n",
                    "It holds a git LFS pointer, not the data (the project keeps its data in git itself, not in LFS)."),
    "gzip": (lambda: __import__("gzip").compress(SHIPPED_BREAST_CANCER), "It is gzip-compressed, not CSV text."),
    "zip": (lambda: zipped("breast_cancer.csv", SHIPPED_BREAST_CANCER), "It is a zip archive, not CSV text."),
    "latin1": (lambda: _first_field(2, "caf\xe9").replace("caf\xe9".encode(), b"caf\xe9"),
               "It is not UTF-8 text (byte 0xe9 on line 2)."),
    "spreadsheet": (_as_a_spreadsheet_saves_it,
                    "It starts with a byte-order mark, its lines end in CRLF (Windows line endings) and its fields are "
                    "separated by ';', as a spreadsheet or an editor saves it."),
    "semicolon_typed_in_header": (lambda: SHIPPED_BREAST_CANCER.replace(b",", b";", 1),   # the header's first ','
                                  "Line 2 has 31 fields, the header 30."),     # one ';' among its ',': no spreadsheet
    "crlf": (lambda: SHIPPED_BREAST_CANCER.replace(b"\n", b"\r\n"),
             "Its lines end in CRLF (Windows line endings), as a spreadsheet or an editor saves it."),
    "bom_and_crlf": (lambda: b"\xef\xbb\xbf" + SHIPPED_BREAST_CANCER.replace(b"\n", b"\r\n"),   # Notepad's "UTF-8 BOM"
                     "It starts with a byte-order mark and its lines end in CRLF (Windows line endings), as a "
                     "spreadsheet or an editor saves it."),
    "cut_mid_row": (lambda: SHIPPED_BREAST_CANCER[:60_700],
                    "It stops in the middle of line 285, without a newline: it was cut short (60,700 of 121,388 "
                    "bytes)."),
    "cr": (lambda: SHIPPED_BREAST_CANCER.replace(b"\n", b"\r"),
           "Its lines end in CR (old Mac line endings), as a spreadsheet or an editor saves it."),
    "no_final_newline": (lambda: SHIPPED_BREAST_CANCER[:-1],
                         "Its last line, 570, has no newline at its end (121,387 of 121,388 bytes)."),
    "digit_typed_and_final_newline_dropped": (   # 17.99 -> 17.990 in an editor that drops the last newline: the size
        lambda: _with_row(2, "17.990" + SHIPPED_BREAST_CANCER.decode().split("\n")[1][len("17.99"):])[:-1],  # is kept
        "Its last line, 570, has no newline at its end (121,388 of 121,388 bytes)."),            # so nothing was added
    "final_newline_typed_over_by_a_comma": (lambda: SHIPPED_BREAST_CANCER[:-1] + b",",     # the shipped size, not cut
                                            "Its last line, 570, has no newline at its end (121,388 of 121,388 bytes). "
                                            "Line 570 has 32 fields, the header 31."),
    "cut_in_last_field": (lambda: SHIPPED_BREAST_CANCER[:-2],       # "...,B\n" loses "B\n": 31 fields, one empty
                          "It stops in the middle of line 570, without a newline: it was cut short (121,386 of "
                          "121,388 bytes)."),
    "partial_row_appended": (lambda: SHIPPED_BREAST_CANCER + b"17.99,10.38",     # 11 bytes: the start of a row
                             "Its last line, 571, has no newline at its end, and the file is 11 bytes longer than the "
                             "shipped one (121,399 bytes, the shipped file has 121,388): something was added, such as "
                             "a row appended at its end."),
    "one_byte_appended": (lambda: SHIPPED_BREAST_CANCER + b"x",                  # a key pressed after the end
                          "Its last line, 571, has no newline at its end, and the file is 1 byte longer than the "
                          "shipped one (121,389 bytes, the shipped file has 121,388): something was added, such as a "
                          "row appended at its end."),
    "row_appended_without_newline": (lambda: SHIPPED_BREAST_CANCER + SHIPPED_BREAST_CANCER.split(b"\n")[1],  # 211 bytes
                                     "Its last line, 571, has no newline at its end, and the file is 211 bytes longer "
                                     "than the shipped one (121,599 bytes, the shipped file has 121,388): something "
                                     "was added, such as a row appended at its end."),
    "cut_at_a_line_break": (lambda: b"".join(SHIPPED_BREAST_CANCER.splitlines(keepends=True)[:100]),   # head -n 100
                            "It has 100 whole lines, 470 fewer than the shipped file's 570: rows are missing (it was "
                            "cut short, or rows were deleted)."),
    "row_deleted": (lambda: b"".join(SHIPPED_BREAST_CANCER.splitlines(keepends=True)[:299]
                                     + SHIPPED_BREAST_CANCER.splitlines(keepends=True)[300:]),
                    "It has 569 whole lines, 1 fewer than the shipped file's 570: rows are missing (it was cut "
                    "short, or rows were deleted)."),
    "row_appended": (lambda: SHIPPED_BREAST_CANCER + SHIPPED_BREAST_CANCER.split(b"\n")[1] + b"\n",   # row 1 twice
                     "It has 571 whole lines, 1 more than the shipped file's 570: rows were added."),
    "blank_last_line": (lambda: SHIPPED_BREAST_CANCER + b"\n", "Line 571 is blank."),
    "blank_middle_line": (lambda: _with_row(300, "\n" + SHIPPED_BREAST_CANCER.decode().split("\n")[299]),
                          "Line 300 is blank."),
    "extra_field": (lambda: _with_row(7, SHIPPED_BREAST_CANCER.decode().split("\n")[6] + ",1"),
                    "Line 7 has 32 fields, the header 31."),
    "header_space": (lambda: _with_row(1, SHIPPED_BREAST_CANCER.decode().split("\n")[0] + " "),
                     "Line 1, column 31: 'diagnosis ' has a space around it."),
    "inf": (lambda: _first_field(5, "1e400"), "Line 5, column 1 (mean radius): '1e400' is not a finite number."),
    "space_in_field": (lambda: _first_field(5, " 1"), "Line 5, column 1 (mean radius): ' 1' has a space around it."),
    "nan": (lambda: _first_field(5, "NaN"), "Line 5, column 1 (mean radius): 'NaN' is not a finite number."),
    "empty_field": (lambda: _first_field(5, ""), "Line 5, column 1 (mean radius) is empty."),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_file_is_named_with_what_is_wrong_and_where(damage, tmp_path):
    """Excel, an editor, git's autocrlf, a cut download, git LFS: the checksum line says what changed, and where."""
    make, sentence = DAMAGES[damage]
    damaged = tmp_path / "breast_cancer.csv"
    damaged.write_bytes(make())
    with pytest.raises(checksums.ChecksumError) as error:
        verify_checksum(damaged)
    actual = hashlib.sha256(damaged.read_bytes()).hexdigest()
    assert str(error.value) == (f"data file {damaged} does not match the shipped breast_cancer.csv: expected sha256 "
                                f"{SHA256['breast_cancer.csv']}, got {actual}. {sentence} The file was altered or "
                                "corrupted; restore it with `git checkout HEAD -- data/breast_cancer.csv`")


def test_a_file_more_than_twice_the_shipped_size_gets_the_plain_line_unread(tmp_path):
    """A blank line at 571 would be said of it; past twice the size it is not read into memory a second time."""
    damaged = tmp_path / "breast_cancer.csv"
    damaged.write_bytes(SHIPPED_BREAST_CANCER + b"\n" * (len(SHIPPED_BREAST_CANCER) + 1))
    with pytest.raises(checksums.ChecksumError) as error:
        verify_checksum(damaged)
    assert re.search(r"got [0-9a-f]{64}\. The file was altered or corrupted; restore it", str(error.value))


@pytest.mark.parametrize("filename", sorted(SHA256))
def test_the_shipped_files_show_none_of_the_damage_described(filename):
    """What the description flags (blank lines, ragged rows, empty or non-finite fields ...) is absent from every
    shipped file, so a file altered where it cannot tell gets the plain line, not a false reason."""
    assert checksums.what_is_damaged((DATA_DIR / filename).read_bytes(), filename) == ""


def test_the_recorded_sizes_are_the_shipped_files_sizes():
    assert checksums.SIZE == {name: (DATA_DIR / name).stat().st_size for name in SHA256}
    assert checksums.LINES == {name: (DATA_DIR / name).read_bytes().count(b"\n") for name in SHA256}


def test_a_digit_deleted_keeps_every_row_and_gets_the_plain_line_not_rows_missing():
    """A file one byte shorter with all its rows (a digit deleted from a field) is not "rows are missing": the
    bytes alone cannot say what changed, so the plain checksum line."""
    content = (DATA_DIR / "breast_cancer.csv").read_bytes()
    header_end = content.index(b"\n")
    digit = next(i for i in range(header_end + 1, len(content)) if content[i:i + 1].isdigit()
                 and content[i + 1:i + 2].isdigit())                  # a digit with another after it: still a number
    assert checksums.what_is_damaged(content[:digit] + content[digit + 1:], "breast_cancer.csv") == ""


def test_verify_checksum_of_a_copy_under_another_name(tmp_path):
    copy = tmp_path / "renamed.csv"
    shutil.copyfile(DATA_DIR / "housing.csv", copy)
    assert verify_checksum(copy, "housing.csv") == copy
    with pytest.raises(ValueError, match="renamed.csv"):
        verify_checksum(copy)   # no recorded checksum for that name
    with pytest.raises(ValueError, match="does not match the shipped digits.csv"):
        verify_checksum(copy, "digits.csv")   # a copy of one file checked as another


# --- the loaders --------------------------------------------------------------------------------

def test_breast_cancer_shape_and_dtypes():
    X, y = load_breast_cancer()
    assert X.shape == (569, 30) and (X.dtypes == np.float64).all()
    assert y.shape == (569,) and y.dtype == np.int64 and y.name == "malignant"
    assert set(y.unique()) == {0, 1}


def test_breast_cancer_label_is_1_for_malignant_the_reverse_of_sklearn():
    reference = sklearn.datasets.load_breast_cancer()
    assert list(reference.target_names) == ["malignant", "benign"]     # sklearn: 0 = malignant
    sklearn_malignant = reference.target == 0
    X, y = load_breast_cancer()
    np.testing.assert_array_equal(y.to_numpy(), sklearn_malignant.astype(np.int64))
    assert y.sum() == sklearn_malignant.sum() == 212
    assert (y == 0).sum() == 357
    np.testing.assert_array_equal(X.to_numpy(), reference.data)        # exact: same decimal digits
    assert list(X.columns) == list(reference.feature_names)


def test_digits_match_sklearn_exactly():
    reference = sklearn.datasets.load_digits()
    X, y = load_digits()
    assert X.shape == (1797, 64) and (X.dtypes == np.float64).all()
    assert y.dtype == np.int64 and X.to_numpy().min() == 0 and X.to_numpy().max() == 16
    np.testing.assert_array_equal(X.to_numpy(), reference.data)
    np.testing.assert_array_equal(y.to_numpy(), reference.target)


def test_diamonds_shape_grades_and_the_ranges_ggplot2_documents():
    frame = load_diamonds()
    assert frame.shape == (53_940, 10)
    assert list(frame.columns) == ["carat", "cut", "color", "clarity", "depth", "table", "price",
                                   "x", "y", "z"]
    assert frame["price"].dtype == np.int64
    assert (frame["price"].min(), frame["price"].max()) == (326, 18_823)      # "$326-$18,823"
    assert (frame["carat"].min(), frame["carat"].max()) == (0.2, 5.01)         # "0.2-5.01"
    for column in ["cut", "color", "clarity"]:
        assert isinstance(frame[column].dtype, pd.CategoricalDtype) and frame[column].cat.ordered
        assert frame[column].notna().all()
    assert list(frame["cut"].cat.categories) == ["Fair", "Good", "Very Good", "Premium", "Ideal"]
    assert list(frame["color"].cat.categories) == ["J", "I", "H", "G", "F", "E", "D"]
    assert list(frame["clarity"].cat.categories) == ["I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF"]


def test_housing_shape_and_columns_as_stored():
    frame = load_housing()
    assert frame.shape == (546, 12)
    numeric = ["price", "lotsize", "bedrooms", "bathrms", "stories", "garagepl"]
    assert all(frame[column].dtype == np.int64 for column in numeric)
    for column in YES_NO:
        assert set(frame[column]) == {"yes", "no"}


# --- digit attributes ---------------------------------------------------------------------------

def test_digit_attributes_match_a_table_written_by_hand():
    #            even  >4  prime
    expected = [[1, 0, 0],   # 0
                [0, 0, 0],   # 1
                [1, 0, 1],   # 2
                [0, 0, 1],   # 3
                [1, 0, 0],   # 4
                [0, 1, 1],   # 5
                [1, 1, 0],   # 6
                [0, 1, 1],   # 7
                [1, 1, 0],   # 8
                [0, 1, 0]]   # 9
    result = digit_attributes(np.arange(10))
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, np.array(expected, dtype=np.float64))


@pytest.mark.parametrize("bad, error, message", [
    (np.array([[1, 2]]), ValueError, r"a 1-D array of digits, got shape \(1, 2\)$"),   # 2-D
    (np.array([1.0, 2.0]), TypeError, r"integer digits 0\.\.9, got dtype float64$"),   # not integers
    (np.array([3, 10, -1]), ValueError, r"digits 0\.\.9, got \[-1, 10\]$"),              # outside 0..9: both named
])
def test_digit_attributes_rejects_bad_input(bad, error, message):
    with pytest.raises(error, match=f"^digit_attributes expects {message}"):
        digit_attributes(bad)


# --- prepare(): shapes, targets, splits ---------------------------------------------------------

@pytest.fixture(scope="module", params=TASKS)
def prepared(request) -> Prepared:
    """float64 so the scaling checks are not blurred by float32 rounding. Tests only read it."""
    return prepare(request.param, dtype="float64")


EXPECTED = {   # task: (rows, features, outputs, output activation, loss)
    "regression": (53_940, 26, 1, "linear", "mse"),
    "binary": (569, 30, 1, "sigmoid", "binary_crossentropy"),
    "multiclass": (1797, 64, 10, "softmax", "categorical_crossentropy"),
    "multilabel": (1797, 64, 3, "sigmoid", "binary_crossentropy"),
}


TARGET_NAMES = {"regression": ["price_thousands_usd"], "binary": ["malignant"],
                "multiclass": [str(digit) for digit in range(10)], "multilabel": ["even", "greater_than_4", "prime"]}


def raw_features(task: str) -> pd.DataFrame:
    """The raw feature rows of a task, straight from its loader."""
    if task == "regression":
        return load_diamonds().drop(columns="price")
    return load_breast_cancer()[0] if task == "binary" else load_digits()[0]


def test_prepare_shapes_dtypes_and_names(prepared):
    rows, features, outputs, activation, loss = EXPECTED[prepared.task]
    splits = [(prepared.X_train, prepared.y_train), (prepared.X_val, prepared.y_val),
              (prepared.X_test, prepared.y_test)]
    for X, y in splits:
        assert X.dtype == y.dtype == np.float64
        assert X.ndim == 2 and y.ndim == 2 and X.shape[0] == y.shape[0] > 0
        assert X.shape[1] == features == len(prepared.feature_names)
        assert y.shape[1] == outputs == len(prepared.target_names)
    assert sum(X.shape[0] for X, _ in splits) == rows
    assert (prepared.output_activation, prepared.loss) == (activation, loss)
    assert prepared.X_train.shape[0] == pytest.approx(0.7 * rows, abs=10)
    # the names, written here: the targets' in the order digit_attributes' columns are checked in above, the
    # features' the loader's columns, each grade of a diamond its own column after the one it encodes
    assert prepared.target_names == TARGET_NAMES[prepared.task]
    raw = raw_features(prepared.task)
    grades = ("cut", "color", "clarity")                         # the diamonds' categorical columns
    columns = [name for c in raw.columns
               for name in ([f"{c}={grade}" for grade in raw[c].cat.categories] if c in grades else [c])]
    assert prepared.feature_names == columns


def test_prepare_splits_are_disjoint_and_cover_every_row(prepared):
    rows = np.concatenate([prepared.train_rows, prepared.val_rows, prepared.test_rows])
    np.testing.assert_array_equal(np.sort(rows), np.arange(EXPECTED[prepared.task][0]))


def test_prepare_targets_belong_to_their_rows(prepared):
    splits = {"train": (prepared.y_train, prepared.train_rows), "validation": (prepared.y_val, prepared.val_rows),
              "test": (prepared.y_test, prepared.test_rows)}                  # every split, not only training's
    for split, (y, rows) in splits.items():
        if prepared.task == "regression":
            price = load_diamonds()["price"].to_numpy()
            np.testing.assert_allclose(y[:, 0], price[rows] / 1000, rtol=1e-15, err_msg=split)
        elif prepared.task == "binary":
            np.testing.assert_array_equal(y[:, 0], load_breast_cancer()[1].to_numpy()[rows], err_msg=split)
        else:
            digits = load_digits()[1].to_numpy()[rows]
            if prepared.task == "multiclass":
                assert (y.sum(axis=1) == 1).all(), split
                np.testing.assert_array_equal(y.argmax(axis=1), digits, err_msg=split)
            else:
                np.testing.assert_array_equal(y, digit_attributes(digits), err_msg=split)


def test_prepare_classification_splits_keep_the_class_balance():
    p = prepare("binary")
    for y in (p.y_train, p.y_val, p.y_test):
        assert y.mean() == pytest.approx(212 / 569, abs=1 / len(y))
    p = prepare("multiclass")
    for y in (p.y_train, p.y_val, p.y_test):
        np.testing.assert_allclose(y.mean(axis=0), np.bincount(load_digits()[1]) / 1797, atol=1.5 / len(y))


def test_prepare_is_deterministic_and_the_seed_matters():
    first, again = prepare("binary", seed=3), prepare("binary", seed=3)
    for name in ["X_train", "y_train", "X_val", "y_val", "X_test", "y_test", "train_rows"]:
        np.testing.assert_array_equal(getattr(first, name), getattr(again, name))
    assert not np.array_equal(first.train_rows, prepare("binary", seed=4).train_rows)


def test_splits_are_runs_of_numpys_seeded_permutation_in_its_order():
    """The rows are np.random.default_rng(seed).permutation(n) cut 70 / 15 / 15, and each split keeps that
    shuffled order: make train feeds them to fit with shuffle=False, and the diamonds file is sorted by price."""
    order = np.random.default_rng(0).permutation(53940)[:200]                 # NumPy's own draw, (200,)
    p = prepare("regression", max_rows=200)
    for rows, expected in zip((p.train_rows, p.val_rows, p.test_rows), np.split(order, [140, 170]), strict=True):
        np.testing.assert_array_equal(rows, expected)
    rank = np.argsort(np.random.default_rng(5).permutation(40))              # position of each row in the shuffle
    for rows in split_rows(40, (0.7, 0.15, 0.15), seed=5, strata=np.arange(40) % 2):    # stratified: classes mixed
        assert np.all(np.diff(rank[rows]) > 0), rows


def test_max_rows_takes_a_prefix_of_one_shuffled_order():
    small, larger = prepare("regression", max_rows=200), prepare("regression", max_rows=400)
    small_rows = np.concatenate([small.train_rows, small.val_rows, small.test_rows])
    larger_rows = np.concatenate([larger.train_rows, larger.val_rows, larger.test_rows])
    assert len(small_rows) == 200 and len(set(small_rows)) == 200
    assert set(small_rows) <= set(larger_rows)
    order = np.random.default_rng(0).permutation(53940)                       # NumPy's own shuffle of the rows
    assert set(small_rows) == set(order[:200]) and set(larger_rows) == set(order[:400])    # its first rows
    np.testing.assert_array_equal(small.X_train, prepare("regression", max_rows=200).X_train)


def test_max_rows_equal_to_every_row_is_the_whole_set():
    """max_rows may be n itself (the check is 1 <= max_rows <= n): the same splits as no max_rows."""
    whole, every_row = prepare("binary"), prepare("binary", max_rows=569)
    for name in ["train_rows", "val_rows", "test_rows"]:
        np.testing.assert_array_equal(getattr(every_row, name), getattr(whole, name))


def test_prepare_float32_by_default():
    p = prepare("multiclass")
    assert p.X_train.dtype == p.y_test.dtype == np.float32


# --- prepare(): scaling -------------------------------------------------------------------------

def test_standardiser_uses_training_rows_only(prepared):
    raw = encode_features(raw_features(prepared.task), prepared.categories)[prepared.train_rows]
    reference = pd.DataFrame(raw)   # pandas computes the statistics independently
    np.testing.assert_allclose(prepared.standardiser.mean, reference.mean().to_numpy(),
                               rtol=1e-12, atol=1e-12)
    population_std = reference.std(ddof=0).to_numpy()
    varying = population_std > 0
    np.testing.assert_allclose(prepared.standardiser.std[varying], population_std[varying], rtol=1e-12)
    X = prepared.X_train[:, varying]
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(X.std(axis=0), 1.0, rtol=1e-9)
    # validation and test rows are scaled with the training numbers, so they are not exactly centred
    assert np.abs(prepared.X_val[:, varying].mean(axis=0)).max() > 1e-3
    assert np.abs(prepared.X_test[:, varying].mean(axis=0)).max() > 1e-3


def test_constant_training_column_gets_std_1_not_nan():
    p = prepare("multiclass", dtype="float64")
    corner = p.feature_names.index("pixel_0_0")     # 0 in every digit image
    assert p.standardiser.std[corner] == 1.0
    assert (p.X_train[:, corner] == 0).all() and np.isfinite(p.X_train).all()


def test_scale_of_raw_training_rows_reproduces_their_prepared_rows(prepared):
    raw = raw_features(prepared.task).iloc[prepared.train_rows[:5]]
    np.testing.assert_array_equal(prepared.scale(raw), prepared.X_train[:5])
    one = raw.iloc[[0], ::-1]                       # a single row, columns in another order
    np.testing.assert_array_equal(prepared.scale(one), prepared.X_train[:1])
    if not prepared.categories:                     # the all-numeric sets also take arrays
        np.testing.assert_array_equal(prepared.scale(raw.to_numpy()), prepared.X_train[:5])


def test_scale_keeps_the_prepared_dtype():
    p = prepare("binary")
    assert p.scale(load_breast_cancer()[0].iloc[:2]).dtype == np.float32


def test_one_hot_encoding_of_a_diamond_written_by_hand():
    p = prepare("regression", max_rows=50)
    diamond = pd.DataFrame({"carat": [0.5], "cut": ["Good"], "color": ["J"], "clarity": ["IF"],
                            "depth": [61.0], "table": [57.0], "x": [5.1], "y": [5.2], "z": [3.1]})
    expected = ([0.5] + [0, 1, 0, 0, 0] + [1, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 1]
                + [61.0, 57.0, 5.1, 5.2, 3.1])
    np.testing.assert_array_equal(encode_features(diamond, p.categories)[0], expected)
    assert p.feature_names[:3] == ["carat", "cut=Fair", "cut=Good"]


# --- bad input ----------------------------------------------------------------------------------

def test_unknown_task_lists_the_valid_ones():
    with pytest.raises(ValueError) as error:
        prepare("clustering")
    assert all(task in str(error.value) for task in TASKS) and "clustering" in str(error.value)


@pytest.mark.parametrize("fractions", [(0.7, 0.2, 0.2), (0.8, 0.3, -0.1), (1.0, 0.0, 0.0), (0.5, 0.5),
                                       ("0.7", "0.15", "0.15")])
def test_prepare_rejects_bad_fractions(fractions):
    """Named as the fractions at fault: a zero fraction is not left to fail later as an empty split."""
    with pytest.raises(ValueError, match="^fractions must be three positive numbers"):
        prepare("binary", fractions=fractions)


@pytest.mark.parametrize("arguments, match", [
    ({"dtype": "int32"}, "dtype"),
    ({"seed": -1}, "^seed must be"),
    ({"seed": True}, "^seed must be"),                 # a bool is no seed, though Python counts it an integer
    ({"seed": 1.5}, "^seed must be"),
    ({"max_rows": 0}, "max_rows"),
    ({"max_rows": 2.5}, "^max_rows must be"),
    ({"max_rows": 570}, "569"),
    ({"max_rows": 3, "fractions": (0.9, 0.05, 0.05)}, "empty"),
])
def test_prepare_rejects_bad_arguments(arguments, match):
    with pytest.raises(ValueError, match=match):
        prepare("binary", **arguments)


def test_prepare_rejects_an_unknown_dtype_by_name():
    with pytest.raises(TypeError, match="dtype 'float33'"):
        prepare("binary", dtype="float33")


def test_prepared_is_frozen():
    p = prepare("binary")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.X_train = np.zeros((1, 30))


def test_scale_names_missing_and_unexpected_columns():
    p = prepare("regression", max_rows=50)
    raw = load_diamonds().iloc[:2]                  # still has the target column price
    with pytest.raises(ValueError, match=r"unexpected \['price'\]"):
        p.scale(raw)
    with pytest.raises(ValueError, match=r"missing \['carat'\]"):
        p.scale(raw.drop(columns=["price", "carat"]))
    with pytest.raises(TypeError, match="DataFrame"):
        p.scale(raw.drop(columns="price").to_numpy())


def test_scale_rejects_unknown_grades_and_missing_numbers():
    """Every unknown grade is named, sorted, with the grades the column knows (ggplot2's order), not only the first."""
    p = prepare("regression", max_rows=50)
    raw = load_diamonds().drop(columns="price").iloc[:3].astype({"cut": object})
    raw.loc[raw.index[0], "cut"] = "Perfect"
    raw.loc[raw.index[2], "cut"] = "Excellent"
    with pytest.raises(ValueError, match=re.escape("column 'cut' has values ['Excellent', 'Perfect'] not among its "
                                                   "categories ['Fair', 'Good', 'Very Good', 'Premium', 'Ideal']")):
        p.scale(raw)
    raw = load_diamonds().drop(columns="price").iloc[:2]
    raw.loc[raw.index[0], "carat"] = np.nan
    with pytest.raises(ValueError, match="'carat'.*NaN"):
        p.scale(raw)


@pytest.mark.parametrize("value, dtype", [("17.99", "str"), (True, "bool")], ids=["text", "bool"])
def test_scale_names_a_column_of_text_or_bools_not_numbers(value, dtype):
    """Numbers read as text (a CSV column with quotes) or a yes/no column as bools: the column is named, not cast."""
    p = prepare("binary")
    raw = load_breast_cancer()[0].iloc[:2].astype({"mean radius": object})
    raw["mean radius"] = [value, value]
    with pytest.raises(ValueError, match=f"^column 'mean radius' must be numeric, got dtype {dtype}$"):
        p.scale(raw)


@pytest.mark.parametrize("shape", [(30,), (1, 29), (1, 31)])
def test_scale_rejects_arrays_of_the_wrong_width(shape):
    p = prepare("binary")
    with pytest.raises(ValueError, match=r"\(m, 30\)"):
        p.scale(np.zeros(shape))


def test_scale_rejects_no_rows():
    p = prepare("binary")
    with pytest.raises(ValueError, match="no rows"):
        p.scale(np.zeros((0, 30)))

