"""Throughput of the Smartpay simulator: in-process and over loopback.

Measures a mix of ``GET /v1/orders/{id}`` and ``POST /v1/coupons`` — through ``sim.session()``
(no sockets) and through a ``python -m django_smartpay.simulator --port 0`` subprocess hit by one
keep-alive ``requests.Session`` on 127.0.0.1 — and prints JSON with requests per second, the
targets (1,000/s in-process, 300/s over loopback) and whether each was met.  Exit status 1 when a
target is missed.

    python bench/simulator_throughput.py [--requests N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
KEY = {"Authorization": "Basic sk_test_benchThroughput01"}
COUPON = {"name": "bench", "discountType": "percentage", "discountPercentage": 10}
TARGETS = {"in_process": 1000.0, "loopback": 300.0}
ADDRESS = {"line1": "1-1", "locality": "Chiyoda", "postalCode": "100-0001", "country": "JP"}
SESSION = {
    "amount": 1000,
    "currency": "JPY",
    "items": [{"name": "item", "amount": 1000, "currency": "JPY"}],
    "shippingInfo": {"address": ADDRESS},
    "customerInfo": {},
    "successUrl": "https://shop.example.jp/success",
    "cancelUrl": "https://shop.example.jp/cancel",
}


def _order_id(http: requests.Session, api_base: str) -> str:
    response = http.post(api_base + "/checkout-sessions", json=SESSION, headers=KEY, timeout=10)
    response.raise_for_status()
    return response.json()["order"]["id"]


def measure(http: requests.Session, api_base: str, count: int) -> dict[str, Any]:
    """``count`` requests, alternating GET order and POST coupon; every answer must be 200."""
    order_url = api_base + "/orders/" + _order_id(http, api_base)
    coupons_url = api_base + "/coupons"
    for _ in range(20):  # warm up connections and code paths
        http.get(order_url, headers=KEY, timeout=10)
    timings = {"GET /v1/orders/{id}": 0.0, "POST /v1/coupons": 0.0}
    started = time.perf_counter()
    for index in range(count):
        begin = time.perf_counter()
        if index % 2:
            response = http.post(coupons_url, json=COUPON, headers=KEY, timeout=10)
            timings["POST /v1/coupons"] += time.perf_counter() - begin
        else:
            response = http.get(order_url, headers=KEY, timeout=10)
            timings["GET /v1/orders/{id}"] += time.perf_counter() - begin
        if response.status_code != 200:
            raise RuntimeError(f"unexpected {response.status_code}: {response.text[:200]}")
    elapsed = time.perf_counter() - started
    half = count / 2
    return {
        "requests": count,
        "seconds": round(elapsed, 3),
        "requests_per_second": round(count / elapsed, 1),
        "by_request_per_second": {name: round(half / spent, 1) for name, spent in timings.items()},
    }


def in_process(count: int) -> dict[str, Any]:
    from django_smartpay.simulator import Simulator

    sim = Simulator(seed=1, accept_any_key=True)
    with sim.session() as http:
        return measure(http, sim.api_base, count)


def loopback(count: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django_smartpay.simulator",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--any-key",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    try:
        api_base = None
        deadline = time.monotonic() + 15
        while api_base is None and time.monotonic() < deadline:
            line = process.stdout.readline() if process.stdout else ""
            if not line:
                break
            match = re.match(r"^Smartpay simulator ready at (http://127\.0\.0\.1:\d+/v1)$", line.strip())
            api_base = match.group(1) if match else None
        if api_base is None:
            raise RuntimeError("the simulator server did not start")
        with requests.Session() as http:
            http.trust_env = False
            return measure(http, api_base, count)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per mode (default 2000)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    results: dict[str, Any] = {
        "in_process": in_process(args.requests),
        "loopback": loopback(args.requests),
    }
    for mode, target in TARGETS.items():
        results[mode]["target_requests_per_second"] = target
        results[mode]["pass"] = results[mode]["requests_per_second"] >= target
    results["pass"] = all(results[mode]["pass"] for mode in TARGETS)
    print(json.dumps(results, indent=2))
    return 0 if results["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
