"""Damaged SPSS files fail loudly: reader crashes and hangs, wrong case counts, garbled text.

``read_spss`` runs pyreadstat in a child process (``survey.io.isolated``). A crash is simulated by
putting a reader that kills itself in the child's place (``spss._read_in_child``, the function the
child runs); those readers live at module level here, so that the child can import them. Case
counts are damaged by patching the header's ``ncases`` field: the int32 at byte 80 of the
176-byte header record of an SPSS system file.
"""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.errors import InputError, SurveyError
from survey.io import FileMeta, VariableMeta, isolated, read_spss, read_spss_meta, spss, write_sav
from survey.io.isolated import ChildFailed, call_isolated, check_beside, report_progress
from survey.io.spss import GarbledTextWarning

NCASES_OFFSET = 80
ROWS = 10


# --------------------------------------------------------------------------- readers for the child


def _segfault(*_args: object) -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def _abort(*_args: object) -> None:
    os.abort()


def _hang(*_args: object) -> None:
    time.sleep(600)


def _leave_a_file_then_segfault(*_args: object) -> None:
    tempfile.mkstemp(prefix="left-behind-")
    os.kill(os.getpid(), signal.SIGSEGV)


def _write_pid_and_hang(path: str) -> None:
    Path(path).write_text(str(os.getpid()))
    time.sleep(600)


def _is_even(number: int) -> bool:
    return number % 2 == 0


def _segfault_check() -> bool:
    os.kill(os.getpid(), signal.SIGSEGV)
    return True


def _count_in_steps(steps: int) -> int:
    for _ in range(steps):
        report_progress(10)
    return steps


def _warn_and_return(value: int) -> int:
    warnings.warn("a warning given in the child", UserWarning, stacklevel=1)
    return value


def _fail(message: str) -> None:
    raise ValueError(message)


def _array(rows: int) -> np.ndarray:
    return np.arange(float(rows))


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def sav(tmp_path: Path) -> Path:
    """A valid file of ten cases: a labelled numeric variable with a UTF-8 label, and a string."""
    frame = pd.DataFrame(
        {"q1": np.resize([1.0, 2.0, 9.0], ROWS), "regio": np.resize(["N", "Z", ""], ROWS)}
    )
    variables = {
        "q1": VariableMeta(
            "q1",
            label="Bent u geïnteresseerd?",
            format="F1.0",
            value_labels={1.0: "Ja", 2.0: "Nee", 9.0: "Weet niet"},
            missing_values=(9.0,),
        ),
        "regio": VariableMeta("regio", label="Regio", type="string", format="A1"),
    }
    return write_sav(frame, FileMeta(variables=variables), tmp_path / "wave.sav")


def with_declared_cases(path: Path, cases: int) -> Path:
    """Patch the number of cases the header declares; check the field reads back as written."""
    data = bytearray(path.read_bytes())
    struct.pack_into("<i", data, NCASES_OFFSET, cases)
    path.write_bytes(bytes(data))
    assert struct.unpack_from("<i", path.read_bytes(), NCASES_OFFSET) == (cases,)
    return path


def data_start(path: Path) -> int:
    """Where the cases begin in an uncompressed file: the file ends with ROWS rows of 8-byte slots."""
    (slots,) = struct.unpack_from("<i", path.read_bytes(), 68)
    return path.stat().st_size - ROWS * slots * 8


@pytest.fixture
def read_in_child(monkeypatch: pytest.MonkeyPatch):
    """Put another reader in the child's place: ``read_in_child(_segfault)``."""

    def replace(reader) -> None:
        monkeypatch.setattr(spss, "_read_in_child", reader)

    return replace


# --------------------------------------------------------------------------- crashes and hangs


def test_a_reader_crash_is_an_input_error_naming_the_file(sav, read_in_child):
    read_in_child(_segfault)
    with pytest.raises(
        InputError, match=r"the SPSS reader crashed on .*wave\.sav: the file is damaged"
    ):
        read_spss(sav)


def test_a_reader_crash_says_what_to_do(sav, read_in_child):
    read_in_child(_segfault)
    with pytest.raises(InputError) as caught:
        read_spss(sav)
    assert "new export" in caught.value.hint
    assert f"pspp-convert {sav}" in caught.value.hint


def test_a_reader_abort_is_an_input_error_too(sav, read_in_child):
    read_in_child(_abort)
    with pytest.raises(InputError, match="killed by SIGABRT"):
        read_spss(sav)


def test_reading_works_again_after_a_reader_crash(sav, read_in_child, monkeypatch):
    read_in_child(_segfault)
    with pytest.raises(InputError):
        read_spss(sav)
    monkeypatch.undo()
    frame, _ = read_spss(sav)
    assert len(frame) == ROWS


