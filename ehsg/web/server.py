"""Runs the web app on this machine until Ctrl-C or SIGTERM, then removes every upload and output."""

from __future__ import annotations

import ipaddress
import signal
import socket
import sys
import threading
import webbrowser

import click

from .app import create_app


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_for(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown and not shown.startswith("[") else shown
    return f"http://{shown}:{port}/"


def serve(guide, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False, file: str | None = None) -> None:
    """Start the app and block until stopped; with a file, it is checked first and its results are the address."""
    import uvicorn

    from ..errors import InputFileError

    app = create_app(guide, host=host)
    try:  # a port already taken is the user's to fix: say so before any start-up noise
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host.strip("[]"), port))
    except OSError as e:
        app.state.site.jobs.close()
        raise InputFileError(f"Cannot listen on {host} port {port} ({e.strerror}). Choose another with --port.") from e
    address = url_for(host, port)
    if file is not None:
        from pathlib import Path

        from .views.check import check_upload

        try:
            with open(file, "rb") as data:
                job = check_upload(app.state.site, Path(file).name, data)
        except OSError as e:
            app.state.site.jobs.close()
            raise InputFileError(f"{file}: cannot be read ({e.strerror}).") from e
        address += f"check/{job.id}"
    if not is_loopback(host):
        click.echo(f"ehsg: warning: listening on {host}: anyone who can reach this computer over the network can "
                   "open the toolkit and upload files. Use the default --host 127.0.0.1 unless you mean this.",
                   err=True)
    click.echo(f"ehsg serve: open {address} in your browser (also http://localhost:{port}/ on this computer). "
               "Press Ctrl-C to stop.")
    sys.stdout.flush()
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(address,)).start()
    config = uvicorn.Config(app, host=host.strip("[]"), port=port, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=3, server_header=False, lifespan="on")
    # Uvicorn shuts down cleanly on SIGINT/SIGTERM, then raises the signal again for the handler that was there
    # before: for SIGTERM that is this one, so the command ends normally (exit 0) instead of being killed.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        uvicorn.Server(config).run()
    finally:
        signal.signal(signal.SIGTERM, previous)
        app.state.site.jobs.close()
        click.echo("ehsg serve: stopped; uploads and results were deleted.")
        sys.stdout.flush()
