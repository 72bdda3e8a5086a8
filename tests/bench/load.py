"""Throughput of one URL for a few seconds: wrk when installed, else a Python generator.

Both keep connections alive, as a browser and a proxy in front of gunicorn would.
"""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

WRK_THREADS = 2
CONNECTIONS = 16


@dataclass
class Result:
    requests_per_second: float
    errors: int  # non-2xx/3xx answers and socket errors


def generator_name() -> str:
    return "wrk" if shutil.which("wrk") else "python"


def measure(url: str, *, seconds: float, headers: dict[str, str] | None = None, tool: str | None = None) -> Result:
    if (tool or generator_name()) == "wrk":
        return _wrk(url, seconds=seconds, headers=headers or {})
    return _python(url, seconds=seconds, headers=headers or {})


def _wrk(url: str, *, seconds: float, headers: dict[str, str]) -> Result:
    command = [shutil.which("wrk") or "wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise RuntimeError(f"wrk printed no Requests/sec:\n{output}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", output))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Result(float(rate.group(1)), errors)


# The fallback: CONNECTIONS keep-alive connections spread over WRK_THREADS processes (so
# the client is not one GIL), each connection on its own thread.


def _python(url: str, *, seconds: float, headers: dict[str, str]) -> Result:
    per_process = CONNECTIONS // WRK_THREADS
    with ProcessPoolExecutor(WRK_THREADS) as pool:
        parts = list(pool.map(_python_process, [(url, seconds, headers, per_process)] * WRK_THREADS))
    done = sum(count for count, _ in parts)
    return Result(done / seconds, sum(errors for _, errors in parts))


def _python_process(args: tuple[str, float, dict[str, str], int]) -> tuple[int, int]:
    url, seconds, headers, connections = args
    deadline = time.monotonic() + seconds
    totals = [0, 0]
    lock = threading.Lock()

    def run() -> None:
        count, errors = _python_connection(url, deadline, headers)
        with lock:
            totals[0] += count
            totals[1] += errors

    threads = [threading.Thread(target=run) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return totals[0], totals[1]


def _python_connection(url: str, deadline: float, headers: dict[str, str]) -> tuple[int, int]:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    count = errors = 0
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    while time.monotonic() < deadline:
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            continue
        if response.status >= 400:
            errors += 1
        else:
            count += 1
        if response.will_close:
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.close()
    return count, errors
