"""``python -m emulator --port N``: serve until interrupted; print one READY line once listening."""

from __future__ import annotations

import argparse
import signal
import sys

from emulator.app import make_server
from emulator.config import Settings
from emulator.flavours import FLAVOURS
from emulator.seed import SEEDS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulator", description="Bitbucket Cloud + Server emulator")
    parser.add_argument("--port", type=int, default=8799, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--public-url", default=None,
                        help="base URL used in links (default http://HOST:PORT), e.g. behind a proxy")
    for flavour in FLAVOURS:
        flavour.add_arguments(parser)
    parser.add_argument("--seed", choices=SEEDS, default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def settings_for(host: str, port: int) -> Settings:
        public = args.public_url.rstrip("/") if args.public_url else f"http://{host}:{port}"
        return Settings(public_url=public,
                        flavours={flavour.name: flavour.settings_from_args(args, public) for flavour in FLAVOURS})

    httpd, emulator = make_server(args.host, args.port, settings_for)
    emulator.seed_name = args.seed
    if args.seed:
        emulator.reset()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    bound_host, bound_port = httpd.server_address[:2]
    print(f"EMULATOR READY http://{bound_host}:{bound_port}", flush=True)
    try:
        httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
