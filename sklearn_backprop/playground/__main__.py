"""``python -m sklearn_backprop.playground [--port N] [--no-browser]``: serve the playground."""

import argparse
import sys
import webbrowser


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_backprop.playground",
        description="Serve the sklearn_backprop playground on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free port)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    args = parser.parse_args(argv)
    try:
        from .server import PlaygroundServer
    except ModuleNotFoundError as error:
        sys.exit(
            f"The playground needs the 'playground' extra ({error.name} is missing): "
            "pip install 'sklearn_backprop[playground]'"
        )
    try:
        server = PlaygroundServer(args.port)
    except OSError as error:
        sys.exit(f"Cannot listen on 127.0.0.1:{args.port}: {error.strerror}. Try --port 0.")
    print(f"sklearn_backprop playground: {server.url} (Ctrl+C to stop)", flush=True)
    if not args.no_browser:
        webbrowser.open(server.url)
    server.run()


if __name__ == "__main__":
    main()
