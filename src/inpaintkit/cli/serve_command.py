"""``inpaintkit serve``: the web app and its HTTP API on http://127.0.0.1:8000/.

The model and the device are checked at start (an unknown model is the operator's
mistake, not every client's). On a loopback address the server answers only this
machine's Host names (DNS rebinding); request headers must arrive within 10 s (slowloris).
"""
from __future__ import annotations

import argparse
import errno
import ipaddress
import socket
import sys

LOCAL_HOSTS = ("localhost",)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="start the web app (open the printed address in a browser)",
        description=__doc__ + " The API is documented at /docs.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1: this machine only; "
                             "0.0.0.0 opens it to the network)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--model", default="pyramid", help="default model name or .safetensors path (default: pyramid)")
    parser.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--max-upload-mb", type=float, default=40, help="largest upload accepted (default 40 MB)")
    parser.add_argument("--max-megapixels", type=float, default=50, help="largest image accepted (default 50 MP)")
    parser.set_defaults(func=run)


def is_local(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from ..errors import UserError
    from ..inference import check_model_source, resolve_device
    from ..server.app import create_app
    from ..server.browser_guard import LOOPBACK_NAMES
    from ..server.http_server import server_config

    if not 0 < args.port < 65536:
        raise UserError(f"--port must be between 1 and 65535; got {args.port}.")
    if not (0 < args.max_upload_mb < float("inf") and 0 < args.max_megapixels < float("inf")):
        raise UserError("--max-upload-mb and --max-megapixels must be positive numbers.")
    resolve_device(args.device)
    check_model_source(args.model)
    app = create_app(default_model=args.model, device=args.device,
                     max_upload_bytes=int(args.max_upload_mb * 1024 * 1024),
                     max_pixels=int(args.max_megapixels * 1_000_000),
                     allowed_hosts=LOOPBACK_NAMES if is_local(args.host) else None)
    listening = bind(args.host, args.port)
    if not is_local(args.host):
        print(f"warning: listening on {args.host}: anyone who can reach this machine can use "
              "the server; there is no login.", file=sys.stderr)
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    print(f"inpaintkit: open http://{shown}:{args.port}/ (API docs at /docs); Ctrl+C stops.")
    uvicorn.Server(server_config(app, args.host, args.port)).run(sockets=[listening])
    return 0


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``, before the address is printed: a port another
    server holds gets one sentence, not the address of that other server and uvicorn's
    log line."""
    from ..errors import UserError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
    try:
        listening.bind((host, port))
    except OSError as error:
        listening.close()
        if error.errno == errno.EADDRINUSE:
            raise UserError(f"port {port} is in use, perhaps by another server; stop it or give another --port.") \
                from error
        raise UserError(f"cannot listen on {host}:{port}: {error.strerror or error}.") from error
    listening.set_inheritable(True)
    return listening
