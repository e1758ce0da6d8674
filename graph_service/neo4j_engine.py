"""A real Neo4j 5 engine without Docker: fetched from Maven Central, run on the machine's Java.

``scripts/neo4j/pom.xml`` names Neo4j 5.26 LTS Community; Maven copies its jars into
``.neo4j/lib`` (downloads are cached in ``~/.m2``, so the second fetch is fast). The launcher
``scripts/neo4j/Neo4jLauncher.java`` embeds the DBMS with the Bolt connector on a free loopback
port and a throw-away data directory. :func:`start_engine` waits until it answers and returns a
handle whose :meth:`Neo4jEngine.stop` shuts it down cleanly.

Command line (for development)::

    python -m graph_service.neo4j_engine       # prints NEO4J_URI=bolt://127.0.0.1:PORT, Ctrl-C stops
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from graph_service.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SCRIPT_DIR = PROJECT_ROOT / "scripts" / "neo4j"
CACHE_DIR = PROJECT_ROOT / ".neo4j"
READY_MARKER = "NEO4J_READY"


class EngineError(ConfigurationError):
    """Neo4j could not be fetched or started; the message says why."""


def _run(cmd: list[str], what: str, cwd: Path | None = None) -> None:
    try:
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise EngineError(f"{what}: {cmd[0]!r} is not installed ({error})") from None
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
        raise EngineError(f"{what} failed (exit {done.returncode}):\n{tail}")


def ensure_engine_built(cache_dir: Path = CACHE_DIR) -> Path:
    """Fetch the jars with Maven and compile the launcher, once; returns the cache dir."""
    lib = cache_dir / "lib"
    classes = cache_dir / "classes"
    pom = SCRIPT_DIR / "pom.xml"
    stamp = cache_dir / "built-from"
    launcher = SCRIPT_DIR / "Neo4jLauncher.java"
    wanted = f"{pom.stat().st_mtime_ns}:{launcher.stat().st_mtime_ns}"
    if stamp.exists() and stamp.read_text() == wanted and any(lib.glob("neo4j-5*.jar")):
        return cache_dir
    if shutil.which("mvn") is None:
        raise EngineError("Maven ('mvn') is needed to fetch Neo4j from Maven Central")
    if shutil.which("javac") is None or shutil.which("java") is None:
        raise EngineError("a Java 17+ JDK ('java' and 'javac') is needed to run Neo4j")
    shutil.rmtree(lib, ignore_errors=True)
    _run(
        [
            "mvn",
            "-B",
            "-q",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={lib}",
            "-DincludeScope=runtime",
        ],
        "fetching Neo4j jars from Maven Central",
    )
    shutil.rmtree(classes, ignore_errors=True)
    classes.mkdir(parents=True)
    _run(
        ["javac", "-nowarn", "-cp", f"{lib}/*", "-d", str(classes), str(launcher)],
        "compiling the Neo4j launcher",
    )
    stamp.write_text(wanted)
    return cache_dir


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Neo4jEngine:
    """A running throw-away Neo4j server."""

    uri: str
    process: subprocess.Popen[str]
    home: Path
    started_in_s: float
    log: deque[str] = field(default_factory=lambda: deque(maxlen=200))
    keep_home: bool = False

    def stop(self, timeout: float = 60.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdin:
            self.process.stdin.close()
        if not self.keep_home:
            shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> Neo4jEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_engine(
    *,
    port: int | None = None,
    home: Path | None = None,
    heap: str = os.environ.get("GS_NEO4J_HEAP", "1g"),
    pagecache_mib: int = int(os.environ.get("GS_NEO4J_PAGECACHE_MIB", "512")),
    timeout_s: float = 240.0,
) -> Neo4jEngine:
    """Start Neo4j on ``127.0.0.1:port`` (a free port if None) and wait until it answers."""
    began = time.monotonic()
    cache = ensure_engine_built()
    port = port or free_port()
    keep_home = home is not None
    home = home or Path(tempfile.mkdtemp(prefix="neo4j-home-"))
    cmd = [
        "java",
        f"-Xms{heap}",
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        # Neo4j 5 needs these opens on Java 17 (as its own launcher sets them).
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "-cp",
        f"{cache / 'classes'}{os.pathsep}{cache / 'lib'}/*",
        "Neo4jLauncher",
        str(home),
        str(port),
        str(pagecache_mib),
    ]
    process = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    engine = Neo4jEngine(f"bolt://127.0.0.1:{port}", process, home, 0.0, keep_home=keep_home)
    ready = threading.Event()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            engine.log.append(line.rstrip())
            if line.startswith(READY_MARKER):
                ready.set()

    threading.Thread(target=pump, name="neo4j-log", daemon=True).start()
    while not ready.wait(0.2):
        if process.poll() is not None or time.monotonic() - began > timeout_s:
            engine.stop(timeout=5)
            why = "exited" if process.returncode is not None else f"no answer in {timeout_s:.0f}s"
            tail = "\n".join(list(engine.log)[-30:])
            raise EngineError(f"Neo4j did not start ({why}). Last output:\n{tail}")
    engine.started_in_s = time.monotonic() - began
    return engine


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - interactive helper
    """``python -m graph_service.neo4j_engine [--home DIR] [--port N]``: a throw-away engine,
    or with ``--home`` one whose data is kept in DIR (e.g. after ``load --bulk``)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m graph_service.neo4j_engine")
    parser.add_argument("--home", type=Path, help="keep the data in this folder")
    parser.add_argument("--port", type=int, help="Bolt port (default: a free one)")
    args = parser.parse_args(argv)
    engine = start_engine(home=args.home, port=args.port)
    print(f"NEO4J_URI={engine.uri}  (started in {engine.started_in_s:.1f}s; Ctrl-C stops)")
    sys.stdout.flush()
    try:
        engine.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        engine.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
