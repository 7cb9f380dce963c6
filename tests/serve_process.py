"""``jwt-lab serve`` as a process of its own, for the tests that need several
(or one with workers): started, its URL read from its banner, stopped."""

from __future__ import annotations

import subprocess
import sys
import threading


class ServeProcess:
    """``jwt-lab serve`` in a process of its own (``python -m mock_server``)."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mock_server", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        seen = []
        for line in self.process.stdout:  # its banner names the URL it serves
            seen.append(line)
            if line.startswith("JWT Device Lab mock server on "):
                self.url = line.split(" on ", 1)[1].strip()
                break
        else:
            raise RuntimeError(f"jwt-lab serve did not start: {''.join(seen)[-3000:]}")
        self._drain = threading.Thread(target=self.process.stdout.read, daemon=True)
        self._drain.start()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self._drain.join(5)
        if self.process.stdout is not None:
            self.process.stdout.close()
