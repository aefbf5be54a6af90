"""Files only LibreOffice reads (.et, .doc, .wps, …) converted to .xlsx or .docx, then read as those.

``soffice --headless --convert-to xlsx|docx`` runs in a temporary directory of its own, with its
own user profile there (``-env:UserInstallation``: no clash with a LibreOffice someone has open,
nothing left behind), its address space capped (``RLIMIT_AS``) and killed with all its children
when it overruns its time. soffice exits 0 even when it converted nothing, so the result is
judged by the file it wrote. The converted file is then read, and checked, like any other.
``bin/setup-office`` installs LibreOffice.
"""

import os
import resource
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path, PurePath

from .errors import LedgerError
from .limits import WorkbookLimits, check_size

#: How the converted file is named: what LibreOffice's --convert-to takes.
SPREADSHEET, DOCUMENT = "xlsx", "docx"
INSTALL_HINT = "服务器未安装 LibreOffice（运行 bin/setup-office 安装）"


def soffice() -> str | None:
    """The path of LibreOffice's soffice, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, file_name: str, target: str, limits: WorkbookLimits = WorkbookLimits(), *, save_as: str) -> bytes:
    """``data`` converted by LibreOffice to ``target`` (``SPREADSHEET`` or ``DOCUMENT``), as bytes.

    ``save_as`` names, for the message when LibreOffice is missing, what to save the file as instead.
    """
    program = soffice()
    if program is None:
        raise LedgerError(f"{INSTALL_HINT}，无法读取此格式；请在 WPS/Office 中另存为 {save_as}", file=file_name)
    with tempfile.TemporaryDirectory(prefix="ledger-convert-") as work:
        work = Path(work)
        source = work / ("ledger" + _suffix(file_name))
        source.write_bytes(data)
        output = work / "out"
        command = [
            program, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
            "--nolockcheck", "--convert-to", target, "--outdir", str(output), str(source),
        ]
        _run(command, file_name, limits)
        converted = output / f"{source.stem}.{target}"
        if not converted.exists():
            raise LedgerError(f"LibreOffice 无法读取此文件（可能已损坏或加密）；请在 WPS/Office 中另存为 {save_as}", file=file_name)
        result = converted.read_bytes()
    check_size(result, file_name, limits)
    return result


def _run(command, file_name, limits):
    memory = limits.conversion_memory_bytes

    def cap_memory():
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))

    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, preexec_fn=cap_memory
    )
    try:
        _, errors = process.communicate(timeout=limits.conversion_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise LedgerError(
            f"LibreOffice 转换超过 {limits.conversion_seconds} 秒，已中止；请在 WPS/Office 中另存为 .xlsx", file=file_name
        ) from None
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process.returncode != 0:
        detail = errors.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"退出码 {process.returncode}"]
        raise LedgerError(f"LibreOffice 转换失败（{detail[0]}）", file=file_name)


def _suffix(file_name) -> str:
    """The file's own extension when it is a plain one (LibreOffice weighs it when it detects the format)."""
    suffix = PurePath(file_name).suffix.lower()
    return suffix if suffix[1:].isalnum() and len(suffix) <= 6 else ""