def test_a_reader_crash_leaves_no_temporary_files(sav, read_in_child, monkeypatch, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    read_in_child(_leave_a_file_then_segfault)
    with pytest.raises(InputError):
        read_spss(sav)
    assert list(scratch.iterdir()) == []


def test_a_hanging_reader_is_stopped_after_the_timeout(sav, read_in_child, monkeypatch):
    monkeypatch.setattr(spss, "_TIMEOUT_BASE", 1.0)
    monkeypatch.setattr(spss, "_TIMEOUT_PER_MB", 0.0)
    read_in_child(_hang)
    start = time.monotonic()
    with pytest.raises(InputError, match=r"did not finish reading .*wave\.sav within 1 s"):
        read_spss(sav)
    assert time.monotonic() - start < 30


def test_the_timeout_is_generous_and_grows_with_the_file_size():
    assert spss._read_timeout(0) >= 60
    assert spss._read_timeout(2_000_000_000) > spss._read_timeout(100_000_000) + 1000


def test_a_file_the_reader_rejects_keeps_its_clear_input_error(sav):
    whole = sav.read_bytes()
    sav.write_bytes(whole[:300])
    with pytest.raises(InputError, match=r"wave\.sav: cannot be read as an SPSS file"):
        read_spss(sav)


def test_a_file_shorter_than_the_header_is_an_input_error(sav):
    sav.write_bytes(sav.read_bytes()[:100])
    with pytest.raises(InputError, match="shorter than the 176-byte header"):
        read_spss(sav)


# --------------------------------------------------------------------------- declared and actual cases


def test_the_header_field_the_case_fixtures_patch_is_the_count_the_reader_sees(sav):
    meta, _ = read_spss_meta(with_declared_cases(sav, 7))
    assert meta.n_rows == 7


def test_a_header_declaring_fewer_cases_than_the_file_holds_is_an_input_error(sav):
    with pytest.raises(
        InputError, match=r"wave\.sav: the header declares 7 cases but the file holds 10"
    ):
        read_spss(with_declared_cases(sav, 7))


def test_a_compressed_file_declaring_fewer_cases_than_it_holds_is_an_input_error(sav):
    zsav = write_sav(*read_spss(sav), sav.with_suffix(".zsav"))
    with pytest.raises(InputError, match="the header declares 3 cases but the file holds 10"):
        read_spss(with_declared_cases(zsav, 3))


def test_a_large_compressed_file_declaring_fewer_cases_than_it_holds_is_an_input_error(tmp_path):
    rows = spss._PROBE_BESIDE_CASES + 1  # searched beside the read, in another process
    frame = pd.DataFrame({"x": np.arange(float(rows))})
    meta = FileMeta(variables={"x": VariableMeta("x", format="F8.0")})
    zsav = write_sav(frame, meta, tmp_path / "large.zsav")
    with pytest.raises(InputError, match=f"declares {rows - 1} cases but the file holds {rows}"):
        read_spss(with_declared_cases(zsav, rows - 1))


def test_a_header_declaring_more_cases_than_the_file_holds_is_an_input_error(sav):
    with pytest.raises(InputError, match="the header declares 15 cases but the file holds 10"):
        read_spss(with_declared_cases(sav, 15))


def test_a_truncated_file_names_the_cases_it_still_holds(sav):
    cut = data_start(sav) + 4 * (sav.stat().st_size - data_start(sav)) // ROWS + 3
    sav.write_bytes(sav.read_bytes()[:cut])
    with pytest.raises(InputError, match="declares 10 cases but the file holds 4") as caught:
        read_spss(sav)
    assert "truncated" in caught.value.hint


def test_a_header_leaving_the_count_open_reads_every_case(sav):
    frame, meta = read_spss(with_declared_cases(sav, -1))
    assert (len(frame), meta.n_rows) == (ROWS, ROWS)


def test_a_file_declaring_zero_cases_is_an_input_error(sav):
    with pytest.raises(InputError, match=r"wave\.sav: the file holds no cases"):
        read_spss(with_declared_cases(sav, 0))


def test_a_file_without_cases_is_an_input_error_also_when_the_count_is_left_open(sav):
    sav.write_bytes(sav.read_bytes()[: data_start(sav)])
    with pytest.raises(InputError, match="the file holds no cases"):
        read_spss(with_declared_cases(sav, -1))


def test_a_negative_case_count_is_an_input_error(sav):
    with pytest.raises(InputError, match="the header declares -5 cases"):
        read_spss(with_declared_cases(sav, -5))


def test_the_metadata_reader_refuses_a_file_declaring_zero_cases(sav):
    with pytest.raises(InputError, match="no cases"):
        read_spss_meta(with_declared_cases(sav, 0))


# --------------------------------------------------------------------------- a forced code page


def test_forcing_latin1_on_a_utf8_file_warns_where_the_text_looks_garbled(sav):
    with pytest.warns(GarbledTextWarning) as caught:
        read_spss(sav, encoding="latin1")
    message = str(caught[0].message)
    assert str(sav) in message
    assert "label of variable q1 reads 'Bent u geÃ¯nteresseerd?'" in message
    assert "leave out the code page override" in message


def test_a_garbled_text_warning_does_not_stop_the_read(sav):
    with pytest.warns(GarbledTextWarning):
        frame, meta = read_spss(sav, encoding="latin1")
    assert len(frame) == ROWS
    assert meta.encoding == "latin1"


def test_forcing_the_right_code_page_gives_no_warning(sav):
    with warnings.catch_warnings():
        warnings.simplefilter("error", GarbledTextWarning)
        read_spss(sav, encoding="utf-8")


# --------------------------------------------------------------------------- the child process itself


def test_an_isolated_call_returns_arrays_that_can_be_changed():
    values = call_isolated(_array, 1000, timeout=60)
    values[0] = -1.0
    assert values.sum() == np.arange(1000.0).sum() - 1


def test_an_isolated_call_raises_what_the_function_raised_with_its_traceback():
    with pytest.raises(ValueError, match="no such wave") as caught:
        call_isolated(_fail, "no such wave", timeout=60)
    assert any("_fail" in note for note in caught.value.__notes__)


def test_an_isolated_call_gives_the_warnings_of_the_function_again():
    with pytest.warns(UserWarning, match="a warning given in the child"):
        assert call_isolated(_warn_and_return, 3, timeout=60) == 3


def test_an_isolated_call_relays_progress_to_the_caller():
    seen: list[int] = []
    assert call_isolated(_count_in_steps, 3, timeout=60, on_progress=seen.append) == 3
    assert seen == [10, 10, 10]


def test_an_isolated_call_reports_how_the_child_died():
    with pytest.raises(ChildFailed, match="killed by SIGSEGV"):
        call_isolated(_segfault, timeout=60)


def test_a_crash_on_a_file_the_reader_wrote_itself_blames_the_installation(
    sav, read_in_child, monkeypatch
):
    read_in_child(_segfault)
    monkeypatch.setattr(spss, "_warm_up_reader", _segfault)
    with pytest.raises(SurveyError, match="pyreadstat does not work here") as caught:
        read_spss(sav)
    assert not isinstance(caught.value, InputError)
    assert "reinstall" in caught.value.hint


def test_reading_works_again_after_the_helper_process_died(sav):
    read_spss(sav)
    helper = isolated._SERVER.running()
    helper.kill()
    helper.wait()
    frame, _ = read_spss(sav)
    assert len(frame) == ROWS


def test_a_hanging_child_does_not_outlive_a_parent_that_was_killed(tmp_path):
    pid_file = tmp_path / "child.pid"
    script = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        "from survey.io.isolated import call_isolated; "
        "from test_spss_damaged import _write_pid_and_hang; "
        f"call_isolated(_write_pid_and_hang, {str(pid_file)!r}, timeout=600)"
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the child never started"
            time.sleep(0.05)
    finally:
        parent.kill()
        parent.wait()
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while _alive(child):
        assert time.monotonic() < deadline, "the child outlived its parent"
        time.sleep(0.05)


def test_the_folders_of_a_call_go_also_when_its_parent_was_killed(tmp_path):
    scratch, pid_file = tmp_path / "scratch", tmp_path / "child.pid"
    scratch.mkdir()
    script = (
        f"import sys, tempfile; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        f"tempfile.tempdir = {str(scratch)!r}; "
        "from survey.io import isolated; isolated._MEMORY = tempfile.tempdir; "
        "from test_spss_damaged import _write_pid_and_hang; "
        f"isolated.call_isolated(_write_pid_and_hang, {str(pid_file)!r}, timeout=600)"
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the child never started"
            time.sleep(0.05)
        assert len(list(scratch.iterdir())) == 2  # the call's folders: "memory" and temporary
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while list(scratch.iterdir()):
        assert time.monotonic() < deadline, f"left behind: {list(scratch.iterdir())}"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="counts threads through /proc")
def test_the_helper_process_forks_its_children_from_a_single_thread(sav):
    read_spss(sav)  # the helper has imported and warmed up everything a read needs
    helper = isolated._SERVER.running()
    assert len(list(Path(f"/proc/{helper.pid}/task").iterdir())) == 1


def test_a_check_beside_gives_its_answer():
    with check_beside(_is_even, 4) as even, check_beside(_is_even, 5) as odd:
        assert (even(), odd()) == (True, False)


def test_a_check_beside_that_crashes_gives_no_answer():
    with check_beside(_segfault_check) as answer:
        assert answer() is None


def test_a_check_beside_is_stopped_when_its_block_ends(tmp_path):
    pid_file = tmp_path / "check.pid"
    with check_beside(_write_pid_and_hang, str(pid_file)):
        deadline = time.monotonic() + 30
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the check never started"
            time.sleep(0.01)
    assert not _alive(int(pid_file.read_text()))


def test_metadata_the_spss_writer_refuses_is_an_input_error_and_writes_nothing(tmp_path):
    frame = pd.DataFrame({"q1": [1.0, 2.0]})
    meta = FileMeta(
        variables={"q1": VariableMeta("q1", "Werkt", "numeric", "F1.0", "nominal", {"ja": "Ja"})},
        n_rows=2,
    )
    target = tmp_path / "out.sav"
    with pytest.raises(InputError, match=r"out\.sav: the SPSS file cannot be written: .*numeric"):
        write_sav(frame, meta, target)
    assert list(tmp_path.iterdir()) == []
