"""Serving the SmartyPay simulator over loopback HTTP, with the Smartpay simulator's hardened server.

:class:`~django_smartpay.simulator.server.SimulatorServer` (body caps, request deadlines,
bounded connections, loopback only unless told) serves any simulator object with an
``app.handle(environ)``; this module hands it a :class:`SmartyPaySimulator`.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any, cast

from django_smartpay.simulator.server import SimulatorServer, check_bind_host

from .simulator import API_KEY, MERCHANT_ID, SECRET, SmartyPaySimulator


class RunningServer:
    """A SmartyPay simulator served from a background thread; ``base_url`` is its origin."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, sim: SmartyPaySimulator | None = None) -> None:
        self.sim = sim if sim is not None else SmartyPaySimulator()
        self.server = SimulatorServer(host, port, cast(Any, self.sim))
        self.base_url = self.server.origin
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="smartypay-simulator", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m django_smartpay.contrib.smartypay.simulator", description="A local SmartyPay."
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8766, help="port (0 picks a free one; default 8766)")
    parser.add_argument("--api-key", default=API_KEY, help="the API key it answers")
    parser.add_argument("--secret", default=SECRET, help="the secret of that API key")
    parser.add_argument("--merchant", action="append", default=[], help="merchant id (repeatable)")
    args = parser.parse_args(argv)
    try:
        check_bind_host(args.host)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    merchants = {merchant: args.api_key for merchant in (args.merchant or [MERCHANT_ID])}
    sim = SmartyPaySimulator(credentials={args.api_key: args.secret}, merchants=merchants)
    server = SimulatorServer(args.host, args.port, cast(Any, sim))

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"SmartyPay simulator ready at {server.origin} (control calls under /_smartypay/)", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
