"""QMP on a running virt board (two harts, M-mode U-Boot) against QEMU:
the same answers and events for -S, --preconfig, cont, stop,
system_reset, system_powerdown, query-status, query-cpus-fast and quit;
and the guest runs between them (its console says so)."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e import console as con
from tests.qmp.harness import Emulator, RawClient, cyqemu_command, qemu_command

BANNER = b"U-Boot 2023.01"
COMMANDS = ["query-status", "query-cpus-fast", "cont", "@banner", "query-status", "stop",
            "query-status", "system_reset", "query-status", "cont", "@banner",
            "system_powerdown", "query-status", "quit"]


def wait_for_banners(path: Path, count: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while path.read_bytes().count(BANNER) < count:
        assert time.monotonic() < deadline, f"no U-Boot banner #{count} in {path}"
        time.sleep(0.05)


def session(command: list[str], folder: Path, preconfig: bool) -> tuple[list[str], int]:
    """The QMP transcript (timestamps and thread ids left out) and the
    exit status of one emulator."""
    serial = folder / "serial.txt"
    args = ["-M", "virt", "-smp", "2", "-bios", str(con.UBOOT_MMODE), "-serial",
            f"file:{serial}", "-S", *(["--preconfig"] if preconfig else [])]
    emulator = Emulator(command, args)
    client = RawClient(emulator.socket_path)
    lines = [client.read_line() or b""]
    banners = 0
    try:
        for name in ["qmp_capabilities", *(["x-exit-preconfig"] if preconfig else []),
                     *COMMANDS]:
            if name == "@banner":
                banners += 1
                wait_for_banners(serial, banners)
                continue
            client.send(json.dumps({"execute": name}).encode())
            lines += client.read_until(b'"return"', 10)
            # Events sent after the answer (QEMU's main loop carries out
            # resets, power-downs and shutdowns on its next turn).
            while (extra := client.read_line(0.3)) is not None:
                lines.append(extra)
        status = emulator.process.wait(10)
    finally:
        client.close()
        emulator.stop()
    return [_normalized(line) for line in lines], status


def _normalized(line: bytes) -> str:
    message = json.loads(line)
    message.pop("timestamp", None)
    if "QMP" in message:
        message["QMP"].pop("version", None)
    answer = message.get("return")
    if isinstance(answer, list):
        for cpu in answer:
            cpu.pop("thread-id", None)
    return json.dumps(message, sort_keys=True)


@pytest.mark.parametrize("preconfig", [False, True], ids=["S", "preconfig"])
def test_run_state_transcript_matches_qemu(preconfig: bool, tmp_path: Path) -> None:
    (tmp_path / "ours").mkdir()
    (tmp_path / "qemu").mkdir()
    with ThreadPoolExecutor(2) as pool:
        ours = pool.submit(session, cyqemu_command(), tmp_path / "ours", preconfig)
        theirs = pool.submit(session, qemu_command() or [], tmp_path / "qemu", preconfig)
        assert ours.result() == theirs.result()
    events = [json.loads(line).get("event") for line in ours.result()[0]]
    assert [event for event in events if event] == [
        "RESUME", "STOP", "RESET", "RESUME", "POWERDOWN", "SHUTDOWN"]


def test_a_guest_that_only_traps_leaves_the_monitor_responsive() -> None:
    """No firmware, no kernel: the hart traps at every step (zeroed RAM,
    trap vector 0) and retires nothing; its turns still end, so QMP
    answers and quit works."""
    emulator = Emulator(cyqemu_command(), ["-M", "virt", "-bios", "none"])
    client = RawClient(emulator.socket_path, timeout=5)
    try:
        client.read_line()
        client.send(b'{"execute": "qmp_capabilities"}{"execute": "query-status"}')
        assert client.read_line() == b'{"return": {}}\r\n'
        assert json.loads(client.read_line() or b"{}")["return"]["status"] == "running"
        client.send(b'{"execute": "quit"}')
        client.read_until(b'"return"', 5)
        assert emulator.process.wait(10) == 0
    finally:
        client.close()
        emulator.stop()
