"""`python -m bench.soak [--quick] [--out DIR]`: the runner's and the web page's memory and latency under load.

Each part runs the product in a child process of its own, so that the memory measured is the product's alone:
- detect: `python -m edge detect` over `frames` pictures (a folder of links to the bundled sample and four
  640x480 pieces of it), its resident memory every `every` frames and its peak;
- bomb: a 0.9 MB PNG that declares 30000x30000 pixels, given to `edge detect` (exit status, error line, time,
  peak memory, beside the same command on the bundled sample) and posted to the web page (status, time,
  the server's memory before and after);
- web: `python -m edge serve` on 127.0.0.1 (never another address) and POSTs of the 640x480
  pieces to /api/read at 1, 16 and 50 at once, one keep-alive connection per client, every answer counted by
  status: p50/p95 latency of the 200s, requests/s, the server's resident memory after each level and its peak.
Writes soak.json and soak.md to --out and prints the markdown. Latency and rates depend on the machine and on
what else runs on it; the memory figures are the point.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from bench import command_line
from bench.speed import memory_mb

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "edge" / "samples" / "sample.jpg"
HOST = "127.0.0.1"
PARTS = ("detect", "bomb", "web")


@dataclass(frozen=True)
class SoakParams:
    frames: int = 10_000  # pictures read by one `edge detect`
    requests: int = 10_000  # requests per concurrency level
    levels: tuple[int, ...] = (1, 16, 50)  # clients at once
    every: int = 1_000  # detect: memory read every this many frames
    bomb_side: int = 30_000  # the bomb's declared width and height
    start_timeout_s: float = 60.0  # the server must answer /api/health within this
    request_timeout_s: float = 120.0


FULL = SoakParams()
QUICK = SoakParams(frames=1_000, requests=500, every=250)


class SoakError(RuntimeError):
    """The soak cannot go on (the server did not start, a child failed); one line."""


def write_pictures(folder: Path) -> list[Path]:
    """The bundled sample (960x640, 17 digits) and four 640x480 JPEG pieces of it."""
    sample = cv2.imread(str(SAMPLE))
    paths = [SAMPLE]
    for i, (x, y) in enumerate(((0, 0), (320, 0), (0, 160), (320, 160))):
        paths.append(folder / f"piece_{i}.jpg")
        cv2.imwrite(str(paths[-1]), sample[y : y + 480, x : x + 640])
    return paths


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def write_bomb(path: Path, side: int) -> int:
    """A valid PNG of side x side black gray pixels, compressed as far as deflate goes; its size in bytes.

    30000 gives 0.9 MB that decode to 900 MB of gray (2.7 GB as BGR): the bomb a user found.
    """
    packer, row = zlib.compressobj(9), bytes(side + 1)  # each row: filter type 0, then black pixels
    data = b"".join([*(packer.compress(row) for _ in range(side)), packer.flush()])
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit gray, no interlace
    png = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", data) + _png_chunk(b"IEND", b"")
    path.write_bytes(png)
    return len(png)


def run_detect(args: list[str], every: int = 0) -> dict:
    """`python -m edge detect ARGS` through bench.peak: exit status, wall time, output lines, resident memory
    every `every` lines (0: never), its peak and its last error line."""
    with tempfile.TemporaryFile("w+") as errors:
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "bench.peak", "detect", *args], cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=errors, text=True)
        lines, samples = 0, []
        for _ in child.stdout:
            lines += 1
            if every and lines % every == 0:
                samples.append([lines, memory_mb(child.pid)])
        status = child.wait()
        seconds = time.perf_counter() - start
        errors.seek(0)
        stderr = errors.read().strip().splitlines()
    try:
        peak = json.loads(stderr[-1])["peak_rss_mb"]
    except (IndexError, ValueError, KeyError):
        raise SoakError(f"edge detect gave no memory figure: {(stderr or ['no output'])[-1]}") from None
    error = next((line for line in reversed(stderr) if line.startswith(("ERROR", "error"))), None)
    return {"status": status, "seconds": round(seconds, 3), "lines": lines, "rss_mb": samples,
            "peak_rss_mb": peak, "error": error}


def soak_detect(pictures: list[Path], folder: Path, params: SoakParams) -> dict:
    """One `edge detect` over `params.frames` links to the pictures, in turn."""
    frames = folder / "frames"
    frames.mkdir()
    for i in range(params.frames):
        (frames / f"{i:06d}.jpg").symlink_to(pictures[i % len(pictures)])
    result = run_detect([str(frames)], min(params.every, params.frames))
    if result["status"] != 0 or result["lines"] != params.frames:
        raise SoakError(f"edge detect read {result['lines']} of {params.frames} frames: {result['error']}")
    return {**result, "frames_per_s": round(params.frames / result["seconds"], 1)}


class Server:
    """`python -m edge serve` on 127.0.0.1 and a free port, in a child process, for the length of a `with`."""

    def __init__(self, workers: int | None, env: dict[str, str], params: SoakParams):
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            self.port = probe.getsockname()[1]
        command = [sys.executable, "-m", "edge", "serve", "--host", HOST, "--port", str(self.port)]
        command += ["--workers", str(workers)] if workers else []
        self._errors = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                                        stderr=self._errors, text=True)
        deadline = time.monotonic() + params.start_timeout_s
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                message = self._last_error()
                self.close()
                raise SoakError(f"the web server did not start: {message}")
            time.sleep(0.2)

    def _healthy(self) -> bool:
        try:
            return post(self.port, "GET", "/api/health", b"", 5.0)[0] == 200
        except OSError:
            return False

    def _last_error(self) -> str:
        self._errors.seek(0)
        return (self._errors.read().strip().splitlines() or ["no output"])[-1]

    def memory(self) -> dict:
        return {"rss_mb": memory_mb(self.process.pid), "peak_rss_mb": memory_mb(self.process.pid, "VmHWM")}

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._errors.close()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def post(port: int, method: str, path: str, body: bytes, timeout: float,
         connection: http.client.HTTPConnection | None = None) -> tuple[int, bytes, dict]:
    """One request (on `connection` when given, else a new one): status, body and headers."""
    conn = connection or http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body or None, headers={"Content-Type": "application/octet-stream"})
        answer = conn.getresponse()
        return answer.status, answer.read(), dict(answer.getheaders())
    finally:
        if connection is None:
            conn.close()


def load(port: int, bodies: list[bytes], total: int, clients: int, timeout: float) -> list[tuple[str, float]]:
    """`total` POST /api/read from `clients` threads at once, each on its own keep-alive connection:
    (status, milliseconds) per request; a failed connection counts as status "error" and is opened again."""
    counter, answers = itertools.count(), []

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        while (i := next(counter)) < total:
            start = time.perf_counter()
            try:
                status = str(post(port, "POST", f"/api/read?source=piece_{i % len(bodies)}.jpg",
                                  bodies[i % len(bodies)], timeout, conn)[0])
            except (OSError, http.client.HTTPException):
                status = "error"
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
            answers.append((status, (time.perf_counter() - start) * 1000.0))
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def summarize(answers: list[tuple[str, float]], seconds: float) -> dict:
    counts: dict[str, int] = {}
    for status, _ in answers:
        counts[status] = counts.get(status, 0) + 1
    served = [ms for status, ms in answers if status == "200"]
    return {"requests": len(answers), "statuses": counts, "seconds": round(seconds, 1),
            "per_s": round(len(answers) / seconds, 1),
            "p50_ms": round(float(np.percentile(served, 50)), 1) if served else None,
            "p95_ms": round(float(np.percentile(served, 95)), 1) if served else None}


def soak_web(pictures: list[Path], workers: int | None, env: dict[str, str], params: SoakParams) -> dict:
    bodies = [path.read_bytes() for path in pictures[1:]]
    levels = []
    with Server(workers, env, params) as server:
        post(server.port, "POST", "/api/read", bodies[0], params.request_timeout_s)  # the first read sets up
        started = server.memory()
        for clients in params.levels:
            start = time.perf_counter()
            answers = load(server.port, bodies, params.requests, clients, params.request_timeout_s)
            levels.append({"clients": clients, **summarize(answers, time.perf_counter() - start), **server.memory()})
    return {"workers": workers, "env": env, "start": started, "levels": levels}


def soak_bomb(bomb: Path, params: SoakParams) -> dict:
    """The bomb through `edge detect` (beside the bundled sample, for comparison) and the web page."""
    from edge.capture import SourceError, read_image

    start = time.perf_counter()
    try:
        read_image(bomb)
        refused = None
    except SourceError as error:
        refused = str(error)
    check_ms = (time.perf_counter() - start) * 1000.0
    result = {"bytes": bomb.stat().st_size, "side": params.bomb_side, "read_image_ms": round(check_ms, 2),
              "read_image": refused, "detect": run_detect([str(bomb)]), "detect_sample": run_detect([str(SAMPLE)])}
    with Server(None, {}, params) as server:
        post(server.port, "POST", "/api/read", SAMPLE.read_bytes(), params.request_timeout_s)  # the first read sets up
        before = server.memory()
        start = time.perf_counter()
        status, body, _ = post(server.port, "POST", "/api/read", bomb.read_bytes(), params.request_timeout_s)
        result["web"] = {"status": status, "ms": round((time.perf_counter() - start) * 1000.0, 1),
                         "error": json.loads(body).get("error"), "before": before, "after": server.memory()}
    return result


def markdown(results: dict) -> str:
    meta = results["meta"]
    out = [f"# Soak: memory and latency under load", "",
           f"`{meta['command']}` — {meta['date']}, {meta['machine']}, {meta['seconds']:.0f} s", ""]
    if "detect" in results:
        d = results["detect"]
        samples = [mb for _, mb in d["rss_mb"] if mb is not None]
        out += ["| `edge detect` | frames | seconds | frames/s | RSS at the first sample | RSS, lowest–highest sample | "
                "peak RSS |", "|---|---:|---:|---:|---:|---:|---:|",
                f"| one process, a folder of links to 5 pictures | {d['lines']:,} | {d['seconds']:.0f} | "
                f"{d['frames_per_s']:.0f} | {samples[0]:.0f} MB | {min(samples):.0f}–{max(samples):.0f} MB | "
                f"{d['peak_rss_mb']:.0f} MB |", ""]
    if "bomb" in results:
        b = results["bomb"]
        web, detect, sample = b["web"], b["detect"], b["detect_sample"]
        out += [f"A PNG of {b['bytes'] / 1e6:.2f} MB declaring {b['side']}x{b['side']} pixels:", "",
                "| where | answer | time | memory |", "|---|---|---:|---:|",
                f"| `edge.capture.read_image` | refused: {b['read_image']} | {b['read_image_ms']:.2f} ms | |",
                f"| `python -m edge detect bomb.png` | exit {detect['status']}, `{detect['error']}` | "
                f"{detect['seconds']:.2f} s | peak {detect['peak_rss_mb']:.0f} MB |",
                f"| `python -m edge detect sample.jpg` (for comparison) | exit {sample['status']} | "
                f"{sample['seconds']:.2f} s | peak {sample['peak_rss_mb']:.0f} MB |",
                f"| `POST /api/read` | {web['status']}, `{web['error']}` | {web['ms']:.0f} ms | server "
                f"{web['before']['rss_mb']:.0f} → {web['after']['rss_mb']:.0f} MB (peak {web['before']['peak_rss_mb']:.0f}"
                f" → {web['after']['peak_rss_mb']:.0f}) |", ""]
    if "web" in results:
        w = results["web"]
        env = " ".join(f"{k}={v}" for k, v in w["env"].items())
        out += [f"Web server: workers {w['workers'] or 'default'}{', ' + env if env else ''}; "
                f"{w['start']['rss_mb']:.0f} MB after its first request.", "",
                "| at once | requests | 200 | 503 | other | p50 ms (200s) | p95 ms (200s) | requests/s | "
                "RSS after | peak RSS so far |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for level in w["levels"]:
            statuses = dict(level["statuses"])
            ok, busy = statuses.pop("200", 0), statuses.pop("503", 0)
            other = ", ".join(f"{k}: {v}" for k, v in statuses.items()) or "0"
            p50, p95 = (f"{level[k]:.0f}" if level[k] is not None else "–" for k in ("p50_ms", "p95_ms"))
            out.append(f"| {level['clients']} | {level['requests']:,} | {ok:,} | {busy:,} | {other} | {p50} | {p95} | "
                       f"{level['per_s']:.0f} | {level['rss_mb']:.0f} MB | {level['peak_rss_mb']:.0f} MB |")
    return "\n".join(out) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n")[0].split(": ", 1)[1])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK.frames:,} frames and {QUICK.requests:,} "
                        f"requests a level instead of {FULL.frames:,} and {FULL.requests:,} (about a minute)")
    parser.add_argument("--out", type=Path, default=Path("bench/results"), help="where soak.json and soak.md go")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"which parts, comma-separated (default: all: {','.join(PARTS)})")
    parser.add_argument("--frames", type=int, help="pictures for `edge detect` (overrides the default or --quick)")
    parser.add_argument("--requests", type=int, help="requests per level (overrides the default or --quick)")
    parser.add_argument("--workers", type=int, help="the server's --workers (default: its own)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="set in the server's environment, e.g. MALLOC_ARENA_MAX=2 (repeatable)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    if not parts or set(parts) - set(PARTS) or any("=" not in e for e in args.env):
        print(f"bench.soak: --parts takes {', '.join(PARTS)}; --env takes NAME=VALUE", file=sys.stderr)
        return 2
    params = QUICK if args.quick else FULL
    params = replace(params, frames=args.frames or params.frames, requests=args.requests or params.requests)
    env = dict(e.split("=", 1) for e in args.env)
    command = command_line("bench.soak", argv)
    from bench.run import machine

    start = time.perf_counter()
    results: dict = {"params": asdict(params)}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            pictures = write_pictures(folder)
            if "detect" in parts:
                print(f"soak: edge detect on {params.frames:,} frames", file=sys.stderr, flush=True)
                results["detect"] = soak_detect(pictures, folder, params)
            if "bomb" in parts:
                print("soak: the bomb", file=sys.stderr, flush=True)
                write_bomb(folder / "bomb.png", params.bomb_side)
                results["bomb"] = soak_bomb(folder / "bomb.png", params)
            if "web" in parts:
                print(f"soak: web, {params.requests:,} requests at {params.levels} at once", file=sys.stderr, flush=True)
                results["web"] = soak_web(pictures, args.workers, env, params)
    except SoakError as error:
        print(f"bench.soak: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench.soak: interrupted", file=sys.stderr)
        return 130
    results["meta"] = {"command": command, "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                       "machine": machine(), "seconds": time.perf_counter() - start}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.json").write_text(json.dumps(results, indent=1) + "\n")
    text = markdown(results)
    (args.out / "soak.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
